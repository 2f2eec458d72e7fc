package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code group_keys}: a flagged group's answers carry a key of its own, derived from the tier's.
 */
class GroupKeysTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("k", "8899aabbccddeeff0011223344556677");
  static final WatermarkKeys KEYS = WatermarkKeys.of(KEY);
  static final int VOCAB = 3000;
  static final Policy POLICY =
      PolicyLoader.parse(
          """
      version: 1
      tiers:
        kgw: {watermark: {scheme: kgw, key: k, gamma: 0.25, delta: 2.0, group_keys: true}}
        gumbel: {watermark: {scheme: gumbel, key: k, group_keys: true}}
        hf: {watermark: {scheme: kgw-hf, key: k, vocab_size: 3000, group_keys: true}}
        plain: {watermark: {scheme: kgw, key: k, gamma: 0.25, delta: 2.0, group_keys: false}}
      """,
          true,
          "group-keys",
          Set.of("k"));

  /**
   * The derivation pinned against Python's {@code hmac} and {@code hashlib}: {@code
   * sha256(b"moat-kgw-v1\0" + hmac(key, b"moat-group-key-v1\0" + group, sha256))[:4]},
   * little-endian — what an independent verifier recomputes from the revealed key and the group id.
   */
  @Test
  void derivationMatchesThePythonStandardLibrary() {
    WatermarkKey g = KEY.forGroup("g-1a2b3c4d5e6f");
    assertEquals("k/g-1a2b3c4d5e6f", g.id());
    assertEquals(3267438259L, g.derive32("moat-kgw-v1"));
    assertEquals(285754253L, KEY.forGroup("équipe/7").derive32("moat-kgw-v1"));
    assertNotEquals(KEY.derive32("moat-kgw-v1"), g.derive32("moat-kgw-v1"));
    assertEquals(g, KEY.forGroup("g-1a2b3c4d5e6f"));
    assertFalse(g.toString().contains("7287d5"), "no material in toString");
  }

  @Test
  void keysResolveAGroupsKeyByIdAndCheckTheGroup() {
    assertEquals(KEY.forGroup("g-9"), KEYS.get("k/g-9").orElseThrow());
    assertTrue(KEYS.get("other/g-9").isEmpty());
    assertTrue(KEYS.get("k").isPresent());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KEYS.get("k/a\nb"));
    assertEquals(
        "`group` was 'a\nb' but it must be 1 to 128 characters, no control characters",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KEY.forGroup(""));
    assertThrows(IllegalArgumentException.class, () -> KEY.forGroup("x".repeat(129)));
  }

  static double log10p(String tier, String keyId, int[] tokens) {
    WatermarkKey k = KEYS.get(keyId).orElseThrow();
    return POLICY
        .tier(tier)
        .watermark()
        .orElseThrow()
        .detector(k)
        .detect(tokens, 2, false)
        .log10PValue();
  }

  /**
   * Per scheme: a flagged group's text is detected under the group's key (log10 p &lt; −6 over 150
   * tokens) and not under the tier's key or another group's (p &gt; 0.001); an unflagged request's
   * text the other way round. With 12 null tests at p &gt; 0.001 each, a spurious failure has
   * probability below 1.2%; the seeds are fixed, so the test is deterministic.
   */
  @Test
  void aFlaggedGroupsTextCarriesItsOwnKeyAndNoOther() throws Exception {
    try (Moat moat = Moat.builder().policy(POLICY).keys(KEYS).build()) {
      for (String tier : List.of("kgw", "gumbel", "hf")) {
        int[] flagged = WatermarkSchemesTest.generate(moat, tier, "g-1a2b3c4d5e6f", 1, 150);
        int[] plain = WatermarkSchemesTest.generate(moat, tier, null, 2, 150);
        assertTrue(log10p(tier, "k/g-1a2b3c4d5e6f", flagged) < -6, tier + " group key");
        assertTrue(log10p(tier, "k", flagged) > -3, tier + " tier key on group text");
        assertTrue(log10p(tier, "k/g-000000000000", flagged) > -3, tier + " other group");
        assertTrue(log10p(tier, "k", plain) < -6, tier + " tier key");
        assertTrue(log10p(tier, "k/g-1a2b3c4d5e6f", plain) > -3, tier + " group key on plain");
      }
      int[] off = WatermarkSchemesTest.generate(moat, "plain", "g-1a2b3c4d5e6f", 3, 150);
      assertTrue(log10p("plain", "k", off) < -6, "group_keys false keeps the tier's key");
      assertEquals(
          List.of("kgw(key=k, gamma=0.25, delta=2.0, context_width=1) with group keys"),
          moat.begin(RequestContext.builder().account("a").tier("kgw").vocabSize(VOCAB).build())
              .appliedProtections());
    }
  }

  @Test
  void thePolicyChecksTheSetting() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                PolicyLoader.parse(
                    """
        version: 1
        tiers:
          a: {watermark: {scheme: kgw, key: k, group_keys: yes please}}
          b: {watermark: {scheme: kgw, key: k, dedup: global, group_keys: true}}
        """,
                    true,
                    "p",
                    Set.of("k")));
    assertEquals(
        List.of(
            "`tiers.a.watermark.group_keys` was 'yes please' but it must be true or false",
            "`tiers.b.watermark.group_keys` was 'true' but it must be false when dedup is global"
                + " (its table of keyed contexts belongs to one key)"),
        e.problems());
  }
}
