package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The nucleus from the tokens near the maximum ({@link Nucleus#run}) against the nucleus from the
 * whole row, written here the plain way: every weight {@code (float) Math.exp}, their sum in double
 * in id order, every candidate sorted. Same ids, same weights bit for bit, same total, on rows of
 * many shapes; and the near path must decide most rows itself, or the test would prove nothing.
 */
class NucleusTest {

  /** The reference: the whole-row nucleus. Returns its size; ids, weights, total[0] filled. */
  static int reference(
      float[] l, float invT, float topP, int[] ids, float[] weights, double[] total) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : l) {
      max = Math.max(max, v);
    }
    float floor = max - Sampler.CUTOFF / invT;
    int n = 0;
    double sum = 0;
    long[] keys = new long[l.length];
    for (int i = 0; i < l.length; i++) {
      if (l[i] < floor || l[i] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      float w = (float) Math.exp((l[i] - max) * invT);
      keys[n++] = ~(((long) Float.floatToRawIntBits(w) << 32) | (~i & 0xFFFFFFFFL));
      sum += w;
    }
    if (n == 1) {
      ids[0] = ~(int) ~keys[0];
      weights[0] = Float.intBitsToFloat((int) (~keys[0] >>> 32));
      total[0] = sum;
      return 1;
    }
    Arrays.sort(keys, 0, n);
    double target = sum * topP;
    double cum = 0;
    int keep = n;
    for (int i = 0; i < n; i++) {
      long k = ~keys[i];
      ids[i] = ~(int) k;
      weights[i] = Float.intBitsToFloat((int) (k >>> 32));
      cum += weights[i];
      if (cum >= target) {
        keep = i + 1;
        break;
      }
    }
    double kept = 0;
    for (int i = 0; i < keep; i++) {
      kept += weights[i];
    }
    total[0] = kept;
    return keep;
  }

  private static float[] row(SplittableRandom r, int vocab, int shape) {
    float[] l = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      switch (shape) {
        case 0 -> l[i] = (float) (3 * r.nextGaussian()); // the benchmarks' row
        case 1 -> l[i] = (float) (0.5 * r.nextGaussian()); // nearly flat
        case 2 -> l[i] = (float) (-2.5 * Math.log(1 + i) + 0.3 * r.nextGaussian()); // Zipf-like
        case 3 -> l[i] = (float) Math.rint(4 * r.nextGaussian()) / 2; // many exact ties
        case 4 -> l[i] = r.nextInt(20) == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
        default -> l[i] = (float) (8 * r.nextGaussian()); // peaked: a few tokens hold the mass
      }
    }
    if (shape == 2) {
      // Shuffle, so that the large logits are not all at the low ids.
      for (int i = vocab - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        float t = l[i];
        l[i] = l[j];
        l[j] = t;
      }
    }
    return l;
  }

  @Test
  void theNearNucleusIsTheWholeRowsNucleus() {
    SplittableRandom r = new SplittableRandom(20261205);
    float[] temperatures = {0.3f, 0.7f, 1f, 1.5f};
    float[] topPs = {0.1f, 0.5f, 0.8f, 0.9f, 0.95f, 0.99f, 0.999f};
    long decided = 0;
    long refused = 0;
    int rows = 0;
    for (int vocab : new int[] {1, 2, 3, 50, 1000, 32_000}) {
      for (int shape = 0; shape < 6; shape++) {
        for (float t : temperatures) {
          for (float p : topPs) {
            if (vocab >= 32_000 && r.nextInt(4) != 0) {
              continue; // a quarter of the large rows keeps the test short
            }
            float[] l = row(r, vocab, shape);
            if (shape == 4 && vocab < 4) {
              l[0] = 0f; // at least one finite entry
            }
            SamplingParams params = SamplingParams.builder().temperature(t).topP(p).build();
            Sampler s = new Sampler(params, vocab);
            int n = s.candidates(l, 0);
            int[] ids = new int[vocab];
            float[] w = new float[vocab];
            double[] total = new double[1];
            int m = reference(l, 1f / t, p, ids, w, total);
            String at = "vocab " + vocab + ", shape " + shape + ", T " + t + ", top-p " + p;
            assertEquals(m, n, at);
            for (int i = 0; i < n; i++) {
              assertEquals(ids[i], s.candidateId(i), at + ", candidate " + i);
              assertEquals(
                  Float.floatToRawIntBits(w[i]),
                  Float.floatToRawIntBits(s.candidateWeight(i)),
                  at + ", candidate " + i);
            }
            assertEquals(total[0], s.candidateTotal(), 0.0, at);
            Nucleus nucleus = s.nucleusForTests();
            decided += nucleus.decided;
            refused += nucleus.refused;
            rows++;
          }
        }
      }
    }
    assertTrue(rows > 500, "rows " + rows);
    // The near path must decide nearly every row (a refusal falls back to the whole row).
    assertTrue(
        decided >= 0.95 * (decided + refused), decided + " decided, " + refused + " refused");
  }

  @Test
  void aRequestsRowsInARowAgreeAndTheGapIsRemembered() {
    SplittableRandom r = new SplittableRandom(3);
    int vocab = 128_256;
    Sampler s = new Sampler(SamplingParams.builder().temperature(1f).topP(0.95f).build(), vocab);
    int[] ids = new int[vocab];
    float[] w = new float[vocab];
    double[] total = new double[1];
    for (int step = 0; step < 6; step++) {
      float[] l = row(r, vocab, step % 2 == 0 ? 0 : 5);
      int n = s.candidates(l, 0);
      int m = reference(l, 1f, 0.95f, ids, w, total);
      assertEquals(m, n, "step " + step);
      for (int i = 0; i < n; i++) {
        assertEquals(ids[i], s.candidateId(i), "step " + step + ", candidate " + i);
      }
      assertEquals(total[0], s.candidateTotal(), 0.0, "step " + step);
    }
    assertTrue(s.nucleusForTests().decided >= 5, "decided " + s.nucleusForTests().decided);
  }
}
