package dev.moat.watermark;

import static dev.moat.internal.Messages.invalid;

import dev.moat.key.WatermarkKey;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Parameters of the KGW red/green watermark (Kirchenbauer et al., "A Watermark for Large Language
 * Models", ICML 2023): a fraction {@code gamma} of the vocabulary is green for each context of the
 * previous {@code contextWidth} tokens, and {@code delta} is added to green logits.
 *
 * <p>Immutable and thread-safe. {@link #builder()} checks each value at its setter; the policy
 * loader applies the same rules and names the file's path in its messages.
 */
public final class KgwSettings implements WatermarkSpec {
  private final String keyId;
  private final double gamma;
  private final double delta;
  private final int contextWidth;
  private final double entropyThreshold;
  private final boolean dedupPerRequest;
  private final int dedupHistory;
  private final boolean selfHash;
  private final int selfHashCandidates;

  private KgwSettings(Builder b) {
    this.keyId = Objects.requireNonNull(b.keyId);
    this.gamma = b.gamma;
    this.delta = b.delta;
    this.contextWidth = b.contextWidth;
    this.entropyThreshold = b.entropyThreshold;
    this.dedupPerRequest = b.dedupPerRequest;
    this.dedupHistory = b.dedupHistory;
    this.selfHash = b.selfHash;
    this.selfHashCandidates = b.selfHashCandidates;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .keyId(keyId)
        .gamma(gamma)
        .delta(delta)
        .contextWidth(contextWidth)
        .entropyThreshold(entropyThreshold)
        .dedupPerRequest(dedupPerRequest)
        .dedupHistory(dedupHistory)
        .selfHash(selfHash)
        .selfHashCandidates(selfHashCandidates);
  }

  /** Id of the watermark key (the key itself lives in {@link WatermarkKeys}). */
  @Override
  public String keyId() {
    return keyId;
  }

  /** Green fraction of the vocabulary, in (0, 1). */
  public double gamma() {
    return gamma;
  }

  /** Logit bias added to green tokens, in [0, 20]. */
  public double delta() {
    return delta;
  }

  /** Number of previous tokens hashed into the green-list seed, in [1, 64]. */
  public int contextWidth() {
    return contextWidth;
  }

  /**
   * Entropy gate (SWEET, Lee et al. 2023), in nats: steps whose next-token distribution has lower
   * entropy are neither watermarked nor scored, so low-entropy text such as code stays correct and
   * its forced tokens do not dilute detection. 0 (the default) watermarks every step. Detection
   * with a gate needs the model's entropies at each position.
   */
  public double entropyThreshold() {
    return entropyThreshold;
  }

  /**
   * Context de-duplication at generation ({@code dedup: request} in a policy): a context already
   * watermarked earlier in the same request is not biased again, so repetitive output (loops,
   * boilerplate) does not pile up correlated green tokens. The matching detector option is {@code
   * ignoreRepeated}.
   */
  public boolean dedupPerRequest() {
    return dedupPerRequest;
  }

  /**
   * De-duplication across requests ({@code dedup: global}): how many recently watermarked contexts
   * the tier remembers (a fixed, lock-free table of this many slots, reset when the policy is
   * reloaded); a context found there is not biased again. 0 (the default) means off. Use it with a
   * context width of 4 or more: with short contexts nearly every context is soon "recent" and
   * little is marked.
   */
  public int dedupHistory() {
    return dedupHistory;
  }

  /**
   * Self-hash seeding ({@code seeding: selfhash}; Kirchenbauer et al., "On the Reliability of
   * Watermarks for Large Language Models", 2023): whether token {@code v} is green depends on the
   * previous {@code h} tokens <em>and on {@code v} itself}, each candidate having its own seed
   * ({@link KgwScheme#selfSeed}). An attacker can no longer learn one green list per context from
   * the output, and an edit changes the evidence of fewer positions. The default, left-hash seeding
   * ({@code seeding: lefthash}), seeds one green list per context.
   *
   * <p>A seed per candidate costs one SipHash each, so generation biases only the {@link
   * #selfHashCandidates()} most likely tokens of each step (as the paper's reference code does);
   * the rest are left as they are and are hardly ever sampled.
   */
  public boolean selfHash() {
    return selfHash;
  }

  /**
   * With {@link #selfHash()}: how many of the most likely tokens each step considers, in [1, 1024].
   */
  public int selfHashCandidates() {
    return selfHashCandidates;
  }

  /** The rule an entropy threshold breaks, or null if it is valid. */
  public static @Nullable String entropyThresholdRule(double t) {
    return t >= 0 && t <= 20 ? null : "in [0, 20] nats (0 = off)";
  }

  @Override
  public String scheme() {
    return "kgw";
  }

  @Override
  public dev.moat.spi.Protection protection(WatermarkKey key) {
    return new KgwWatermark(this, key);
  }

  @Override
  public WatermarkDetector detector(WatermarkKey key) {
    return new KgwDetector(key, this);
  }

  /** The rule a gamma breaks, or null if it is valid. */
  public static @Nullable String gammaRule(double gamma) {
    return gamma > 0 && gamma < 1 ? null : "in (0, 1)";
  }

  /** The rule a delta breaks, or null if it is valid. */
  public static @Nullable String deltaRule(double delta) {
    return delta >= 0 && delta <= 20 ? null : "in [0, 20]";
  }

  /** Default of {@link #selfHashCandidates()}, as in the paper's reference code. */
  public static final int DEFAULT_SELF_HASH_CANDIDATES = 40;

  /** The rule a self-hash candidate count breaks, or null if it is valid. */
  public static @Nullable String selfHashCandidatesRule(long candidates) {
    return candidates >= 1 && candidates <= 1024 ? null : "an integer in [1, 1024]";
  }

  /** The rule a context width breaks, or null if it is valid. */
  public static @Nullable String contextWidthRule(long width) {
    return width >= 1 && width <= 64 ? null : "an integer in [1, 64]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KgwSettings s
        && s.keyId.equals(keyId)
        && s.gamma == gamma
        && s.delta == delta
        && s.contextWidth == contextWidth
        && s.entropyThreshold == entropyThreshold
        && s.dedupPerRequest == dedupPerRequest
        && s.dedupHistory == dedupHistory
        && s.selfHash == selfHash
        && s.selfHashCandidates == selfHashCandidates;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        keyId,
        gamma,
        delta,
        contextWidth,
        entropyThreshold,
        dedupPerRequest,
        dedupHistory,
        selfHash,
        selfHashCandidates);
  }

  @Override
  public String toString() {
    return "kgw(key="
        + keyId
        + ", gamma="
        + gamma
        + ", delta="
        + delta
        + ", context_width="
        + contextWidth
        + (selfHash ? ", seeding=selfhash(" + selfHashCandidates + ")" : "")
        + (entropyThreshold > 0 ? ", entropy_threshold=" + entropyThreshold : "")
        + (dedupHistory > 0
            ? ", dedup=global(" + dedupHistory + ")"
            : dedupPerRequest ? ", dedup=request" : "")
        + ")";
  }

  /** Not thread-safe. Defaults: gamma 0.25, delta 2.0, context width 1; the key id is required. */
  public static final class Builder {
    private @Nullable String keyId;
    private double gamma = 0.25;
    private double delta = 2.0;
    private int contextWidth = 1;
    private double entropyThreshold = 0;
    private boolean dedupPerRequest;
    private int dedupHistory;
    private boolean selfHash;
    private int selfHashCandidates = DEFAULT_SELF_HASH_CANDIDATES;

    private Builder() {}

    public Builder keyId(String keyId) {
      this.keyId = Objects.requireNonNull(keyId, "keyId");
      return this;
    }

    public Builder gamma(double gamma) {
      String rule = gammaRule(gamma);
      if (rule != null) {
        throw new IllegalArgumentException(invalid("gamma", gamma, rule));
      }
      this.gamma = gamma;
      return this;
    }

    public Builder delta(double delta) {
      String rule = deltaRule(delta);
      if (rule != null) {
        throw new IllegalArgumentException(invalid("delta", delta, rule));
      }
      this.delta = delta;
      return this;
    }

    public Builder contextWidth(int contextWidth) {
      String rule = contextWidthRule(contextWidth);
      if (rule != null) {
        throw new IllegalArgumentException(invalid("context_width", contextWidth, rule));
      }
      this.contextWidth = contextWidth;
      return this;
    }

    public Builder entropyThreshold(double entropyThreshold) {
      String rule = entropyThresholdRule(entropyThreshold);
      if (rule != null) {
        throw new IllegalArgumentException(invalid("entropy_threshold", entropyThreshold, rule));
      }
      this.entropyThreshold = entropyThreshold;
      return this;
    }

    public Builder dedupPerRequest(boolean dedupPerRequest) {
      this.dedupPerRequest = dedupPerRequest;
      return this;
    }

    /** See {@link KgwSettings#dedupHistory()}; 0 turns it off. */
    public Builder dedupHistory(int contexts) {
      if (contexts < 0 || contexts > (1 << 26)) {
        throw new IllegalArgumentException(invalid("dedup_history", contexts, "in [0, 67108864]"));
      }
      this.dedupHistory = contexts;
      return this;
    }

    /** See {@link KgwSettings#selfHash()}. */
    public Builder selfHash(boolean selfHash) {
      this.selfHash = selfHash;
      return this;
    }

    /** See {@link KgwSettings#selfHashCandidates()}. */
    public Builder selfHashCandidates(int candidates) {
      String rule = selfHashCandidatesRule(candidates);
      if (rule != null) {
        throw new IllegalArgumentException(invalid("self_hash_candidates", candidates, rule));
      }
      this.selfHashCandidates = candidates;
      return this;
    }

    public KgwSettings build() {
      if (keyId == null) {
        throw new IllegalStateException(
            dev.moat.internal.Messages.missing("key", "the id of a watermark key"));
      }
      return new KgwSettings(this);
    }
  }
}
