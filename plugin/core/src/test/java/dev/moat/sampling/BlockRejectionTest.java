package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.TopTokens;
import dev.moat.internal.WeightBounds;
import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockRejection}, the draw of {@link Sampler#sample} under temperature alone, follows the
 * exact softmax over the sampler's candidates: chi-square goodness of fit over many draws, fixed
 * seeds, against the softmax of the float weights {@link Sampler#candidates} gives, on rows that
 * stress each part of it (far tokens, a short last block, masked and sub-cutoff tokens, a maximum
 * alone in its block, very low and high temperatures); its bounds do not depend on the kernels'
 * summary layout; and its proposals a draw stay within the bound the class states.
 */
class BlockRejectionTest {
  private static final int DRAWS = 200_000;

  /**
   * 80 tokens near the maximum and 3,000 between 5.5 and 7.3 nats below it, which together hold
   * about 8% of the mass, plus masked tokens and tokens below the cutoff that must never be drawn
   * (checked draw by draw). Bins: each near token, and the far tokens in groups of 100 ids.
   */
  @Test
  void drawsFollowTheSoftmaxWithTheFarTokensIncluded() {
    int near = 80;
    int vocab = near + 3000;
    SplittableRandom r = new SplittableRandom(5);
    float[] l = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      l[i] = i < near ? (float) (r.nextDouble() * 0.3) : (float) (-5.2 - 1.8 * r.nextDouble());
      if (i >= near && r.nextInt(30) == 0) {
        l[i] = r.nextBoolean() ? Float.NEGATIVE_INFINITY : -60f;
      }
    }
    int[] bin = new int[vocab];
    for (int i = 0; i < vocab; i++) {
      bin[i] = i < near ? i : near + (i - near) / 100;
    }
    for (float t : new float[] {1f, 0.9f}) {
      chiSquare(l, t, bin, near + 30, 17 + (long) (t * 10));
    }
  }

  /**
   * Rows whose length is not a multiple of 64 (the last block's slots past the end must be refused,
   * not redrawn: a redraw would favour the short block's tokens), a whole block of -Infinity, a
   * block below the cutoff, and the maximum alone in its block with its neighbours far below (the
   * most proposals a draw): each token its own bin where it is likely enough, at temperatures from
   * 0.05 to 3.
   */
  @Test
  void drawsFollowTheSoftmaxOnShortBlocksMaskedBlocksAndLoneMaxima() {
    SplittableRandom r = new SplittableRandom(21);
    int[] vocabs = {7, 63, 65, 100, 257, 1_000, 4_097};
    float[] temperatures = {0.05f, 0.7f, 1f, 3f};
    int rows = 0;
    for (int vocab : vocabs) {
      for (float t : temperatures) {
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) {
          l[i] = (float) (r.nextGaussian() * 0.2 / t) - 6f * t;
        }
        if (vocab > 200) {
          Arrays.fill(l, 64, 128, Float.NEGATIVE_INFINITY); // a whole block masked
          Arrays.fill(l, 128, 150, -500f); // a block below the cutoff
          l[vocab - 1] = 0f; // the maximum in the last, short block
          l[3] = -0.5f * t; // and one near it in the first
        } else {
          l[vocab / 2] = 0f;
        }
        double[] p = softmax(l, t);
        int[] bin = new int[vocab];
        int bins = 0;
        for (int i = 0; i < vocab; i++) {
          bin[i] = p[i] * DRAWS >= 50 ? bins++ : -1;
        }
        int rest = bins++;
        for (int i = 0; i < vocab; i++) {
          if (bin[i] < 0) {
            bin[i] = rest;
          }
        }
        chiSquare(l, t, bin, bins, 100 + rows++, 0);
      }
    }
    assertEquals(28, rows);
    Sampler one = new Sampler(SamplingParams.builder().temperature(1f).seed(1).build(), 1);
    for (int d = 0; d < 100; d++) {
      assertEquals(0, one.sample(new float[] {-3f}, 0));
    }
  }

  /** A model-like row (Gaussian logits, sd 3, vocab 32,000), binned by each token's probability. */
  @Test
  void drawsFollowTheSoftmaxOnAWideRow() {
    int vocab = 32_000;
    SplittableRandom r = new SplittableRandom(8);
    float[] l = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      l[i] = (float) (3 * r.nextGaussian());
    }
    double[] p = softmax(l, 1f);
    // Bins by probability: each token above 1e-3 alone, the rest by log-probability in halves of
    // a nat, down to 1e-9 (the remainder, about 1e-4 of the mass, joins the last bin).
    int[] bin = new int[vocab];
    int singles = 0;
    for (int i = 0; i < vocab; i++) {
      if (p[i] > 1e-3) {
        bin[i] = -1 - singles++;
      }
    }
    for (int i = 0; i < vocab; i++) {
      if (bin[i] < 0) {
        bin[i] = -1 - bin[i];
      } else {
        int b = (int) Math.floor(-2 * Math.log(Math.max(p[i], 1e-9) / 1e-3));
        bin[i] = singles + Math.min(b, 27);
      }
    }
    chiSquare(l, 1f, bin, singles + 28, 3);
  }

  /**
   * The prefix of block bounds is the one the row's own 64-token maxima give, whatever the kernels'
   * summary groups (64 lanes' worth by default, 32 in the 256-bit run of these tests): the picks do
   * not depend on the machine's vector width.
   */
  @Test
  void blockBoundsAreThoseOfTheRowsOwnBlockMaxima() {
    SplittableRandom r = new SplittableRandom(4);
    for (int round = 0; round < 60; round++) {
      int vocab = round < 20 ? 1 + r.nextInt(300) : 32_000 + r.nextInt(200);
      float[] l = new float[vocab];
      for (int i = 0; i < vocab; i++) {
        l[i] = r.nextInt(20) == 0 ? Float.NEGATIVE_INFINITY : (float) (3 * r.nextGaussian());
      }
      float invT = round % 2 == 0 ? 1f : 1f / (0.2f + r.nextFloat());
      TopTokens top = new TopTokens(vocab, new int[vocab]);
      BlockRejection draw = new BlockRejection(top, vocab);
      float max = top.scanMax(l, 0);
      long total = draw.bounds(l, 0, max, invT);
      long want = 0;
      for (int from = 0; from < vocab; from += BlockRejection.BLOCK) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = from; i < Math.min(vocab, from + BlockRejection.BLOCK); i++) {
          m = Math.max(m, l[i]);
        }
        want += WeightBounds.bound(m, max, invT);
        assertEquals(want, draw.prefix(from / BlockRejection.BLOCK + 1), "round " + round);
      }
      assertEquals(want, total);
    }
  }

  /**
   * Proposals a draw: about 48 on Gaussian rows (sd 3, measured), and at most about 64 · 1.06 in
   * expectation on any row; the worst case, each block's mass in its maximum alone, measured here
   * (the mean over 20,000 draws, whose standard error is below 1).
   */
  @Test
  void proposalsADrawStayWithinTheStatedBound() {
    SplittableRandom r = new SplittableRandom(6);
    int vocab = 32_000;
    float[] gaussian = new float[vocab];
    float[] lone = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      gaussian[i] = (float) (3 * r.nextGaussian());
      lone[i] = i % 64 == 17 ? (float) (r.nextDouble() * 0.01) : -30f;
    }
    double g = proposals(gaussian, 20_000);
    double worst = proposals(lone, 20_000);
    assertTrue(g > 35 && g < 60, "Gaussian rows: " + g);
    assertTrue(worst > 60 && worst < 70, "one token a block: " + worst);
  }

  private static double proposals(float[] l, int draws) {
    int[] ids = new int[l.length];
    BlockRejection draw = new BlockRejection(new TopTokens(l.length, ids), l.length);
    for (int d = 0; d < draws; d++) {
      draw.run(l, 0, d * 0x9E3779B97F4A7C15L, 1f);
    }
    return draw.proposals() / (double) draws;
  }

  /**
   * Draws {@value #DRAWS} tokens and asserts that the chi-square statistic over the bins is below
   * its 1 - 1e-6 quantile (Wilson-Hilferty), so that a correct sampler fails with probability below
   * 1e-6 (the seeds are fixed: it either passes or fails for good). Bins of expected count under 5
   * are merged with the ones after them.
   */
  private static void chiSquare(float[] l, float t, int[] bin, int bins, long seed) {
    chiSquare(l, t, bin, bins, seed, 20);
  }

  private static void chiSquare(float[] l, float t, int[] bin, int bins, long seed, int minDf) {
    double[] p = softmax(l, t);
    double[] expected = new double[bins];
    for (int i = 0; i < l.length; i++) {
      expected[bin[i]] += p[i] * DRAWS;
    }
    long[] observed = new long[bins];
    Sampler s = new Sampler(SamplingParams.builder().temperature(t).seed(seed).build(), l.length);
    long zeros = 0;
    for (int d = 0; d < DRAWS; d++) {
      int v = s.sample(l, 0);
      if (p[v] == 0) {
        zeros++;
      }
      observed[bin[v]]++;
    }
    assertEquals(0, zeros, "tokens of weight 0 drawn");
    // Bins merged forward until each expects at least 5; a short remainder joins the last group.
    double[] ge = new double[bins];
    long[] go = new long[bins];
    int groups = 0;
    double e = 0;
    long o = 0;
    for (int b = 0; b < bins; b++) {
      e += expected[b];
      o += observed[b];
      if (e >= 5) {
        ge[groups] = e;
        go[groups++] = o;
        e = 0;
        o = 0;
      }
    }
    if (groups == 0) {
      groups = 1;
    }
    ge[groups - 1] += e;
    go[groups - 1] += o;
    double stat = 0;
    for (int g = 0; g < groups; g++) {
      stat += (go[g] - ge[g]) * (go[g] - ge[g]) / ge[g];
    }
    int df = groups - 1;
    assertTrue(df >= minDf, "bins: " + df);
    if (df == 0) {
      return; // one token holds all but a few draws' worth of mass: nothing to compare
    }
    double z = 4.753; // the standard normal's 1 - 1e-6 quantile
    double a = 2.0 / (9 * df);
    double limit = df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    assertTrue(stat < limit, "chi-square " + stat + " over " + df + " df, limit " + limit);
  }

  /** The softmax of the float weights {@link Sampler#candidates} computes; 0 below the cutoff. */
  private static double[] softmax(float[] l, float t) {
    float max = Float.NEGATIVE_INFINITY;
    for (float x : l) {
      max = Math.max(max, x);
    }
    float invT = 1f / t;
    float floor = max - Sampler.CUTOFF / invT;
    double[] p = new double[l.length];
    double z = 0;
    for (int i = 0; i < l.length; i++) {
      if (l[i] >= floor && l[i] != Float.NEGATIVE_INFINITY) {
        p[i] = (float) Math.exp((l[i] - max) * invT);
        z += p[i];
      }
    }
    for (int i = 0; i < l.length; i++) {
      p[i] /= z;
    }
    return p;
  }
}
