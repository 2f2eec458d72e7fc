package dev.moat.policy;

import dev.moat.internal.Messages;
import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What one tier gets: which protections, with which parameters, and which of them a host may
 * override per request.
 *
 * <p>Immutable and thread-safe.
 */
public final class TierPolicy {
  /** Protection ids a policy can configure, in pipeline order. */
  public static final List<String> PROTECTIONS = List.of("watermark");

  private final String name;
  private final @Nullable WatermarkSpec watermark;
  private final Set<String> overridable;

  private TierPolicy(String name, @Nullable WatermarkSpec watermark, Set<String> overridable) {
    this.name = name;
    this.watermark = watermark;
    this.overridable = Set.copyOf(overridable);
  }

  public static TierPolicy of(
      String name, @Nullable WatermarkSpec watermark, Set<String> overridable) {
    for (String o : overridable) {
      if (!PROTECTIONS.contains(o)) {
        throw new IllegalArgumentException(
            Messages.invalid("tiers." + name + ".overridable", o, "one of " + PROTECTIONS));
      }
    }
    return new TierPolicy(name, watermark, overridable);
  }

  /** A tier with no protections. */
  public static TierPolicy unprotected(String name) {
    return new TierPolicy(name, null, Set.of());
  }

  public String name() {
    return name;
  }

  public Optional<WatermarkSpec> watermark() {
    return Optional.ofNullable(watermark);
  }

  public Set<String> overridable() {
    return overridable;
  }

  /**
   * This tier with a request's overrides applied, or a {@link PolicyException} listing each
   * override the tier does not allow.
   */
  public TierPolicy with(PolicyOverride override) {
    if (override.isEmpty()) {
      return this;
    }
    List<String> problems = new ArrayList<>();
    for (String p : override.protections()) {
      if (!overridable.contains(p)) {
        problems.add(Messages.overrideNotAllowed(p, name, new TreeSet<>(overridable)));
      }
    }
    if (!problems.isEmpty()) {
      throw new PolicyException("request overrides", problems);
    }
    WatermarkSpec w = override.setsWatermark() ? override.watermark().orElse(null) : watermark;
    return new TierPolicy(name, w, overridable);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TierPolicy t
        && t.name.equals(name)
        && Objects.equals(t.watermark, watermark)
        && t.overridable.equals(overridable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, watermark, overridable);
  }

  @Override
  public String toString() {
    return "tier "
        + name
        + ": watermark="
        + (watermark == null ? "off" : watermark)
        + ", overridable="
        + new TreeSet<>(overridable);
  }
}
