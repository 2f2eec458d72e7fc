package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ChernoffBound}: its optimum where it has a closed form, and a bound where it has none. */
class ChernoffBoundTest {
  /** KL divergence of Bernoulli(x) from Bernoulli(g), in nats. */
  static double kl(double x, double g) {
    return x * Math.log(x / g) + (1 - x) * Math.log((1 - x) / (1 - g));
  }

  @Test
  void equalTermsGiveTheBinomialChernoffBound() {
    // n terms of 1: T = (greens - g n), and Chernoff's optimum is exp(-n KL(g + t/n || g)).
    for (int n : new int[] {10, 1_000, 100_000}) {
      float[][] a = {new float[n]};
      java.util.Arrays.fill(a[0], 1f);
      for (double share : new double[] {0.3, 0.5, 0.9}) {
        double g = 0.25;
        double t = (share - g) * n;
        double expected = -n * kl(share, g) / Math.log(10);
        assertEquals(
            expected,
            ChernoffBound.log10UpperTail(a, g, t),
            1e-6 * Math.max(1, Math.abs(expected)),
            "n " + n + ", share " + share);
      }
    }
  }

  @Test
  void nothingAboveTheMeanIsNoEvidence() {
    float[][] a = {{0.5f, 0.25f}, {0f, 0.125f}};
    assertEquals(0, ChernoffBound.log10UpperTail(a, 0.25, 0));
    assertEquals(0, ChernoffBound.log10UpperTail(a, 0.25, -1));
    assertEquals(0, ChernoffBound.log10UpperTail(new float[][] {{0f}}, 0.25, 1));
  }

  @Test
  void itBoundsTheSimulatedTailOfMixedTerms() {
    // Terms like a green-mass test's: a few large (peaked contexts), many small, some negative
    // (a reference's differences). 200,000 draws of T; at each of five thresholds the simulated
    // tail must stay below the bound (allowing 4 binomial standard errors of the simulation).
    SplittableRandom r = new SplittableRandom(42);
    float[][] a = new float[40][64];
    for (float[] row : a) {
      for (int v = 0; v < row.length; v++) {
        row[v] = (float) (v == 0 ? r.nextDouble(0.3, 0.9) : r.nextGaussian() * 0.02);
      }
    }
    double g = 0.25;
    int draws = 200_000;
    double[] t = new double[draws];
    for (int d = 0; d < draws; d++) {
      double s = 0;
      for (float[] row : a) {
        for (float x : row) {
          s += x * ((r.nextDouble() < g ? 1 : 0) - g);
        }
      }
      t[d] = s;
    }
    java.util.Arrays.sort(t);
    for (double q : new double[] {0.5, 0.9, 0.99, 0.999, 0.9999}) {
      double at = t[(int) (q * draws)];
      double tail = 1 - q;
      double bound = Math.pow(10, ChernoffBound.log10UpperTail(a, g, at));
      double se = Math.sqrt(tail * (1 - tail) / draws);
      assertTrue(tail - 4 * se <= bound, "q " + q + ": tail " + tail + " > bound " + bound);
      // Not vacuous: within two orders of magnitude of the tail it bounds, above the median.
      assertTrue(at <= 0 || bound < 100 * tail, "q " + q + ": bound " + bound);
    }
  }

  @Test
  void theReturnedLambdaGivesTheBoundInOnePassAndNoOtherLambdaBeatsIt() {
    // A verifier recomputes the bound at the stated lambda alone (every lambda is a valid bound):
    // that must be the bound reported, and a scan of other lambdas must not find a smaller one
    // (beyond rounding), or the search stopped early.
    SplittableRandom r = new SplittableRandom(7);
    float[][] a = new float[30][50];
    for (float[] row : a) {
      for (int v = 0; v < row.length; v++) {
        row[v] = (float) (r.nextDouble() < 0.1 ? r.nextDouble(0.1, 0.6) : r.nextGaussian() * 0.01);
      }
    }
    double g = 0.25;
    for (double t : new double[] {0.5, 2, 5}) {
      double[] b = ChernoffBound.upperTail(a, null, g, t);
      assertTrue(b[0] < 0 && b[1] > 0, "t " + t);
      assertEquals(b[0], ChernoffBound.log10At(a, null, g, t, b[1]), 1e-12 * Math.abs(b[0]));
      for (double f = 0.5; f <= 2; f += 0.05) {
        assertTrue(
            ChernoffBound.log10At(a, null, g, t, f * b[1]) >= b[0] - 1e-9, "t " + t + " f " + f);
      }
    }
    assertEquals(0, ChernoffBound.upperTail(a, null, g, -1)[1]);
  }

  @Test
  void rowWeightsAreTheBoundOfTheWeightedTerms() {
    SplittableRandom r = new SplittableRandom(11);
    float[][] a = new float[20][30];
    double[] w = new double[a.length];
    float[][] product = new float[a.length][30];
    for (int k = 0; k < a.length; k++) {
      w[k] = 1 << r.nextInt(4); // powers of two: the float product below is exact
      for (int v = 0; v < 30; v++) {
        a[k][v] = (float) (r.nextGaussian() * 0.1);
        product[k][v] = (float) (w[k] * a[k][v]);
      }
    }
    double[] weighted = ChernoffBound.upperTail(a, w, 0.25, 15);
    double[] materialised = ChernoffBound.upperTail(product, null, 0.25, 15);
    assertTrue(weighted[0] < -1, "a bound below 0.1: " + weighted[0]);
    assertEquals(materialised[0], weighted[0], 1e-12);
    assertEquals(materialised[1], weighted[1], 1e-12);
  }
}
