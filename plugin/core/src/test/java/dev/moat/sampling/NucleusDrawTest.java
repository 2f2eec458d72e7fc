package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.Kernels;
import dev.moat.internal.TopTokens;
import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The top-p draw without top-k ({@link Sampler#sample}: proposals from the whole row's softmax,
 * kept when {@link NucleusDraw#member} finds them in the nucleus): every answer the membership test
 * gives is the whole row's nucleus's ({@link NucleusTest#reference}, written the plain way), on
 * rows of many shapes, at the nucleus's boundary above all; every draw is in that nucleus; and the
 * draws follow its renormalised weights (chi-square over many draws, fixed seeds: a correct sampler
 * fails with probability below 1e-6), the full path's fallback included.
 */
class NucleusDrawTest {
  private static final int DRAWS = 200_000;

  /** Every candidate of {@code l}, sorted as the full path sorts: weight descending, then id. */
  private static int sorted(float[] l, float invT, int[] order) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : l) {
      max = Math.max(max, v);
    }
    float floor = max - Sampler.CUTOFF / invT;
    long[] keys = new long[l.length];
    int n = 0;
    for (int i = 0; i < l.length; i++) {
      if (l[i] < floor || l[i] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      float w = (float) Math.exp((l[i] - max) * invT);
      keys[n++] = ~(((long) Float.floatToRawIntBits(w) << 32) | (~i & 0xFFFFFFFFL));
    }
    Arrays.sort(keys, 0, n);
    for (int i = 0; i < n; i++) {
      order[i] = ~(int) ~keys[i];
    }
    return n;
  }

  /**
   * On every row of {@link NucleusTest#forEachRow} (seven shapes, the far tail included; four
   * temperatures; top-p 0.1 to just under 1; vocabularies 1 to 32,000), tokens tested one at a time
   * (a fresh row state each) and then all in one row state in random order (so that tokens below
   * one found outside are ruled out without a pass): the ten tokens either side of the nucleus's
   * last one, 100 others chosen uniformly and 200 in proportion to their weights, as the sampler
   * proposes them. Each answer other than unsure must be the reference nucleus's; of the tokens
   * proposed as the sampler would, fewer than 1% may be unsure (the uniform and boundary ones often
   * are where top-p is within the bounds' error of 1, or ties straddle the boundary), and each way
   * of deciding must have been used.
   */
  @Test
  void everyAnswerIsTheWholeRowsNucleus() {
    SplittableRandom r = new SplittableRandom(20261207);
    float[] topPs = {0.1f, 0.5f, 0.8f, 0.9f, 0.95f, 0.99f, 0.999f, 0.99999994f};
    // weighted tokens tested, of those unsure, by gather, by pass, by outside, rows, by the
    // bounded pass alone (of those by pass)
    long[] counts = new long[7];
    NucleusTest.forEachRow(
        r,
        new int[] {1, 2, 3, 50, 1000, 32_000},
        7,
        topPs,
        (l, t, p, at) -> {
          int vocab = l.length;
          float invT = 1f / t;
          int[] ids = new int[vocab];
          float[] w = new float[vocab];
          double[] total = new double[1];
          int n = NucleusTest.reference(l, invT, p, ids, w, total);
          int[] order = new int[vocab];
          int candidates = sorted(l, invT, order);
          boolean[] in = new boolean[vocab];
          for (int i = 0; i < n; i++) {
            in[ids[i]] = true;
            assertEquals(ids[i], order[i], at);
          }
          float max0 = Float.NEGATIVE_INFINITY;
          for (float v : l) {
            max0 = Math.max(max0, v);
          }
          double[] cdf = new double[candidates];
          double acc = 0;
          for (int i = 0; i < candidates; i++) {
            acc += Math.exp((l[order[i]] - max0) * invT);
            cdf[i] = acc;
          }
          int[] tested = new int[330];
          boolean[] weighted = new boolean[330];
          int k = 0;
          for (int i = Math.max(0, n - 11); i < Math.min(candidates, n + 10); i++) {
            tested[k++] = order[i];
          }
          for (int j = 0; j < 100; j++) {
            tested[k++] = order[r.nextInt(candidates)];
          }
          for (int j = 0; j < 200; j++) {
            int at0 = Arrays.binarySearch(cdf, r.nextDouble() * acc);
            weighted[k] = true;
            tested[k++] = order[Math.min(candidates - 1, at0 < 0 ? -at0 - 1 : at0)];
          }
          int[] scratch = new int[vocab];
          TopTokens top = new TopTokens(vocab, scratch);
          float max = top.scanMax(l, 0);
          float floor = max - Sampler.CUTOFF / invT;
          NucleusDraw d =
              new NucleusDraw(
                  top, scratch, vocab, new BlockRejection(top, vocab), new SplittableRandom(1));
          for (int round = 0; round < 2; round++) {
            if (round == 1) {
              d.newRow();
              for (int i = k - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int x = tested[i];
                tested[i] = tested[j];
                tested[j] = x;
                boolean y = weighted[i];
                weighted[i] = weighted[j];
                weighted[j] = y;
              }
            }
            for (int i = 0; i < k; i++) {
              int v = tested[i];
              if (round == 0) {
                d.newRow();
              }
              int answer = d.member(l, 0, v, max, invT, floor, p);
              if (weighted[i]) {
                counts[0]++;
                counts[1] += answer == NucleusDraw.UNSURE ? 1 : 0;
              }
              if (answer != NucleusDraw.UNSURE) {
                assertEquals(
                    in[v] ? NucleusDraw.IN : NucleusDraw.OUT,
                    answer,
                    at + ", token " + v + " (" + (in[v] ? "in" : "out") + " of " + n + ")");
              }
            }
          }
          counts[2] += d.byGather;
          counts[3] += d.byPass;
          counts[4] += d.byOutside;
          counts[5]++;
          counts[6] += d.byBounded;
        });
    String seen =
        Arrays.toString(counts)
            + " (weighted, unsure, by gather, by pass, by outside, rows, by the bounded pass)";
    assertTrue(counts[5] > 500, seen);
    assertTrue(counts[1] < 0.01 * counts[0], seen);
    assertTrue(counts[2] > 1000 && counts[3] > 1000 && counts[4] > 1000, seen);
    // Where the cheaper pass runs (JDK 25 on, vector kernels) it decides many of the pass's answers
    // (6,808 of 13,732 on these tokens, most of them chosen near the nucleus's end), with every
    // answer checked above; with its factor taken as 1 instead of 1.0615 this test fails.
    boolean bounded = Kernels.get().boundedMass() != null;
    assertTrue(bounded ? counts[6] > 1000 : counts[6] == 0, seen);
  }

  /**
   * Rows whose tokens are equal or within a float's rounding of each other, so that the bounds
   * cannot tell and the full path decides ({@link NucleusDraw#UNSURE}): every logit 0 (the nucleus
   * is the lowest ids), and logits spread over a few ulps. Each membership decided by the full
   * path's last token must be the reference's.
   */
  @Test
  void tiesTheBoundsCannotTellGoToTheFullPath() {
    int vocab = 10_000;
    float[] flat = new float[vocab];
    float[] ulps = new float[vocab];
    SplittableRandom r = new SplittableRandom(8);
    for (int i = 0; i < vocab; i++) {
      ulps[i] = Float.intBitsToFloat(Float.floatToRawIntBits(1f) + r.nextInt(8));
    }
    for (float[] l : new float[][] {flat, ulps}) {
      for (float p : new float[] {0.3f, 0.5f, 0.9f}) {
        Sampler s =
            new Sampler(SamplingParams.builder().temperature(1f).topP(p).seed(4).build(), vocab);
        int[] ids = new int[vocab];
        float[] w = new float[vocab];
        double[] total = new double[1];
        int n = NucleusTest.reference(l, 1f, p, ids, w, total);
        boolean[] in = new boolean[vocab];
        for (int i = 0; i < n; i++) {
          in[ids[i]] = true;
        }
        for (int k = 0; k < 200; k++) {
          int v = s.sample(l, 0);
          assertTrue(in[v], "top-p " + p + ": token " + v + " is outside the nucleus of " + n);
        }
        assertTrue(s.nucleusDrawForTests().unsure > 0, "the full path was never asked");
      }
    }
    // Every draw asks the full path here: fewer draws, over a shorter row (1,000 in the nucleus).
    chiSquare(new float[2_000], 1f, 0.5f, 11, 40_000);
  }

  /**
   * The draws follow the nucleus's renormalised weights: a Gaussian row (sd 3, a nucleus of a few
   * hundred tokens), a peaked row (sd 8: a few tokens hold the mass), many exact ties, the far tail
   * at top-p just under 1 (the nucleus ends among 32,000 equal tokens far below two at the
   * maximum), a row with masked tokens, at temperatures 0.7 to 1.5.
   */
  @Test
  void drawsFollowTheNucleusWeights() {
    SplittableRandom r = new SplittableRandom(31);
    chiSquare(NucleusTest.row(r, 3_000, 0), 1f, 0.9f, 1);
    chiSquare(NucleusTest.row(r, 3_000, 0), 1.5f, 0.5f, 2);
    chiSquare(NucleusTest.row(r, 1_000, 5), 0.7f, 0.95f, 3);
    chiSquare(NucleusTest.row(r, 5_000, 3), 1f, 0.8f, 4);
    chiSquare(NucleusTest.row(r, 2_000, 4), 1f, 0.99f, 5);
    chiSquare(NucleusTest.farTail(32_000, 1f), 1f, 0.99999994f, 6);
  }

  /**
   * A nucleus of 2% of a flat row's mass: most draws give up after {@link
   * NucleusDraw#MAX_PROPOSALS} refused proposals and walk the full path's nucleus instead; the
   * draws, both kinds together, still follow the nucleus's weights.
   */
  @Test
  void aSmallNucleusOnAFlatRowIsDrawnByTheWalkAfterTooManyRefusals() {
    SplittableRandom r = new SplittableRandom(12);
    float[] l = new float[5_000];
    for (int i = 0; i < l.length; i++) {
      l[i] = (float) (0.5 * r.nextGaussian());
    }
    Sampler s = chiSquare(l, 1f, 0.02f, 13, 20_000);
    NucleusDraw d = s.nucleusDrawForTests();
    assertTrue(d.gaveUp > 5_000 && d.gaveUp < 20_000, d.gaveUp + " of 20,000 draws gave up");
  }

  /**
   * A request over rows that change from step to step (spreads 1.5 to 4.5, and peaked ones), at
   * 128,256: every draw is in that row's nucleus.
   */
  @Test
  void aRequestsDrawsOverChangingRowsAreInEachNucleus() {
    SplittableRandom r = new SplittableRandom(77);
    int vocab = 128_256;
    Sampler s =
        new Sampler(SamplingParams.builder().temperature(1f).topP(0.95f).seed(5).build(), vocab);
    int[] ids = new int[vocab];
    float[] w = new float[vocab];
    double[] total = new double[1];
    for (int step = 0; step < 12; step++) {
      float[] l;
      if (step % 3 == 2) {
        l = NucleusTest.row(r, vocab, 5);
      } else {
        l = new float[vocab];
        double sd = 1.5 + 3.0 * r.nextDouble();
        for (int i = 0; i < vocab; i++) {
          l[i] = (float) (sd * r.nextGaussian());
        }
      }
      int n = NucleusTest.reference(l, 1f, 0.95f, ids, w, total);
      boolean[] in = new boolean[vocab];
      for (int i = 0; i < n; i++) {
        in[ids[i]] = true;
      }
      for (int k = 0; k < 20; k++) {
        int v = s.sample(l, 0);
        assertTrue(in[v], "step " + step + ": token " + v + " is outside the nucleus of " + n);
      }
    }
    NucleusDraw d = s.nucleusDrawForTests();
    assertTrue(d.byGather > 0 && d.byPass > 0, d.byGather + " by gather, " + d.byPass + " by pass");
  }

  /**
   * {@code draws} draws from one row; the chi-square statistic over the nucleus's tokens (bins of
   * expected count under 5 merged with the ones after them) must be below its 1 - 1e-6 quantile
   * (Wilson-Hilferty), and no token outside the nucleus may be drawn.
   */
  private static void chiSquare(float[] l, float t, float topP, long seed) {
    chiSquare(l, t, topP, seed, DRAWS);
  }

  private static Sampler chiSquare(float[] l, float t, float topP, long seed, int draws) {
    int vocab = l.length;
    int[] ids = new int[vocab];
    float[] w = new float[vocab];
    double[] total = new double[1];
    int n = NucleusTest.reference(l, 1f / t, topP, ids, w, total);
    int[] slot = new int[vocab];
    Arrays.fill(slot, -1);
    for (int i = 0; i < n; i++) {
      slot[ids[i]] = i;
    }
    long[] observed = new long[n];
    Sampler s =
        new Sampler(SamplingParams.builder().temperature(t).topP(topP).seed(seed).build(), vocab);
    for (int d = 0; d < draws; d++) {
      int v = s.sample(l, 0);
      assertTrue(slot[v] >= 0, "token " + v + " is outside the nucleus of " + n);
      observed[slot[v]]++;
    }
    double stat = 0;
    int groups = 0;
    double e = 0;
    long o = 0;
    double lastE = 0;
    long lastO = 0;
    for (int i = 0; i < n; i++) {
      e += w[i] / total[0] * draws;
      o += observed[i];
      if (e >= 5) {
        stat += (o - e) * (o - e) / e;
        groups++;
        lastE = e;
        lastO = o;
        e = 0;
        o = 0;
      }
    }
    if (e > 0 && groups > 0) { // a short remainder joins the last group
      stat -= (lastO - lastE) * (lastO - lastE) / lastE;
      stat += (lastO + o - lastE - e) * (lastO + o - lastE - e) / (lastE + e);
    }
    int df = groups - 1;
    String at = "T " + t + ", top-p " + topP + ", nucleus " + n;
    assertTrue(df >= 1 || n == 1, at + ": bins " + df);
    if (df < 1) {
      return s;
    }
    double z = 4.753; // the standard normal's 1 - 1e-6 quantile
    double a = 2.0 / (9 * df);
    double limit = df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    assertTrue(stat < limit, at + ": chi-square " + stat + " over " + df + " df, limit " + limit);
    return s;
  }
}
