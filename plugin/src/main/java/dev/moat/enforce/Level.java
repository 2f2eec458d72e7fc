package dev.moat.enforce;

import dev.moat.internal.Messages;

/**
 * One rung of the escalation ladder: what Moat does to a request at this level. Level 0 is always
 * "nothing"; a policy defines levels 1 to 9.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the level, 0 to 9
 * @param budgetScale the tier's budget multiplied by this, in (0, 1]
 * @param maxTokens output tokens at most per request, 0 for the request's own
 * @param pacingTokensPerSecond emission rate of a stream (a tarpit), 0 for unpaced
 * @param reject reject every request at this level (with a retry-after of a minute)
 * @param logprobsMax {@code top_logprobs} returned at most, -1 for the request's own, 0 withholds
 * @param logprobsDigits decimal digits log-probabilities are rounded to, -1 for unrounded
 * @param logitBias what to do with a request's {@code logit_bias}
 * @param logprobsNoise standard deviation (nats) of the keyed Gaussian noise added to each returned
 *     log-probability, 0 for none
 * @param temperatureJitter each step's temperature is multiplied by a keyed factor drawn uniformly
 *     from [1 - j, 1 + j] (when Moat samples), 0 for none
 * @param keyedNoiseKl per-step KL budget (nats) of a context-keyed logit perturbation, 0 for none:
 *     half the vocabulary, chosen by a keyed hash of the previous token and the token, is raised by
 *     {@code 2·sqrt(2·kl)}, which by Hoeffding's lemma moves the distribution by at most {@code kl}
 *     nats of KL per step; keyed by the policy's {@code enforcement.noise_key} (see {@link
 *     KeyedNoise})
 * @param antiDistillationKl per-step KL budget (nats) of anti-distillation sampling, 0 for none:
 *     the tokens that would teach the proxy student most are lowered by up to {@code 2·sqrt(2·kl)}
 *     (see {@link AntiDistillation}; needs a proxy student given to {@code
 *     Moat.builder().proxyStudent})
 */
