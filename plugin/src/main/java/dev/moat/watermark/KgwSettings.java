package dev.moat.watermark;

import static dev.moat.internal.Messages.invalid;

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

  private KgwSettings(Builder b) {
    this.keyId = Objects.requireNonNull(b.keyId);
    this.gamma = b.gamma;
    this.delta = b.delta;
    this.contextWidth = b.contextWidth;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().keyId(keyId).gamma(gamma).delta(delta).contextWidth(contextWidth);
  }

  /** Id of the watermark key (the key itself lives in {@link WatermarkKeys}). */
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
        && s.contextWidth == contextWidth;
  }

  @Override
  public int hashCode() {
    return Objects.hash(keyId, gamma, delta, contextWidth);
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
        + ")";
  }

  /** Not thread-safe. Defaults: gamma 0.25, delta 2.0, context width 1; the key id is required. */
  public static final class Builder {
    private @Nullable String keyId;
    private double gamma = 0.25;
    private double delta = 2.0;
    private int contextWidth = 1;

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

    public KgwSettings build() {
      if (keyId == null) {
        throw new IllegalStateException(
            dev.moat.internal.Messages.missing("key", "the id of a watermark key"));
      }
      return new KgwSettings(this);
    }
  }
}
