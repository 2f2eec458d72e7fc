package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static float[] randomLogits(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * 2);
    }
    return a;
  }

  @Test
  void greedyTakesTheArgMaxAndTheLowestIdOnTies() {
    Sampler s = new Sampler(SamplingParams.greedy(10), 5);
    assertEquals(3, s.sample(new float[] {0, 1, 2, 5, 4}, 0));
    assertEquals(1, s.sample(new float[] {0, 5, 2, 5, 4}, 0));
  }

  @Test
  void sameSeedSameTokensDifferentSeedDifferentTokens() {
    float[] logits = randomLogits(1000, 1);
    int[] a = draw(SamplingParams.builder().temperature(1f).seed(5).build(), logits, 50);
    int[] b = draw(SamplingParams.builder().temperature(1f).seed(5).build(), logits, 50);
    int[] c = draw(SamplingParams.builder().temperature(1f).seed(6).build(), logits, 50);
    assertArrayEquals(a, b);
    assertTrue(!Arrays.equals(a, c));
  }

  @Test
  void samplesFollowTheSoftmaxWithinStatedBounds() {
    // 20 tokens, 200,000 draws at T = 0.7: each empirical frequency within 5 standard errors
    // (sqrt(p(1-p)/n)) of the softmax probability; the chance of a false failure is < 1e-5.
    float[] logits = randomLogits(20, 3);
    float t = 0.7f;
    double[] p = softmax(logits, t);
    int n = 200_000;
    int[] counts = new int[20];
    Sampler s = new Sampler(SamplingParams.builder().temperature(t).seed(9).build(), 20);
    for (int i = 0; i < n; i++) {
      counts[s.sample(logits, 0)]++;
    }
    for (int i = 0; i < 20; i++) {
      double se = Math.sqrt(p[i] * (1 - p[i]) / n);
      assertEquals(p[i], counts[i] / (double) n, 5 * se + 1e-9, "token " + i);
    }
  }

  @Test
  void topKKeepsExactlyTheKLargest() {
    float[] logits = randomLogits(5000, 4);
    Sampler s = new Sampler(SamplingParams.builder().topK(17).seed(1).build(), 5000);
    int n = s.candidates(logits, 0);
    assertEquals(17, n);
    float[] sorted = logits.clone();
    Arrays.sort(sorted);
    float kth = sorted[5000 - 17];
    for (int i = 0; i < n; i++) {
      assertTrue(logits[s.candidateId(i)] >= kth);
    }
  }

  @Test
  void topKWithTiesKeepsTheLowestIds() {
    float[] logits = {1, 3, 3, 3, 0};
    Sampler s = new Sampler(SamplingParams.builder().topK(2).build(), 5);
    assertEquals(2, s.candidates(logits, 0));
    assertEquals(1, s.candidateId(0));
    assertEquals(2, s.candidateId(1));
  }

  @Test
  void topPKeepsTheSmallestPrefixReachingP() {
    for (long seed = 0; seed < 20; seed++) {
      float[] logits = randomLogits(3000, seed);
      float topP = 0.3f + 0.03f * seed;
      Sampler s = new Sampler(SamplingParams.builder().topP(topP).temperature(0.9f).build(), 3000);
      int n = s.candidates(logits, 0);
      double[] p = softmax(logits, 0.9f);
      Integer[] order = new Integer[3000];
      for (int i = 0; i < 3000; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (x, y) -> Double.compare(p[y], p[x]));
      double cum = 0;
      int expected = 0;
      while (cum < topP) {
        cum += p[order[expected++]];
      }
      assertEquals(expected, n, "seed " + seed);
      for (int i = 0; i < n; i++) {
        assertEquals((int) order[i], s.candidateId(i), "seed " + seed + " rank " + i);
      }
    }
  }

  @Test
  void excludedTokensAreNeverSampledAndAllExcludedIsAnError() {
    float[] logits = randomLogits(100, 5);
    for (int i = 0; i < 100; i += 2) {
      logits[i] = Float.NEGATIVE_INFINITY;
    }
    Sampler s = new Sampler(SamplingParams.builder().seed(2).build(), 100);
    for (int i = 0; i < 2000; i++) {
      assertEquals(1, s.sample(logits, 0) % 2);
    }
    float[] none = new float[4];
    Arrays.fill(none, Float.NEGATIVE_INFINITY);
    Sampler s4 = new Sampler(SamplingParams.builder().build(), 4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> s4.sample(none, 0));
    assertEquals("every token was excluded: all 4 logits are -Infinity", e.getMessage());
  }

  @Test
  void kthLargestAndHeapSortAgreeWithArraysSort() {
    SplittableRandom r = new SplittableRandom(8);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + r.nextInt(300);
      float[] a = new float[n];
      for (int i = 0; i < n; i++) {
        a[i] = r.nextInt(20); // many ties
      }
      float[] sorted = a.clone();
      Arrays.sort(sorted);
      int k = 1 + r.nextInt(n);
      assertEquals(sorted[n - k], Sampler.kthLargest(a.clone(), n, k));
      long[] keys = new long[n];
      for (int i = 0; i < n; i++) {
        keys[i] = r.nextLong();
      }
      long[] expected = keys.clone();
      Arrays.sort(expected);
      Sampler.heapSortDescending(keys, n);
      for (int i = 0; i < n; i++) {
        assertEquals(expected[n - 1 - i], keys[i]);
      }
    }
  }

  private static int[] draw(SamplingParams p, float[] logits, int n) {
    Sampler s = new Sampler(p, logits.length);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = s.sample(logits, 0);
    }
    return out;
  }

  private static double[] softmax(float[] logits, float t) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double z = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp((logits[i] - max) / t);
      z += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= z;
    }
    return p;
  }
}
