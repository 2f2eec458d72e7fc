package dev.moat.enforce;

import dev.moat.internal.InvalidSetting;
import dev.moat.internal.Messages;
import java.util.List;
import java.util.Objects;

/**
 * One rung of the escalation ladder: what Moat does to a request at this level. Level 0 is always
 * "nothing"; a policy defines levels 1 to 9.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder(int)}; the canonical constructor checks
 * the same rules.
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
  public static final Level NONE = builder(0).build();

  /**
   * The settings a level has in a policy file, by their names there, in the order the file
   * documents them. {@link Builder#setting} takes exactly these.
   */
  public static final List<String> SETTINGS =
      List.of(
          "level",
          "budget_scale",
          "max_tokens",
          "pacing_tokens_per_second",
          "reject",
          "logprobs_max",
          "logprobs_digits",
          "logit_bias",
          "logprobs_noise",
          "temperature_jitter",
          "keyed_noise_kl",
          "anti_distillation_kl");

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

  /**
   * Every value checked against its rule, the one place each rule is written: the builder's setters
   * and this constructor both apply them.
   *
   * @throws IllegalArgumentException naming the setting, its value and what is allowed
   */
  public Level {
    String p = LevelRules.prefix(id);
    if (id < 0 || id > 9) {
      throw new InvalidSetting(p, "level", id, "0 to 9");
    }
    LevelRules.checkBudgetScale(p, budgetScale);
    LevelRules.checkMaxTokens(p, maxTokens);
    LevelRules.checkPacing(p, pacingTokensPerSecond);
    LevelRules.checkLogprobsMax(p, logprobsMax);
    LevelRules.checkLogprobsDigits(p, logprobsDigits);
    Objects.requireNonNull(logitBias, "logitBias");
    LevelRules.checkLogprobsNoise(p, logprobsNoise);
    LevelRules.checkJitter(p, temperatureJitter);
    LevelRules.checkKl(p, "keyed_noise_kl", keyedNoiseKl);
    LevelRules.checkKl(p, "anti_distillation_kl", antiDistillationKl);
  }

  /** A builder for level {@code id} (0 to 9; a policy defines 1 to 9) that does nothing yet. */
  public static Builder builder(int id) {
    return new Builder(id);
  }

  /** A builder holding this level's settings. */
  public Builder toBuilder() {
    Builder b = new Builder(id);
    b.budgetScale = budgetScale;
    b.maxTokens = maxTokens;
    b.pacing = pacingTokensPerSecond;
    b.reject = reject;
    b.logprobsMax = logprobsMax;
    b.logprobsDigits = logprobsDigits;
    b.logitBias = logitBias;
    b.logprobsNoise = logprobsNoise;
    b.jitter = temperatureJitter;
    b.keyedNoiseKl = keyedNoiseKl;
    b.antiDistillationKl = antiDistillationKl;
    return b;
  }

  /** The logit raise of the keyed noise for its KL budget: {@code 2·sqrt(2·kl)}. */
  public double keyedNoiseDelta() {
    return 2 * Math.sqrt(2 * keyedNoiseKl);
  }

  /** Whether requests carrying {@code logit_bias} are refused. */
  public boolean refuseLogitBias() {
    return logitBias == LogitBias.REFUSE;
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

  /**
   * Builds a {@link Level}; each setter checks its value at once and names the setting, its value
   * and what is allowed. Defaults do nothing: full budget, the request's own {@code max_tokens} and
   * logprobs, unpaced, not rejected, logit bias allowed, no noise, jitter or anti-distillation.
   *
   * <p>Not thread-safe; the {@link Level} it builds is.
   */
  public static final class Builder {
    private int id;
    private double budgetScale = 1;
    private int maxTokens;
    private double pacing;
    private boolean reject;
    private int logprobsMax = -1;
    private int logprobsDigits = -1;
    private LogitBias logitBias = LogitBias.ALLOW;
    private double logprobsNoise;
    private double jitter;
    private double keyedNoiseKl;
    private double antiDistillationKl;

    private Builder(int id) {
      if (id < 0 || id > 9) {
        throw new InvalidSetting(LevelRules.prefix(id), "level", id, "0 to 9");
      }
      this.id = id;
    }

    /** The tier's budgets are multiplied by this, in (0, 1]. */
    public Builder budgetScale(double scale) {
      LevelRules.checkBudgetScale(LevelRules.prefix(id), scale);
      this.budgetScale = scale;
      return this;
    }

    /** Output tokens at most per request, 0 (the request's own) to 10^7. */
    public Builder maxTokens(int maxTokens) {
      LevelRules.checkMaxTokens(LevelRules.prefix(id), maxTokens);
      this.maxTokens = maxTokens;
      return this;
    }

    /** Emission rate of a stream (a tarpit), 0 (unpaced) to 100000 tokens a second. */
    public Builder pacingTokensPerSecond(double tokensPerSecond) {
      LevelRules.checkPacing(LevelRules.prefix(id), tokensPerSecond);
      this.pacing = tokensPerSecond;
      return this;
    }

    /** Reject every request at this level (with a retry-after of a minute). */
    public Builder reject(boolean reject) {
      this.reject = reject;
      return this;
    }

    /** {@code top_logprobs} returned at most, -1 (the request's own) to 20; 0 withholds them. */
    public Builder logprobsMax(int max) {
      LevelRules.checkLogprobsMax(LevelRules.prefix(id), max);
      this.logprobsMax = max;
      return this;
    }

    /** Decimal digits log-probabilities are rounded to, -1 (unrounded) to 6. */
    public Builder logprobsDigits(int digits) {
      LevelRules.checkLogprobsDigits(LevelRules.prefix(id), digits);
      this.logprobsDigits = digits;
      return this;
    }

    /** What to do with a request's {@code logit_bias}. */
    public Builder logitBias(LogitBias logitBias) {
      this.logitBias = Objects.requireNonNull(logitBias, "logitBias");
      return this;
    }

    /** Standard deviation of the keyed noise on returned log-probabilities, 0 to 5 nats. */
    public Builder logprobsNoise(double nats) {
      LevelRules.checkLogprobsNoise(LevelRules.prefix(id), nats);
      this.logprobsNoise = nats;
      return this;
    }

    /** Keyed per-step temperature factor drawn from [1 - j, 1 + j], j from 0 to 0.5. */
    public Builder temperatureJitter(double jitter) {
      LevelRules.checkJitter(LevelRules.prefix(id), jitter);
      this.jitter = jitter;
      return this;
    }

    /** Per-step KL budget of the context-keyed logit noise, 0 to 2 nats. */
    public Builder keyedNoiseKl(double kl) {
      LevelRules.checkKl(LevelRules.prefix(id), "keyed_noise_kl", kl);
      this.keyedNoiseKl = kl;
      return this;
    }

    /** Per-step KL budget of anti-distillation sampling, 0 to 2 nats. */
    public Builder antiDistillationKl(double kl) {
      LevelRules.checkKl(LevelRules.prefix(id), "anti_distillation_kl", kl);
      this.antiDistillationKl = kl;
      return this;
    }

    /**
     * Sets one setting by its name in policy files ({@link #SETTINGS}) from a parsed value: a
     * {@link Number} for numbers (whole where the setting is a count), a {@link Boolean} for {@code
     * reject}, a {@link String} ({@code allow}, {@code refuse} or {@code neutralise}) for {@code
     * logit_bias}. {@code level} sets the level itself, 1 to 9. What policy loaders use, so a
     * file's rules are these setters' rules.
     *
     * @throws InvalidSetting naming the setting, its value and what is allowed
     * @throws IllegalArgumentException if {@code name} is not one of {@link #SETTINGS}
     */
    public Builder setting(String name, Object value) {
      String p = LevelRules.prefix(id);
      switch (name) {
        case "level" -> {
          int v = whole(p, name, value, "1 to 9");
          if (v < 1 || v > 9) {
            throw new InvalidSetting(p, name, value, "1 to 9");
          }
          this.id = v;
        }
        case "budget_scale" -> budgetScale(number(p, name, value));
        case "max_tokens" -> maxTokens(whole(p, name, value, "0 (the request's own) to 10^7"));
        case "pacing_tokens_per_second" -> pacingTokensPerSecond(number(p, name, value));
        case "reject" -> {
          if (!(value instanceof Boolean b)) {
            throw new InvalidSetting(p, name, value, "true or false");
          }
          reject(b);
        }
        case "logprobs_max" -> logprobsMax(whole(p, name, value, "-1 (the request's own) to 20"));
        case "logprobs_digits" -> logprobsDigits(whole(p, name, value, "-1 (unrounded) to 6"));
        case "logit_bias" -> {
          LogitBias bias =
              switch (String.valueOf(value)) {
                case "allow" -> LogitBias.ALLOW;
                case "refuse" -> LogitBias.REFUSE;
                case "neutralise" -> LogitBias.NEUTRALISE;
                default -> null;
              };
          if (bias == null || !(value instanceof String)) {
            throw new InvalidSetting(p, name, value, "allow, refuse or neutralise");
          }
          logitBias(bias);
        }
        case "logprobs_noise" -> logprobsNoise(number(p, name, value));
        case "temperature_jitter" -> temperatureJitter(number(p, name, value));
        case "keyed_noise_kl" -> keyedNoiseKl(number(p, name, value));
        case "anti_distillation_kl" -> antiDistillationKl(number(p, name, value));
        default -> throw new IllegalArgumentException(Messages.unknownField(p + name, SETTINGS));
      }
      return this;
    }

    private static double number(String p, String name, Object value) {
      if (!(value instanceof Number n)) {
        throw new InvalidSetting(p, name, value, "a number");
      }
      return n.doubleValue();
    }

    private static int whole(String p, String name, Object value, String rule) {
      double d = number(p, name, value);
      if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
        throw new InvalidSetting(p, name, value, rule);
      }
      return (int) d;
    }

    /** The level; every value was checked when it was set. */
    public Level build() {
      return new Level(
          id,
          budgetScale,
          maxTokens,
          pacing,
          reject,
          logprobsMax,
          logprobsDigits,
          logitBias,
          logprobsNoise,
          jitter,
          keyedNoiseKl,
          antiDistillationKl);
    }
  }

  private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
}
