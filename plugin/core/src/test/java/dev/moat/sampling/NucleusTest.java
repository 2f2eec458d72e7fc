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

  static float[] row(SplittableRandom r, int vocab, int shape) {
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

  /** One row of {@link #forEachRow}, with its settings. */
  interface RowCase {
    void check(float[] l, float t, float topP, String at);
  }

  /**
   * Runs {@code c} on rows of every size in {@code vocabs} and every shape below {@code shapes}
   * ({@link #row}; shape 6 is {@link #farTail}), at four temperatures and each top-p (a quarter of
   * the rows of 32,000 and more, chosen at random, to keep the test short); returns how many rows.
   */
  static int forEachRow(SplittableRandom r, int[] vocabs, int shapes, float[] topPs, RowCase c) {
    int rows = 0;
    for (int vocab : vocabs) {
      for (int shape = 0; shape < shapes; shape++) {
        for (float t : new float[] {0.3f, 0.7f, 1f, 1.5f}) {
          for (float p : topPs) {
            if (vocab >= 32_000 && r.nextInt(4) != 0) {
              continue;
            }
            float[] l = shape < 6 ? row(r, vocab, shape) : farTail(vocab, t);
            if (shape == 4 && vocab < 4) {
              l[0] = 0f; // at least one finite entry
            }
            c.check(l, t, p, "vocab " + vocab + ", shape " + shape + ", T " + t + ", top-p " + p);
            rows++;
          }
        }
      }
    }
    return rows;
  }

  @Test
  void theNearNucleusIsTheWholeRowsNucleus() {
    SplittableRandom r = new SplittableRandom(20261205);
    float[] topPs = {0.1f, 0.5f, 0.8f, 0.9f, 0.95f, 0.99f, 0.999f};
    long[] decidedRefused = new long[2];
    int rows =
        forEachRow(
            r,
            new int[] {1, 2, 3, 50, 1000, 32_000},
            6,
            topPs,
            (l, t, p, at) -> {
              int vocab = l.length;
              SamplingParams params = SamplingParams.builder().temperature(t).topP(p).build();
              Sampler s = new Sampler(params, vocab);
              int n = s.candidates(l, 0);
              int[] ids = new int[vocab];
              float[] w = new float[vocab];
              double[] total = new double[1];
              int m = reference(l, 1f / t, p, ids, w, total);
              assertEquals(m, n, at);
              for (int i = 0; i < n; i++) {
                assertEquals(ids[i], s.candidateId(i), at + ", candidate " + i);
                assertEquals(
                    Float.floatToRawIntBits(w[i]),
                    Float.floatToRawIntBits(s.candidateWeight(i)),
                    at + ", candidate " + i);
              }
              assertEquals(total[0], s.candidateTotal(), 0.0, at);
              decidedRefused[0] += s.nucleusForTests().decided;
              decidedRefused[1] += s.nucleusForTests().refused;
            });
    long decided = decidedRefused[0];
    long refused = decidedRefused[1];
    assertTrue(rows > 500, "rows " + rows);
    // The near path must decide nearly every row (a refusal falls back to the whole row).
    assertTrue(
        decided >= 0.95 * (decided + refused), decided + " decided, " + refused + " refused");
  }

  /**
   * The nucleus {@link Sampler#candidates} gives is the whole row's, and every token {@link
   * Sampler#sample} draws is in it, on rows of seven shapes up to top-p just under 1, rows whose
   * sums might not be exact in another order included (the sort decides; without that check the
   * count of such rows below is 0).
   */
  @Test
  void candidatesAndDrawsAgreeWithTheWholeRowUpToTopPNearOne() {
    SplittableRandom r = new SplittableRandom(20261206);
    float[] topPs = {0.1f, 0.5f, 0.9f, 0.95f, 0.99f, 0.999f, 0.99999994f};
    long[] inexact = new long[1];
    forEachRow(
        r,
        new int[] {2, 50, 1000, 32_000},
        7,
        topPs,
        (l, t, p, at) -> {
          int vocab = l.length;
          long seed = r.nextLong();
          SamplingParams params =
              SamplingParams.builder().temperature(t).topP(p).seed(seed).build();
          Sampler s = new Sampler(params, vocab);
          int[] ids = new int[vocab];
          float[] w = new float[vocab];
          double[] total = new double[1];
          int n = reference(l, 1f / t, p, ids, w, total);
          boolean[] in = new boolean[vocab];
          for (int i = 0; i < n; i++) {
            in[ids[i]] = true;
          }
          for (int k = 0; k < 4; k++) {
            int v = s.sample(l, 0);
            assertTrue(in[v], at + ", draw " + k + ": token " + v + " outside the nucleus");
          }
          assertEquals(n, s.candidates(l, 0), at);
          for (int i = 0; i < n; i++) {
            assertEquals(ids[i], s.candidateId(i), at + ", candidate " + i);
          }
          assertEquals(total[0], s.candidateTotal(), 0.0, at);
          inexact[0] += s.nucleusForTests().inexact;
        });
    assertTrue(inexact[0] >= 8, inexact[0] + " rows sorted whole: sums maybe inexact");
  }

  /**
   * One request over rows that change from step to step (spreads from 1.5 to 4.5, and peaked ones),
   * so that rows fall short of the remembered gap and widen it, some taking the rest's mass from
   * the pass before less the weights the widening added: every nucleus is the whole row's.
   */
  @Test
  void rowsThatFallShortOfTheRememberedGapFindTheWholeRowsNucleus() {
    SplittableRandom r = new SplittableRandom(77);
    int vocab = 32_000;
    float[][] rows = new float[8][];
    for (int k = 0; k < rows.length; k++) {
      rows[k] = k % 4 == 3 ? row(r, vocab, 5) : new float[vocab];
      if (k % 4 != 3) {
        double sd = 1.5 + 3.0 * r.nextDouble();
        for (int i = 0; i < vocab; i++) {
          rows[k][i] = (float) (sd * r.nextGaussian());
        }
      }
    }
    Sampler s =
        new Sampler(SamplingParams.builder().temperature(1f).topP(0.95f).seed(5).build(), vocab);
    int[] ids = new int[vocab];
    float[] w = new float[vocab];
    double[] total = new double[1];
    for (int step = 0; step < 96; step++) {
      float[] l = rows[(step * 5 + step / 8) % rows.length];
      int n = reference(l, 1f, 0.95f, ids, w, total);
      assertEquals(n, s.candidates(l, 0), "step " + step);
      assertEquals(ids[n - 1], s.candidateId(n - 1), "step " + step);
      assertEquals(total[0], s.candidateTotal(), 0.0, "step " + step);
    }
    Nucleus nucleus = s.nucleusForTests();
    assertTrue(nucleus.restsCarried > 0, "no row carried the rest over");
    // A carried rest must settle most rows itself (a wrong one would send each to the pass).
    assertTrue(
        nucleus.restsRetaken * 2 <= nucleus.restsCarried,
        nucleus.restsRetaken + " of " + nucleus.restsCarried + " carried rests needed the pass");
    assertTrue(
        nucleus.decided >= 90, nucleus.decided + " decided, " + nucleus.refused + " refused");
  }

  /**
   * Two tokens at the maximum and the rest 20 / T below it: at top-p just under 1 the nucleus ends
   * in the far tail, where the gathered mass is over 2^52 ulps of the tail's weights, so the
   * buckets cannot prove their sums exact.
   */
  static float[] farTail(int vocab, float t) {
    float[] l = new float[vocab];
    java.util.Arrays.fill(l, -20f * t);
    l[0] = 0f;
    l[vocab - 1] = 0f;
    return l;
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