public record Level(
    int id,
    double budgetScale,
    int maxTokens,
    double pacingTokensPerSecond,
    boolean reject,
    int logprobsMax,
    int logprobsDigits,
    LogitBias logitBias,
    double logprobsNoise,
    double temperatureJitter,
    double keyedNoiseKl,
    double antiDistillationKl) {
  /** Level 0: nothing. */
  public static final Level NONE = new Level(0, 1, 0, 0, false, -1, -1, false);

  /**
   * What a level does with {@code logit_bias} (Carlini et al. 2024 extracted a production model's
   * projection layer through logprobs and logit bias).
   */
  public enum LogitBias {
    /** Honour it. */
    ALLOW,
    /** Refuse the request (the host answers 400 naming the field). */
    REFUSE,
    /** Accept the request and ignore the bias (the host drops it silently). */
    NEUTRALISE
  }

  /** A level without logprob noise or temperature jitter. */
  public Level(
      int id,
      double budgetScale,
      int maxTokens,
      double pacingTokensPerSecond,
      boolean reject,
      int logprobsMax,
      int logprobsDigits,
      boolean refuseLogitBias) {
    this(
        id,
        budgetScale,
        maxTokens,
        pacingTokensPerSecond,
        reject,
        logprobsMax,
        logprobsDigits,
        refuseLogitBias ? LogitBias.REFUSE : LogitBias.ALLOW,
        0,
        0,
        0);
  }

  /** A level without anti-distillation sampling. */
  public Level(
      int id,
      double budgetScale,
      int maxTokens,
      double pacingTokensPerSecond,
      boolean reject,
      int logprobsMax,
      int logprobsDigits,
      LogitBias logitBias,
      double logprobsNoise,
      double temperatureJitter,
      double keyedNoiseKl) {
    this(
        id,
        budgetScale,
        maxTokens,
        pacingTokensPerSecond,
        reject,
        logprobsMax,
        logprobsDigits,
        logitBias,
        logprobsNoise,
        temperatureJitter,
        keyedNoiseKl,
        0);
  }

  /** A level without keyed logit noise. */
  public Level(
      int id,
      double budgetScale,
      int maxTokens,
      double pacingTokensPerSecond,
      boolean reject,
      int logprobsMax,
      int logprobsDigits,
      LogitBias logitBias,
      double logprobsNoise,
      double temperatureJitter) {
    this(
        id,
        budgetScale,
        maxTokens,
        pacingTokensPerSecond,
        reject,
        logprobsMax,
        logprobsDigits,
        logitBias,
        logprobsNoise,
        temperatureJitter,
        0);
  }

  /** The logit raise of the keyed noise for its KL budget: {@code 2·sqrt(2·kl)}. */
  public double keyedNoiseDelta() {
    return 2 * Math.sqrt(2 * keyedNoiseKl);
  }

  /** Whether requests carrying {@code logit_bias} are refused. */
  public boolean refuseLogitBias() {
    return logitBias == LogitBias.REFUSE;
  }

  public Level {
    String p = "enforcement.levels[" + id + "].";
    if (id < 0 || id > 9) {
      throw new IllegalArgumentException(Messages.invalid(p + "level", id, "0 to 9"));
    }
    if (!(budgetScale > 0 && budgetScale <= 1)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "budget_scale", budgetScale, "in (0, 1]"));
    }
    if (maxTokens < 0) {
      throw new IllegalArgumentException(Messages.invalid(p + "max_tokens", maxTokens, ">= 0"));
    }
    if (!(pacingTokensPerSecond >= 0 && pacingTokensPerSecond <= 100_000)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "pacing_tokens_per_second", pacingTokensPerSecond, "0 to 100000"));
    }
    if (logprobsMax < -1 || logprobsMax > 20) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "logprobs_max", logprobsMax, "-1 to 20"));
    }
    java.util.Objects.requireNonNull(logitBias, "logitBias");
    if (!(logprobsNoise >= 0 && logprobsNoise <= 5)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "logprobs_noise", logprobsNoise, "0 to 5"));
    }
    if (!(keyedNoiseKl >= 0 && keyedNoiseKl <= 2)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "keyed_noise_kl", keyedNoiseKl, "0 to 2 (nats)"));
    }
    if (!(antiDistillationKl >= 0 && antiDistillationKl <= 2)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "anti_distillation_kl", antiDistillationKl, "0 to 2 (nats)"));
    }
    if (!(temperatureJitter >= 0 && temperatureJitter <= 0.5)) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "temperature_jitter", temperatureJitter, "0 to 0.5"));
    }
    if (logprobsDigits < -1 || logprobsDigits > 6) {
      throw new IllegalArgumentException(
          Messages.invalid(p + "logprobs_digits", logprobsDigits, "-1 to 6"));
    }
  }

  /** The {@code top_logprobs} a request at this level gets when it asked for {@code requested}. */
  public int topLogprobs(int requested) {
    return logprobsMax < 0 ? requested : Math.min(requested, logprobsMax);
  }

  /** A log-probability as returned at this level: rounded to {@code logprobsDigits} digits. */
  public double logprob(double value) {
    if (logprobsDigits < 0 || !Double.isFinite(value)) {
      return value;
    }
    double f = POW10[logprobsDigits];
    return Math.round(value * f) / f;
  }

  /**
   * A log-probability as returned at this level, with noise: {@code value + logprobsNoise · g}
   * (never above 0), then rounded. {@code gaussian} is a standard normal draw from the request's
   * keyed randomness.
   */
  public double logprob(double value, double gaussian) {
    if (logprobsNoise == 0 || !Double.isFinite(value)) {
      return logprob(value);
    }
    return logprob(Math.min(0, value + logprobsNoise * gaussian));
  }

  private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
}
