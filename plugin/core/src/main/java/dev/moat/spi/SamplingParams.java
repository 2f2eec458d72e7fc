package dev.moat.spi;

import java.util.Objects;

/**
 * The host's sampling settings for one request: temperature, top-k, top-p, seed and the output
 * budget. Protections come after these (the host's filters decide which tokens can win; watermarks
 * only shift or choose among them).
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()} or take {@link #greedy(int)}.
 */
public final class SamplingParams {
  private final float temperature;
  private final int topK;
  private final float topP;
  private final long seed;
  private final int maxTokens;

  private SamplingParams(Builder b) {
    this.temperature = b.temperature;
    this.topK = b.topK;
    this.topP = b.topP;
    this.seed = b.seed;
    this.maxTokens = b.maxTokens;
  }

  /** Greedy decoding (temperature 0) of at most {@code maxTokens} tokens. */
  public static SamplingParams greedy(int maxTokens) {
    return builder().temperature(0f).maxTokens(maxTokens).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this object's values. */
  public Builder toBuilder() {
    return new Builder()
        .temperature(temperature)
        .topK(topK)
        .topP(topP)
        .seed(seed)
        .maxTokens(maxTokens);
  }

  /** 0 means greedy (argmax); otherwise logits are divided by it before the softmax. */
  public float temperature() {
    return temperature;
  }

  /** Keep only the {@code topK} most likely tokens; 0 keeps all. */
  public int topK() {
    return topK;
  }

  /**
   * Keep the smallest set of most likely tokens whose probability reaches {@code topP}; 1 keeps
   * all.
   */
  public float topP() {
    return topP;
  }

  /** Seed of the request's sampling randomness: a fixed seed gives a fixed output. */
  public long seed() {
    return seed;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public boolean isGreedy() {
    return temperature == 0f;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SamplingParams p
        && p.temperature == temperature
        && p.topK == topK
        && p.topP == topP
        && p.seed == seed
        && p.maxTokens == maxTokens;
  }

  @Override
  public int hashCode() {
    return Objects.hash(temperature, topK, topP, seed, maxTokens);
  }

  @Override
  public String toString() {
    return "SamplingParams{temperature="
        + temperature
        + ", topK="
        + topK
        + ", topP="
        + topP
        + ", seed="
        + seed
        + ", maxTokens="
        + maxTokens
        + '}';
  }

  /** Checks each value at its setter; not thread-safe. */
  public static final class Builder {
    private float temperature = 1f;
    private int topK = 0;
    private float topP = 1f;
    private long seed = 0L;
    private int maxTokens = 256;

    private Builder() {}

    public Builder temperature(float temperature) {
      if (!(temperature >= 0f) || temperature > 100f) {
        throw new IllegalArgumentException(
            invalid("temperature", temperature, "in [0, 100] (0 = greedy)"));
      }
      this.temperature = temperature;
      return this;
    }

    public Builder topK(int topK) {
      if (topK < 0) {
        throw new IllegalArgumentException(invalid("top_k", topK, ">= 0 (0 = off)"));
      }
      this.topK = topK;
      return this;
    }

    public Builder topP(float topP) {
      if (!(topP > 0f && topP <= 1f)) {
        throw new IllegalArgumentException(invalid("top_p", topP, "in (0, 1]"));
      }
      this.topP = topP;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 1 || maxTokens > 1_000_000) {
        throw new IllegalArgumentException(invalid("max_tokens", maxTokens, "in [1, 1000000]"));
      }
      this.maxTokens = maxTokens;
      return this;
    }

    public SamplingParams build() {
      return new SamplingParams(this);
    }

    /** The wording of {@code dev.moat.internal.Messages#invalid}; the SPI depends on nothing. */
    private static String invalid(String field, Object value, String rule) {
      return "`" + field + "` was '" + value + "' but it must be " + rule;
    }
  }
}
