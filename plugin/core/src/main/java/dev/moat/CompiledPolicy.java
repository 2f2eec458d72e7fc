package dev.moat;

import dev.moat.internal.Messages;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.Protection;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A policy compiled for serving: each tier's protections made once, in stage order, with their
 * keys, and each escalation level's sampling perturbations. Built whole or not at all, so a policy
 * that fails leaves the one in force untouched.
 *
 * <p>Immutable and thread-safe.
 *
 * @param policy the policy
 * @param tiers each tier's compiled protections, by name
 * @param noise each level's sampling perturbations (keyed noise, anti-distillation), by level
 */
record CompiledPolicy(
    Policy policy, Map<String, CompiledPolicy.Tier> tiers, Map<Integer, Protection[]> noise) {
  /** A tier's policy and its protections in stage order. */
  @SuppressWarnings("ArrayRecordComponent") // never compared or hashed
  record Tier(TierPolicy policy, Protection[] protections) {
    /**
     * The tier's protections for {@code request}: compiled again with its overrides, when it
     * carries any (only trusted requests may).
     *
     * @throws PolicyException if the request carries overrides but is not trusted, or its tier does
     *     not allow them
     */
    Protection[] protectionsFor(
        RequestContext request, WatermarkKeys keys, Map<String, List<Protection>> extras) {
      if (request.overrides().isEmpty()) {
        return protections;
      }
      if (!request.trusted()) {
        throw new PolicyException(
            "request overrides", List.of(Messages.untrustedOverride(request.requestId())));
      }
      return compile(policy.with(request.overrides()), keys, extras, "request overrides");
    }
  }

  /**
   * The escalation level {@code request} starts at: its tier's ladder at its probing score and
   * group.
   *
   * @throws IllegalArgumentException if the tier is not defined by the policy
   */
  int levelFor(RequestContext request) {
    if (!tiers.containsKey(request.tier())) {
      throw new IllegalArgumentException(Messages.unknownTier(request.tier(), policy.tierNames()));
    }
    return policy
        .enforcement()
        .escalation(request.tier())
        .level(request.probingScore(), request.flaggedGroup() != null);
  }

  static CompiledPolicy of(
      Policy policy,
      WatermarkKeys keys,
      Map<String, List<Protection>> extras,
      dev.moat.enforce.@Nullable BigramProxy proxy) {
    Map<String, Tier> m = new HashMap<>();
    List<String> problems = new ArrayList<>();
    // Each level's sampling perturbations: keyed logit noise (keyed by the noise key) and
    // anti-distillation (on the proxy student), each at the raise its KL budget allows.
    Map<Integer, Protection[]> noise = new HashMap<>();
    dev.moat.policy.EnforcementSettings e = policy.enforcement();
    for (dev.moat.enforce.Level l : e.levels().values()) {
      if (l.keyedNoiseKl() > 0 && e.noiseKey() != null) {
        WatermarkKey key = keys.get(e.noiseKey()).orElse(null);
        if (key == null) {
          problems.add(Messages.unknownKey("enforcement.noise_key", e.noiseKey(), keys.ids()));
          break;
        }
        noise.merge(
            l.id(),
            new Protection[] {new dev.moat.enforce.KeyedNoise(key, l.keyedNoiseKl())},
            CompiledPolicy::concat);
      }
      if (l.antiDistillationKl() > 0) {
        if (proxy == null) {
          problems.add(
              Messages.missing(
                  "enforcement.levels[" + l.id() + "].anti_distillation_kl",
                  "a proxy student: Moat.builder().proxyStudent(BigramProxy)"));
          continue;
        }
        noise.merge(
            l.id(),
            new Protection[] {new dev.moat.enforce.AntiDistillation(proxy, l.antiDistillationKl())},
            CompiledPolicy::concat);
      }
    }
    for (TierPolicy t : policy.tiers().values()) {
      try {
        m.put(t.name(), new Tier(t, compile(t, keys, extras, policy.source())));
      } catch (PolicyException x) {
        problems.addAll(x.problems());
      }
    }
    if (!problems.isEmpty()) {
      throw new PolicyException(policy.source(), problems);
    }
    return new CompiledPolicy(policy, Map.copyOf(m), Map.copyOf(noise));
  }

  private static Protection[] concat(Protection[] a, Protection[] b) {
    Protection[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static Protection[] compile(
      TierPolicy tier, WatermarkKeys keys, Map<String, List<Protection>> extras, String source) {
    List<Protection> list = new ArrayList<>();
    WatermarkSpec w = tier.watermark().orElse(null);
    if (w != null) {
      WatermarkKey key =
          keys.get(w.keyId())
              .orElseThrow(
                  () ->
                      new PolicyException(
                          source,
                          List.of(
                              Messages.unknownKey(
                                  "tiers." + tier.name() + ".watermark.key",
                                  w.keyId(),
                                  keys.ids()))));
      list.add(w.protection(key));
    }
    list.addAll(extras.getOrDefault(tier.name(), List.of()));
    // The fixed pipeline order: by stage (see Stage), then in policy order within a stage.
    list.sort(Comparator.comparing(Protection::stage));
    return list.toArray(new Protection[0]);
  }
}
