package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.spi.SamplingParams;
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
  void greedyOnLongRowsTakesTheFirstMaximumWhereverItIs() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(9);
    for (int vocab : new int[] {1, 63, 64, 65, 1000, 4097, 128_256}) {
      Sampler s = new Sampler(SamplingParams.greedy(10), vocab);
      for (int trial = 0; trial < 20; trial++) {
        float[] row = new float[vocab];
        for (int i = 0; i < vocab; i++) {
          row[i] = trial == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
        }
        if (trial > 1) {
          int a = r.nextInt(vocab);
          int b = trial % 2 == 0 ? vocab - 1 : r.nextInt(vocab); // often the tail
          row[a] = 99f;
          row[b] = 99f;
        }
        int first = 0;
        for (int i = 1; i < vocab; i++) {
          if (row[i] > row[first]) {
            first = i;
          }
        }
        assertEquals(first, s.sample(row, 0), "vocab " + vocab);
      }
    }
  }

  /**
   * Per-request scratch follows the settings: temperature alone needs one int per token of the
   * vocabulary (513 KB at 128,256), top-p and top-k add their arrays (2.5 MB in all). Measured with
   * the JVM's per-thread allocation counter, bounds with a 20% margin.
   */
  @Test
  void perRequestScratchIsOnlyWhatTheSettingsNeed() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    int vocab = 128_256;
    long a0 = mx.getThreadAllocatedBytes(id);
    Sampler plain = new Sampler(SamplingParams.builder().temperature(1f).build(), vocab);
    long a1 = mx.getThreadAllocatedBytes(id);
    Sampler full =
        new Sampler(SamplingParams.builder().temperature(1f).topK(50).topP(0.9f).build(), vocab);
    full.candidates(randomLogits(vocab, 3), 0);
    long a2 = mx.getThreadAllocatedBytes(id);
    assertTrue(a1 - a0 < 1.2 * 4 * vocab, "temperature alone: " + (a1 - a0) + " bytes");
    assertTrue(a2 - a1 > 0.8 * 20 * vocab, "top-k and top-p: " + (a2 - a1) + " bytes");
    assertTrue(plain.canRace());
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

  /**
   * The gathered top-k path (k up to {@link Sampler#MAX_GATHERED_TOP_K}) and the full quickselect
   * path (larger k) both give exactly the reference candidates: the k largest by (value, then lower
   * id), in id order, with the same float weights; or, when the k-th largest is more than the
   * cutoff below the maximum, every token above the cutoff.
   */
  @Test
  void topKCandidatesEqualTheReferenceOnEveryPath() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    int vocab = 6000;
    int[] ks = {1, 2, 17, 50, 300, 4096, 4097, 5999};
    for (int trial = 0; trial < 40; trial++) {
      float[] logits = new float[vocab];
      double spread = trial % 4 == 0 ? 0.01 : trial % 4 == 1 ? 3 : 30; // ties, normal, very wide
      for (int i = 0; i < vocab; i++) {
        logits[i] = (float) (Math.round(r.nextGaussian() * spread * 4) / 4.0);
        if (r.nextInt(50) == 0) {
          logits[i] = Float.NEGATIVE_INFINITY;
        }
      }
      float temperature = trial % 3 == 0 ? 0.3f : trial % 3 == 1 ? 1f : 2.5f;
      int k = ks[trial % ks.length];
      Sampler s =
          new Sampler(SamplingParams.builder().topK(k).temperature(temperature).build(), vocab);
      int n = s.candidates(logits, 0);

      float max = Float.NEGATIVE_INFINITY;
      for (float l : logits) {
        max = Math.max(max, l);
      }
      float invT = 1f / temperature;
      float floor = max - Sampler.CUTOFF / invT;
      Integer[] order = byValueThenId(logits);
      java.util.List<Integer> expected = new java.util.ArrayList<>();
      if (logits[order[k - 1]] > floor) {
        for (int i = 0; i < k; i++) {
          expected.add(order[i]);
        }
      } else {
        for (int i = 0; i < vocab; i++) {
          if (logits[i] >= floor && logits[i] != Float.NEGATIVE_INFINITY) {
            expected.add(i);
          }
        }
      }
      java.util.Collections.sort(expected);
      assertEquals(expected.size(), n, "trial " + trial + " k " + k);
      for (int i = 0; i < n; i++) {
        int id = expected.get(i);
        assertEquals(id, s.candidateId(i), "trial " + trial + " k " + k + " #" + i);
        assertEquals(
            (float) Math.exp((logits[id] - max) * invT), s.candidateWeight(i), "weight of " + id);
      }
    }
  }

  /** Token ids from the largest logit down, the lower id first among equals. */
  private static Integer[] byValueThenId(float[] logits) {
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order, (x, y) -> logits[x] != logits[y] ? Float.compare(logits[y], logits[x]) : x - y);
    return order;
  }

  /**
   * One request's sampler on rows that are nothing alike, one after another: the top-k search
   * starts from the gap the previous row settled on, so a row much flatter or much wider than the
   * last (or one whose maximum stands far above the rest) must still give exactly the reference
   * candidates.
   */
  @Test
  void topKStaysExactWhenOneRequestsRowsChangeShape() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(17);
    int vocab = 20_000;
    for (int k : new int[] {1, 50, 333}) {
      Sampler s = new Sampler(SamplingParams.builder().topK(k).temperature(1f).build(), vocab);
      for (int trial = 0; trial < 24; trial++) {
        double spread = new double[] {0.001, 3, 40, 0.3, 3, 8}[trial % 6];
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
          logits[i] = (float) (r.nextGaussian() * spread);
        }
        if (trial % 4 == 3) {
          logits[r.nextInt(vocab)] += 30; // a maximum far above the rest
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
          max = Math.max(max, l);
        }
        Integer[] order = byValueThenId(logits);
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        float floor = max - Sampler.CUTOFF;
        for (int i = 0; i < k; i++) {
          if (logits[order[i]] >= floor) {
            expected.add(order[i]);
          }
        }
        java.util.Collections.sort(expected);
        int n = s.candidates(logits, 0);
        java.util.List<Integer> got = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
          got.add(s.candidateId(i));
        }
        assertEquals(expected, got, "k " + k + " trial " + trial + " spread " + spread);
      }
    }
  }

  /**
   * The pruned race over the whole vocabulary (temperature alone) picks exactly what the exact
   * argmin over every token within the sampler's cutoff picks: flat, normal and very wide rows,
   * ties, masked tokens, low and high temperatures, vocabularies from 50 to 150,000.
   */
  @Test
  void theRaceOverTheWholeVocabularyPicksTheExactArgmin() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(21);
    int[] vocabs = {50, 1000, 4099, 32000, 150_000};
    int raced = 0;
    for (int trial = 0; trial < 150; trial++) {
      int vocab = vocabs[trial % vocabs.length];
      double spread = new double[] {0.05, 1.5, 3, 12}[trial % 4];
      float temperature = new float[] {0.2f, 0.7f, 1f, 1.6f}[(trial / 4) % 4];
      float[] l = new float[vocab];
      for (int i = 0; i < vocab; i++) {
        l[i] = (float) (r.nextGaussian() * spread);
        if (trial % 3 == 0) {
          l[i] = Math.round(l[i] * 2) / 2f; // ties
        }
        if (r.nextInt(20) == 0) {
          l[i] = Float.NEGATIVE_INFINITY;
        }
      }
      SamplingParams params =
          SamplingParams.builder().temperature(temperature).seed(trial).maxTokens(4).build();
      Sampler sampler = new Sampler(params, vocab);
      assertTrue(sampler.canRace());
      long seed = r.nextLong();
      int got = sampler.race(l, 0, seed);
      assertEquals(
          RaceRecordsTest.exact(l, seed, temperature),
          got,
          "trial " + trial + " vocab " + vocab + " spread " + spread);
      raced++;
    }
    assertEquals(150, raced);
  }

  @Test
  void uniformCutNeverExcludesAUniformThatCouldWin() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(22);
    for (int i = 0; i < 100_000; i++) {
      double q = Math.pow(10, -r.nextDouble(0, 12));
      long cut = Race.uniformCut(q);
      // The largest u53 below the cut must have 1 - u >= q (it could not win).
      if (cut > 0) {
        double u = ((cut - 1) + 0.5) * 0x1p-53;
        assertTrue(1 - u >= q, "q " + q + " cut " + cut);
      }
    }
    assertEquals(0, Race.uniformCut(1.0));
    assertEquals(0, Race.uniformCut(Double.POSITIVE_INFINITY));
  }

  @Test
  void raceNeedsTemperatureAlone() {
    assertThrows(
        IllegalStateException.class,
        () ->
            new Sampler(SamplingParams.builder().topK(5).build(), 100).race(new float[100], 0, 1));
    assertEquals(false, new Sampler(SamplingParams.builder().topP(0.9f).build(), 100).canRace());
    assertEquals(false, new Sampler(SamplingParams.greedy(1), 100).canRace());
    assertTrue(new Sampler(SamplingParams.builder().topK(100).build(), 100).canRace());
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
  void kthLargestAgreesWithArraysSort() {
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
      assertEquals(sorted[n - k], dev.moat.internal.TopTokens.kthLargest(a.clone(), n, k));
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

  /**
   * A host that samples through the sampler without Moat's row check gets an error naming the bad
   * entry, whatever the settings: before, a NaN was passed over (or sampled), and +Infinity under
   * top-p ended in an index out of bounds in the weight buckets.
   */
  @Test
  void aRowWithNaNOrPlusInfinityIsRejectedNamingTheEntry() {
    SamplingParams[] settings = {
      SamplingParams.greedy(1),
      SamplingParams.builder().temperature(1f).seed(1).build(),
      SamplingParams.builder().temperature(1f).topK(50).seed(1).build(),
      SamplingParams.builder().temperature(1f).topP(0.9f).seed(1).build(),
      SamplingParams.builder().temperature(0.7f).topK(20).topP(0.9f).seed(1).build()
    };
    int vocab = 5_000;
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      for (int at : new int[] {0, 1_234, vocab - 1}) {
        for (SamplingParams p : settings) {
          float[] l = new float[vocab];
          for (int i = 0; i < vocab; i++) {
            l[i] = (float) Math.sin(i);
          }
          l[at] = bad;
          Sampler s = new Sampler(p, vocab);
          IllegalArgumentException e =
              assertThrows(IllegalArgumentException.class, () -> s.sample(l, 0), p + ", " + bad);
          assertTrue(
              e.getMessage().startsWith("logits[" + at + "] was " + bad),
              p + ": " + e.getMessage());
          assertThrows(IllegalArgumentException.class, () -> s.candidates(l, 0), p + ", " + bad);
        }
      }
    }
  }
}
