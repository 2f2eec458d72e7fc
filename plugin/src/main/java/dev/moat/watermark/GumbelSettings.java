package dev.moat.watermark;

import static dev.moat.internal.Messages.invalid;

import dev.moat.spi.Protection;
import java.util.Objects;

/**
 * The distortion-free exponential watermark ({@link GumbelScheme}) as configured by a policy.
 *
 * @param keyId the key's id
 * @param contextWidth previous tokens hashed into the seed, in [1, 64]
 */
public record GumbelSettings(String keyId, int contextWidth) implements WatermarkSpec {
  public GumbelSettings {
    Objects.requireNonNull(keyId, "keyId");
    String r = KgwSettings.contextWidthRule(contextWidth);
    if (r != null) {
      throw new IllegalArgumentException(invalid("context_width", contextWidth, r));
    }
  }

  @Override
  public String scheme() {
    return "gumbel";
  }

  @Override
  public Protection protection(WatermarkKey key) {
    return new GumbelWatermark(key, contextWidth);
  }

  @Override
  public WatermarkDetector detector(WatermarkKey key) {
    return new GumbelDetector(key, contextWidth);
  }

  @Override
  public String toString() {
    return "gumbel(key=" + keyId + ", context_width=" + contextWidth + ")";
  }
}
