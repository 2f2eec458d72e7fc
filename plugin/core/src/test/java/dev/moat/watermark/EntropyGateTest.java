package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SWEET-style entropy gating (low-entropy steps are neither biased nor scored) and context
 * de-duplication at generation.
 */
class EntropyGateTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("e", "0123456789abcdef0123456789abcdef");

  @Test
  void entropyOfKnownDistributions() {
    float[] uniform = new float[1024];
    assertEquals(Math.log(1024), Entropy.nats(uniform, 0, 1024), 1e-9);
    float[] peaked = new float[1024];
    Arrays.fill(peaked, Float.NEGATIVE_INFINITY);
    peaked[3] = 5f;
    assertEquals(0, Entropy.nats(peaked, 0, 1024), 1e-12);
    float[] two = {0f, 0f, Float.NEGATIVE_INFINITY};
    assertEquals(Math.log(2), Entropy.nats(two, 0, 3), 1e-12);
  }

  @Test
  void lowEntropyStepsAreLeftAloneAndSkippedByTheDetector() throws Exception {
    KgwSettings gated = KgwSettings.builder().keyId("e").delta(2).entropyThreshold(2.0).build();
    int vocab = 2000;
    try (Moat moat =
        Moat.builder()
            .policy(Policy.of("p", TierPolicy.of("t", gated, Set.of())))
            .keys(WatermarkKeys.of(KEY))
            .build()) {
      MoatRequest r =
          moat.begin(
              RequestContext.builder()
                  .account("a")
                  .tier("t")
                  .vocabSize(vocab)
                  .prompt("", new int[] {1})
                  .sampling(SamplingParams.builder().temperature(1f).seed(3).maxTokens(400).build())
                  .build());
      SplittableRandom rnd = new SplittableRandom(4);
      double[] entropies = new double[401];
      for (int i = 1; i <= 400; i++) {
        float[] row = new float[vocab];
        boolean low = i % 2 == 0; // every other step is near-deterministic (like code syntax)
        for (int v = 0; v < vocab; v++) {
          row[v] = low ? (v == 17 ? 20f : 0f) : (float) rnd.nextGaussian();
        }
        entropies[i] = Entropy.nats(row, 0, vocab);
        float[] before = row.clone();
        int t = r.sample(row);
        if (low) {
          assertTrue(Arrays.equals(before, row), "low-entropy step " + i + " was modified");
        }
        r.accept(t);
      }
      int[] tokens = new int[401];
      for (int i = 0; i < 401; i++) {
        tokens[i] = r.history().get(i);
      }
      KgwDetector d = new KgwDetector(KEY, gated);
      DetectionResult withGate = d.detect(tokens, 1, false, entropies);
      DetectionResult without = d.detect(tokens, 1, false);
      assertEquals(200, withGate.tokensScored());
      assertEquals(400, without.tokensScored());
      assertTrue(
          withGate.zScore() > without.zScore(), withGate.zScore() + " vs " + without.zScore());
      assertThrows(IllegalArgumentException.class, () -> d.detect(tokens, 1, false, new double[3]));
    }
  }

  @Test
  void aRepeatedContextIsWatermarkedOnceWithDedup() throws Exception {
    KgwSettings dedup = KgwSettings.builder().keyId("e").delta(2).dedupPerRequest(true).build();
    try (Moat moat =
        Moat.builder()
            .policy(Policy.of("p", TierPolicy.of("t", dedup, Set.of())))
            .keys(WatermarkKeys.of(KEY))
            .build()) {
      MoatRequest r =
          moat.begin(
              RequestContext.builder()
                  .account("a")
                  .tier("t")
                  .vocabSize(100)
                  .prompt("", new int[] {5})
                  .sampling(SamplingParams.greedy(10))
                  .build());
      // A loop 5 -> 6 -> 5 -> 6: contexts 5 and 6 come back; only their first step is biased.
      int[] loop = {6, 5, 6, 5, 6};
      boolean[] modified = new boolean[loop.length];
      for (int i = 0; i < loop.length; i++) {
        float[] row = new float[100];
        r.processLogits(row);
        modified[i] = !Arrays.equals(row, new float[100]);
        r.accept(loop[i]);
      }
      assertTrue(
          Arrays.equals(new boolean[] {true, true, false, false, false}, modified),
          Arrays.toString(modified));
      assertEquals(
          "kgw(key=e, gamma=0.25, delta=2.0, context_width=1, dedup=request)", dedup.toString());
    }
  }

  @Test
  void globalDedupRemembersContextsAcrossRequestsOfATier() throws Exception {
    dev.moat.policy.Policy policy =
        dev.moat.policy.PolicyLoader.parse(
            """
        version: 1
        tiers:
          t: {watermark: {scheme: kgw, key: e, context_width: 2, dedup: global, dedup_history: 1024}}
        """,
            true,
            "p",
            Set.of("e"));
    KgwSettings s = (KgwSettings) policy.tier("t").watermark().orElseThrow();
    assertEquals(
        "kgw(key=e, gamma=0.25, delta=2.0, context_width=2, dedup=global(1024))", s.toString());
    try (Moat moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(KEY)).build()) {
      boolean[] modified = new boolean[3];
      for (int req = 0; req < 3; req++) {
        MoatRequest r =
            moat.begin(
                RequestContext.builder()
                    .account("a" + req)
                    .tier("t")
                    .vocabSize(100)
                    .prompt("", new int[] {4, req == 2 ? 9 : 5})
                    .sampling(SamplingParams.greedy(1))
                    .build());
        float[] row = new float[100];
        r.processLogits(row);
        modified[req] = !Arrays.equals(row, new float[100]);
      }
      // Requests 0 and 1 share the context (4, 5): only the first is marked; request 2's is new.
      assertTrue(
          Arrays.equals(new boolean[] {true, false, true}, modified), Arrays.toString(modified));
    }
    dev.moat.policy.PolicyException e =
        assertThrows(
            dev.moat.policy.PolicyException.class,
            () ->
                dev.moat.policy.PolicyLoader.parse(
                    "version: 1\ntiers:\n  t: {watermark: {scheme: kgw, key: e, dedup_history: 10}}\n",
                    true,
                    "p",
                    null));
    assertEquals(
        java.util.List.of(
            "`tiers.t.watermark.dedup_history` was '10' but it must be set only together"
                + " with dedup: global"),
        e.problems());
  }

  @Test
  void recentContextsForgetButNeverInvent() {
    dev.moat.internal.RecentContexts r = new dev.moat.internal.RecentContexts(64);
    assertTrue(r.firstSeen(12345));
    assertTrue(!r.firstSeen(12345));
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      long v = rnd.nextLong();
      // A value never offered before is always reported as first seen.
      assertTrue(r.firstSeen(v));
    }
  }
}
