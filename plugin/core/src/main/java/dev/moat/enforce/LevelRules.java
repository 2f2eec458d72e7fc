package dev.moat.enforce;

import dev.moat.internal.InvalidSetting;

/**
 * A level's rules, each written once: {@link Level}'s constructor and {@link Level.Builder}'s
 * setters both apply them, and policy files reach them through the builder.
 *
 * <p>Stateless and thread-safe.
 */
final class LevelRules {
  private LevelRules() {}

  static String prefix(int id) {
    return "enforcement.levels[" + id + "].";
  }

  static void checkBudgetScale(String p, double v) {
    if (!(v > 0 && v <= 1)) {
      throw new InvalidSetting(p, "budget_scale", v, "in (0, 1]");
    }
  }

  static void checkMaxTokens(String p, long v) {
    if (v < 0 || v > 10_000_000) {
      throw new InvalidSetting(p, "max_tokens", v, "0 (the request's own) to 10^7");
    }
  }

  static void checkPacing(String p, double v) {
    if (!(v >= 0 && v <= 100_000)) {
      throw new InvalidSetting(p, "pacing_tokens_per_second", v, "0 (unpaced) to 100000");
    }
  }

  static void checkLogprobsMax(String p, long v) {
    if (v < -1 || v > 20) {
      throw new InvalidSetting(p, "logprobs_max", v, "-1 (the request's own) to 20");
    }
  }

  static void checkLogprobsDigits(String p, long v) {
    if (v < -1 || v > 6) {
      throw new InvalidSetting(p, "logprobs_digits", v, "-1 (unrounded) to 6");
    }
  }

  static void checkLogprobsNoise(String p, double v) {
    if (!(v >= 0 && v <= 5)) {
      throw new InvalidSetting(p, "logprobs_noise", v, "0 to 5 (nats)");
    }
  }

  static void checkJitter(String p, double v) {
    if (!(v >= 0 && v <= 0.5)) {
      throw new InvalidSetting(p, "temperature_jitter", v, "0 to 0.5");
    }
  }

  static void checkKl(String p, String setting, double v) {
    if (!(v >= 0 && v <= 2)) {
      throw new InvalidSetting(p, setting, v, "0 to 2 (nats)");
    }
  }
}
