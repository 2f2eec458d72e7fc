package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.SipHash;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Self-hash seeding for KGW, and detection over a corpus with de-duplication across texts. */
class SelfHashAndCorpusTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("k", "8899aabbccddeeff0011223344556677");
  static final KgwSettings SELF =
      KgwSettings.builder().keyId("k").contextWidth(3).selfHash(true).build();

  @Test
  void theSelfSeedIsSipHashOfTheFlaggedWidthTheContextAndTheToken() {
    KgwScheme scheme = KgwScheme.of(KEY, SELF);
    int[] tokens = {5, 17, 4000, 9, 123456};
    SipHash prf = KEY.derive(KgwScheme.SCHEME_ID);
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(3 | 0x80000000).putInt(17).putInt(4000).putInt(9).putInt(123456);
    assertEquals(prf.hash(b.array()), scheme.selfSeed(tokens, 4));
    assertEquals(scheme.selfSeed(tokens, 4), scheme.tokenSeed(tokens, 4));
    // The token is part of its own seed: another token after the same context gets another seed.
    int[] other = {5, 17, 4000, 9, 123457};
    assertTrue(scheme.selfSeed(tokens, 4) != scheme.selfSeed(other, 4));
    // Left-hash seeding ignores the token.
    KgwScheme left = new KgwScheme(KEY, 0.25, 3);
    assertEquals(left.seed(tokens, 4), left.tokenSeed(tokens, 4));
    assertEquals(left.seed(tokens, 4), left.tokenSeed(other, 4));
  }

  /**
   * Generation biases exactly the step's {@code self_hash_candidates} most likely tokens that are
   * green under their own seed, and nothing else.
   */
  @Test
  void generationBiasesOnlyTheGreenOnesAmongTheTopCandidates() throws Exception {
    int vocab = 5000;
    KgwSettings s = SELF.toBuilder().selfHashCandidates(25).delta(3.0).build();
    KgwScheme scheme = KgwScheme.of(KEY, s);
    Policy policy = Policy.of("t", dev.moat.policy.TierPolicy.of("t", s, Set.of()));
    SplittableRandom r = new SplittableRandom(3);
    try (Moat moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(KEY)).build()) {
      for (int trial = 0; trial < 20; trial++) {
        int[] prompt = {r.nextInt(vocab), r.nextInt(vocab), r.nextInt(vocab)};
        float[] row = new float[vocab];
        for (int v = 0; v < vocab; v++) {
          row[v] = (float) (r.nextGaussian() * 2);
        }
        row[r.nextInt(vocab)] = row[r.nextInt(vocab)]; // a tie somewhere
        float[] before = row.clone();
        try (MoatRequest req =
            moat.begin(
                RequestContext.builder()
                    .account("a")
                    .tier("t")
                    .vocabSize(vocab)
                    .prompt("", prompt)
                    .build())) {
          req.processLogits(row);
        }
        Integer[] order = new Integer[vocab];
        for (int v = 0; v < vocab; v++) {
          order[v] = v;
        }
        java.util.Arrays.sort(
            order, (x, y) -> before[x] != before[y] ? Float.compare(before[y], before[x]) : x - y);
        Set<Integer> top = new java.util.HashSet<>(List.of(order).subList(0, 25));
        int[] context = {prompt[0], prompt[1], prompt[2], 0};
        int biased = 0;
        for (int v = 0; v < vocab; v++) {
          context[3] = v;
          boolean green = scheme.isGreen(scheme.selfSeed(context, 3), v);
          float expected = top.contains(v) && green ? before[v] + 3f : before[v];
          assertEquals(expected, row[v], "trial " + trial + " token " + v);
          biased += expected != before[v] ? 1 : 0;
        }
        assertTrue(biased > 0 && biased < 25, "biased " + biased);
      }
    }
  }

  @Test
  void theLeftHashDetectorDoesNotSeeSelfHashText() throws Exception {
    try (Moat moat =
        Moat.builder().policy(WatermarkSchemesTest.POLICY).keys(WatermarkKeys.of(KEY)).build()) {
      int[] text = WatermarkSchemesTest.generate(moat, "selfhash", 5, 300);
      DetectionResult self =
          WatermarkSchemesTest.POLICY
              .tier("selfhash")
              .watermark()
              .orElseThrow()
              .detector(KEY)
              .detect(text, 2, false);
      DetectionResult left =
          new KgwDetector(KEY, SELF.toBuilder().selfHash(false).build()).detect(text, 2, false);
      assertTrue(self.log10PValue() < -10, "self-hash log10 p " + self.log10PValue());
      assertTrue(left.pValue() > 0.001, "left-hash p " + left.pValue());
    }
  }

  @Test
  void policyNamesBadSeedingSettings() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                PolicyLoader.parse(
                    """
                    version: 1
                    tiers:
                      a: {watermark: {scheme: kgw, key: k, seeding: righthash}}
                      b: {watermark: {scheme: kgw, key: k, self_hash_candidates: 10}}
                      c: {watermark: {scheme: kgw, key: k, seeding: selfhash, self_hash_candidates: 0}}
                    """,
                    true,
                    "p",
                    Set.of("k")));
    assertEquals(
        List.of(
            "`tiers.a.watermark.seeding` was 'righthash' but it must be lefthash or selfhash",
            "`tiers.b.watermark.self_hash_candidates` was '10' but it must be set only together"
                + " with seeding: selfhash",
            "`tiers.c.watermark.self_hash_candidates` was '0' but it must be an integer in [1,"
                + " 1024]"),
        e.problems());
    KgwSettings ok =
        (KgwSettings)
            PolicyLoader.parse(
                    "version: 1\ntiers: {a: {watermark: {scheme: kgw, key: k, seeding: selfhash}}}",
                    true,
                    "p",
                    Set.of("k"))
                .tier("a")
                .watermark()
                .orElseThrow();
    assertTrue(ok.selfHash());
    assertEquals(KgwSettings.DEFAULT_SELF_HASH_CANDIDATES, ok.selfHashCandidates());
    assertTrue(ok.toString().contains("seeding=selfhash(40)"), ok.toString());
  }

  /**
   * A corpus of one unwatermarked text repeated 60 times: pooled without de-duplication, the text's
   * chance excess of green tokens is counted 60 times and looks like a watermark (a false
   * accusation); counting each (context, token) pair once across texts gives the single text's
   * result exactly. And a corpus of distinct watermarked texts, each too short to convict alone, is
   * convicted pooled.
   */
  @Test
  void corpusDetectionPoolsTextsAndCountsEachPairOnceAcrossThem() throws Exception {
    WatermarkDetector kgw = WatermarkSchemesTest.POLICY.tier("kgw").watermark().get().detector(KEY);
    try (Moat moat =
        Moat.builder().policy(WatermarkSchemesTest.POLICY).keys(WatermarkKeys.of(KEY)).build()) {
      // An unwatermarked text with more green tokens than expected (z > 1), found by seed.
      int[] plain = null;
      for (long seed = 1; plain == null; seed++) {
        int[] t = WatermarkSchemesTest.generate(moat, "none", seed, 120);
        if (kgw.detect(t, 2, true).zScore() > 1) {
          plain = t;
        }
      }
      List<int[]> copies = Collections.nCopies(60, plain);
      DetectionResult single = kgw.detect(plain, 2, true);
      DetectionResult pooled = kgw.detectAll(copies, 2, false);
      DetectionResult deduped = kgw.detectAll(copies, 2, true);
      assertTrue(pooled.log10PValue() < -6, "pooled duplicates look watermarked");
      assertEquals(single, deduped);

      List<int[]> marked = new ArrayList<>();
      for (long seed = 100; seed < 120; seed++) {
        marked.add(WatermarkSchemesTest.generate(moat, "kgw", seed, 12));
      }
      double worstAlone = 0;
      for (int[] t : marked) {
        worstAlone = Math.max(worstAlone, kgw.detect(t, 2, true).log10PValue());
      }
      DetectionResult together = kgw.detectAll(marked, 2, true);
      assertTrue(worstAlone > -3, "some 12-token text is not convicted alone: " + worstAlone);
      assertTrue(together.log10PValue() < -6, "pooled log10 p " + together.log10PValue());
      // The same holds for the other detectors' corpus scoring.
      for (String tier : List.of("gumbel", "hf", "selfhash")) {
        WatermarkDetector d =
            WatermarkSchemesTest.POLICY.tier(tier).watermark().get().detector(KEY);
        List<int[]> texts = new ArrayList<>();
        for (long seed = 200; seed < 220; seed++) {
          texts.add(WatermarkSchemesTest.generate(moat, tier, seed, 12));
        }
        assertTrue(d.detectAll(texts, 2, true).log10PValue() < -6, tier);
        DetectionResult one = d.detect(texts.get(0), 2, true);
        assertEquals(one, d.detectAll(Collections.nCopies(5, texts.get(0)), 2, true), tier);
      }
    }
  }
}
