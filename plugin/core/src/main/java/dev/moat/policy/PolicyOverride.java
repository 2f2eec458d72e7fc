package dev.moat.policy;

import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Per-request changes to a tier's protections that a (trusted) host may pass. They apply only where
 * the tier lists the protection as {@code overridable}; anything else fails the request's start
 * with a {@link PolicyException}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicyOverride {
  private static final PolicyOverride NONE = new PolicyOverride(false, null);

  private final boolean setsWatermark;
  private final @Nullable WatermarkSpec watermark;

  private PolicyOverride(boolean setsWatermark, @Nullable WatermarkSpec watermark) {
    this.setsWatermark = setsWatermark;
    this.watermark = watermark;
  }

  public static PolicyOverride none() {
    return NONE;
  }

  /** Replace the tier's watermark settings with these. */
  public static PolicyOverride watermark(WatermarkSpec settings) {
    return new PolicyOverride(true, settings);
  }

  /** Switch the tier's watermark off for this request. */
  public static PolicyOverride watermarkOff() {
    return new PolicyOverride(true, null);
  }

  public boolean isEmpty() {
    return !setsWatermark;
  }

  /** Ids of the protections this override touches. */
  public List<String> protections() {
    List<String> l = new ArrayList<>();
    if (setsWatermark) {
      l.add("watermark");
    }
    return l;
  }

  public boolean setsWatermark() {
    return setsWatermark;
  }

  /** The watermark settings to use; empty with {@link #setsWatermark()} true means "off". */
  public Optional<WatermarkSpec> watermark() {
    return Optional.ofNullable(watermark);
  }

  @Override
  public String toString() {
    return isEmpty()
        ? "no overrides"
        : "overrides{watermark=" + (watermark == null ? "off" : watermark) + "}";
  }
}
