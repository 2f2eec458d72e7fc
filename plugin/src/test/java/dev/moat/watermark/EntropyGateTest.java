package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.SamplingParams;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
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
                  .setAccount("a")
                  .setTier("t")
                  .setVocabSize(vocab)
                  .optPrompt("", new int[] {1})
                  .optSampling(
                      SamplingParams.builder().temperature(1f).seed(3).maxTokens(400).build())
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
                  .setAccount("a")
                  .setTier("t")
                  .setVocabSize(100)
                  .optPrompt("", new int[] {5})
                  .optSampling(SamplingParams.greedy(10))
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
}
