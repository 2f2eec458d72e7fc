package dev.moat.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.watermark.KgwSettings;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyLoaderTest {
  static final String YAML =
      """
      version: 1
      tiers:
        free:
          watermark: {scheme: kgw, key: k1, gamma: 0.25, delta: 2.0, context_width: 2}
        enterprise:
          watermark: {scheme: kgw, key: k1, delta: 1.0}
          overridable: [watermark]
        internal: {}
      """;

  @Test
  void readsYamlWithDefaults() {
    Policy p = PolicyLoader.parse(YAML, true, "policy.yaml", Set.of("k1"));
    assertEquals(List.of("free", "enterprise", "internal"), List.copyOf(p.tierNames()));
    KgwSettings free = (KgwSettings) p.tier("free").watermark().orElseThrow();
    assertEquals(0.25, free.gamma());
    assertEquals(2, free.contextWidth());
    KgwSettings ent = (KgwSettings) p.tier("enterprise").watermark().orElseThrow();
    assertEquals(1.0, ent.delta());
    assertEquals(0.25, ent.gamma());
    assertEquals(1, ent.contextWidth());
    assertEquals(Set.of("watermark"), p.tier("enterprise").overridable());
    assertTrue(p.tier("internal").watermark().isEmpty());
  }

  @Test
  void readsTheSamePolicyFromJson() {
    String json =
        """
        {"version": 1, "tiers": {
          "free": {"watermark": {"scheme": "kgw", "key": "k1", "gamma": 0.25, "delta": 2.0, "context_width": 2}},
          "enterprise": {"watermark": {"scheme": "kgw", "key": "k1", "delta": 1.0}, "overridable": ["watermark"]},
          "internal": {}}}
        """;
    assertEquals(
        PolicyLoader.parse(YAML, true, "a", null), PolicyLoader.parse(json, false, "b", null));
  }

  @Test
  void collectsEveryProblemWithPathValueAndRule() {
    String bad =
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: k9, gamma: 1.5, delta: -1, context_width: 2.5, colour: red}
            overridable: [watermark, pacing]
          paid:
            watermak: {scheme: kgw, key: k1}
        """;
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse(bad, true, "p.yaml", Set.of("k1", "k2")));
    assertEquals(
        List.of(
            "`tiers.free.watermark.colour` is not a known setting; allowed here: scheme, key, gamma, delta, context_width, entropy_threshold, dedup, dedup_history, seeding, self_hash_candidates, group_keys",
            "`tiers.free.watermark.key` was 'k9' but no watermark key has that id; known key ids: [k1, k2]",
            "`tiers.free.watermark.gamma` was '1.5' but it must be in (0, 1)",
            "`tiers.free.watermark.delta` was '-1' but it must be in [0, 20]",
            "`tiers.free.watermark.context_width` was '2.5' but it must be an integer in [1, 64]",
            "`tiers.free.overridable[1]` was 'pacing' but it must be one of [watermark]",
            "`tiers.paid.watermak` is not a known setting; allowed here: watermark, overridable, budget, escalation"),
        e.problems());
    assertTrue(
        e.getMessage()
            .startsWith("p.yaml is invalid (7 problems):\n  - `tiers.free.watermark.colour`"));
  }

  @Test
  void reportsMalformedTextWithItsPosition() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse("{\"version\": 1, \"tiers\": {", false, "p.json", null));
    assertEquals(1, e.problems().size());
    assertTrue(
        e.problems().get(0).startsWith("malformed JSON at line 1, column "), e.problems().get(0));
    PolicyException y =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse("version: 1\ntiers:\n  free: [\n", true, "p.yaml", null));
    assertTrue(y.problems().get(0).startsWith("malformed YAML at line "), y.problems().get(0));
  }

  @Test
  void rejectsMissingAndWronglyTypedTopLevel() {
    PolicyException e =
        assertThrows(
            PolicyException.class, () -> PolicyLoader.parse("version: 2\n", true, "p", null));
    assertEquals(
        List.of(
            "`version` was '2' but it must be 1",
            "`tiers` is missing but it is required (a mapping of tier name to its protections)"),
        e.problems());
    PolicyException t =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse("version: 1\ntiers: []\n", true, "p", null));
    assertEquals(
        List.of(
            "`tiers` was '[]' but it must be a non-empty mapping of tier name to its protections"),
        t.problems());
  }

  @Test
  void watermarkOffIsAcceptedInEveryUsualSpelling() {
    for (String off : new String[] {"off", "false", "null"}) {
      Policy p =
          PolicyLoader.parse(
              "version: 1\ntiers:\n  t:\n    watermark: " + off + "\n", true, "p", null);
      assertFalse(p.tier("t").watermark().isPresent(), off);
    }
  }

  @Test
  void overridesApplyOnlyWhereTheTierAllowsThem() {
    Policy p = PolicyLoader.parse(YAML, true, "policy.yaml", Set.of("k1"));
    PolicyOverride off = PolicyLoader.parseOverride("{\"watermark\": \"off\"}", Set.of("k1"));
    assertTrue(p.tier("enterprise").with(off).watermark().isEmpty());
    PolicyException e = assertThrows(PolicyException.class, () -> p.tier("free").with(off));
    assertEquals(
        List.of(
            "`overrides.watermark` is not allowed for tier 'free'; this tier allows overrides of: []"),
        e.problems());
    PolicyOverride delta =
        PolicyLoader.parseOverride(
            "{\"watermark\": {\"key\": \"k1\", \"delta\": 4}}", Set.of("k1"));
    assertEquals(
        4.0, ((KgwSettings) p.tier("enterprise").with(delta).watermark().orElseThrow()).delta());
    PolicyException bad =
        assertThrows(
            PolicyException.class,
            () ->
                PolicyLoader.parseOverride(
                    "{\"watermark\": {\"key\": \"k1\", \"gamma\": 0}, \"pacing\": 1}", null));
    assertEquals(
        List.of(
            "`overrides.pacing` is not a known setting; allowed here: watermark",
            "`overrides.watermark.gamma` was '0' but it must be in (0, 1)"),
        bad.problems());
  }

  @Test
  void unknownTierNamesTheDefinedTiers() {
    Policy p = PolicyLoader.parse(YAML, true, "policy.yaml", null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.tier("gold"));
    assertEquals(
        "tier 'gold' is not defined by the policy; defined tiers: free, enterprise, internal",
        e.getMessage());
  }
}
