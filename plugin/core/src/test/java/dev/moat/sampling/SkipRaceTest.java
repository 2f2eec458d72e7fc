package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.spi.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The unkeyed race of {@link Sampler#sample} (temperature alone) draws from the exact softmax over
 * the sampler's candidates, far tokens included: chi-square goodness of fit over many draws, fixed
 * seeds, against the softmax of the float weights {@link Sampler#candidates} gives.
 */
class SkipRaceTest {
  private static final int DRAWS = 200_000;

  /**
   * 80 tokens near the maximum (the gathered tier: at least {@link SkipRace#NEAR_MIN}, and the rest
   * more than {@link SkipRace#NEAR_GAP} nats below) and 3,000 between 5.5 and 7.3 nats below it,
   * which together hold about 8% of the mass and are reached only by the geometric skips, plus
   * masked tokens and tokens below the cutoff that must never be drawn (checked draw by draw).
   * Bins: each near token, and the far tokens in groups of 100 ids. Without the far phase the far
   * bins get nothing and the statistic is in the thousands.
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
    assertTrue(near >= SkipRace.NEAR_MIN && near <= SkipRace.NEAR_CAP);
    assertTrue(0.3f - SkipRace.NEAR_GAP > -5.2f, "the far tokens are outside the gathered tier");
    int[] bin = new int[vocab];
    for (int i = 0; i < vocab; i++) {
      bin[i] = i < near ? i : near + (i - near) / 100;
    }
    for (float t : new float[] {1f, 0.9f}) {
      // At T = 0.9 the gap scales with T and the far tokens weigh less.
      chiSquare(l, t, bin, near + 30, 17 + (long) (t * 10));
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
   * Draws {@value #DRAWS} tokens and asserts that the chi-square statistic over the bins is below
   * its 1 - 1e-6 quantile (Wilson-Hilferty), so that a correct sampler fails with probability below
   * 1e-6 (the seeds are fixed: it either passes or fails for good). Bins of expected count under 5
   * are merged with the ones after them.
   */
  private static void chiSquare(float[] l, float t, int[] bin, int bins, long seed) {
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
    double stat = 0;
    int df = -1;
    double e = 0;
    long o = 0;
    for (int b = 0; b < bins; b++) {
      e += expected[b];
      o += observed[b];
      if (e >= 5 || b == bins - 1) {
        stat += (o - e) * (o - e) / e;
        df++;
        e = 0;
        o = 0;
      }
    }
    double z = 4.753; // the standard normal's 1 - 1e-6 quantile
    double a = 2.0 / (9 * df);
    double limit = df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    assertTrue(df >= 20, "bins: " + df);
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
