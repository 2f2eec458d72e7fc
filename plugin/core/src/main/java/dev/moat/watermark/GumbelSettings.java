package dev.moat.watermark;

import static dev.moat.internal.Messages.invalid;

import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;
import java.util.Objects;

/**
 * The distortion-free exponential watermark ({@link GumbelScheme}) as configured by a policy.
 *
 * @param keyId the key's id
 * @param contextWidth previous tokens hashed into the seed, in [1, 64]
 * @param dedupPerRequest a context already used earlier in the request is sampled with the
 *     request's own randomness instead of the key (default true): with the key, a repeated context
 *     would repeat its choice, and text falls into loops (the quality report shows the effect)
 * @param dedupHistory de-duplication across the requests of a tier ({@code dedup: global}): how
 *     many recently keyed contexts the tier remembers (a fixed, lock-free table, reset when the
 *     policy is reloaded); a context found there is sampled with the request's own randomness. 0
 *     (the default) means off. Implies per-request de-duplication.
 */
public record GumbelSettings(
    String keyId, int contextWidth, boolean dedupPerRequest, int dedupHistory)
    implements WatermarkSpec {
  /** With per-request de-duplication on. */
  public GumbelSettings(String keyId, int contextWidth) {
    this(keyId, contextWidth, true, 0);
  }

  /** Without de-duplication across requests. */
  public GumbelSettings(String keyId, int contextWidth, boolean dedupPerRequest) {
    this(keyId, contextWidth, dedupPerRequest, 0);
  }

  public GumbelSettings {
    Objects.requireNonNull(keyId, "keyId");
    String r = KgwSettings.contextWidthRule(contextWidth);
    if (r != null) {
      throw new IllegalArgumentException(invalid("context_width", contextWidth, r));
    }
    if (dedupHistory < 0 || dedupHistory > (1 << 26)) {
      throw new IllegalArgumentException(
          invalid("dedup_history", dedupHistory, "in [0, 67108864]"));
    }
    if (dedupHistory > 0) {
      dedupPerRequest = true;
    }
  }

  @Override
  public String scheme() {
    return "gumbel";
  }

  @Override
  public Protection protection(WatermarkKey key) {
    return new GumbelWatermark(key, contextWidth, dedupPerRequest, dedupHistory);
  }

  @Override
  public WatermarkDetector detector(WatermarkKey key) {
    return new GumbelDetector(key, contextWidth);
  }

  @Override
  public String toString() {
    return "gumbel(key="
        + keyId
        + ", context_width="
        + contextWidth
        + (dedupHistory > 0
            ? ", dedup=global(" + dedupHistory + ")"
            : dedupPerRequest ? ", dedup=request" : "")
        + ")";
  }
}
