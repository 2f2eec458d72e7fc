package dev.moat.policy;

import dev.moat.internal.Messages;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A whole policy: tiers by name. Load one with {@link PolicyLoader}, or build it in code with
 * {@link #of}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Policy {
  private final int version;
  private final Map<String, TierPolicy> tiers;
  private final String source;
  private final DetectionSettings detection;
  private final EnforcementSettings enforcement;

  private Policy(
      int version,
      Map<String, TierPolicy> tiers,
      String source,
      DetectionSettings detection,
      EnforcementSettings enforcement) {
    this.version = version;
    this.tiers = tiers;
    this.source = source;
    this.detection = detection;
    this.enforcement = enforcement;
  }

  /** A policy of these tiers (at least one), e.g. from code or tests. */
  public static Policy of(String source, TierPolicy... tiers) {
    Map<String, TierPolicy> m = new LinkedHashMap<>();
    for (TierPolicy t : tiers) {
      if (m.put(t.name(), t) != null) {
        throw new IllegalArgumentException("tier '" + t.name() + "' is defined twice");
      }
    }
    if (m.isEmpty()) {
      throw new IllegalArgumentException(Messages.missing("tiers", "at least one tier"));
    }
    return new Policy(
        1,
        Collections.unmodifiableMap(m),
        source,
        DetectionSettings.DEFAULT,
        EnforcementSettings.NONE);
  }

  static Policy of(
      int version,
      Map<String, TierPolicy> tiers,
      String source,
      DetectionSettings detection,
      EnforcementSettings enforcement) {
    return new Policy(
        version,
        Collections.unmodifiableMap(new LinkedHashMap<>(tiers)),
        source,
        detection,
        enforcement);
  }

  /** Budgets, ladders and levels (none if the file has none). */
  public EnforcementSettings enforcement() {
    return enforcement;
  }

  /** This policy with other enforcement settings. */
  public Policy withEnforcement(EnforcementSettings enforcement) {
    return new Policy(
        version, tiers, source, detection, java.util.Objects.requireNonNull(enforcement));
  }

  /** This policy with another {@code detection} section. */
  public Policy withDetection(DetectionSettings detection) {
    return new Policy(
        version, tiers, source, java.util.Objects.requireNonNull(detection), enforcement);
  }

  /** The {@code detection} section (defaults if the file has none). */
  public DetectionSettings detection() {
    return detection;
  }

  public int version() {
    return version;
  }

  /** Where this policy came from: a file name or a caller's label. */
  public String source() {
    return source;
  }

  public Map<String, TierPolicy> tiers() {
    return tiers;
  }

  public Set<String> tierNames() {
    return tiers.keySet();
  }

  /** The tier, or an {@link IllegalArgumentException} that lists the defined tiers. */
  public TierPolicy tier(String name) {
    TierPolicy t = tiers.get(name);
    if (t == null) {
      throw new IllegalArgumentException(Messages.unknownTier(name, tiers.keySet()));
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Policy p
        && p.version == version
        && p.tiers.equals(tiers)
        && p.detection.equals(detection)
        && p.enforcement.equals(enforcement);
  }

  @Override
  public int hashCode() {
    return tiers.hashCode();
  }

  @Override
  public String toString() {
    return "Policy{source=" + source + ", tiers=" + tiers.values() + '}';
  }
}
