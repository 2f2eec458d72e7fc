package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KolmogorovSmirnovTest {
  /**
   * Exact values of {@code P[D_n >= d]} from SciPy 1.17's {@code scipy.stats.kstwo.sf(d, n)}, an
   * independent implementation (Simard and L'Ecuyer 2011; exact, by Durbin's matrix or Pomeranz's
   * recursion, for n <= 140 with n·d² <= 4), to 1e-9 relative; n = 1 by hand: D = max(x, 1 - x), so
   * P[D >= 0.75] = 0.5. At n = 1,000 SciPy uses asymptotic expansions (Pelz-Good, Miller's
   * two-sided Smirnov), accurate to about 1e-7 relative: to 1e-6 there.
   */
  @Test
  void exactPValuesMatchAnIndependentImplementation() {
    double[][] cases = {
      {1, 0.75, 0.5, 1e-9},
      {5, 0.3, 0.664, 1e-9},
      {10, 0.2, 0.7487190399999999, 1e-9},
      {50, 0.1, 0.6623112704658186, 1e-9},
      {100, 0.1, 0.2526927570063874, 1e-9},
      {100, 0.15, 0.019839242125641813, 1e-9},
      {1000, 0.03, 0.3226902143914636, 1e-6},
      {1000, 0.05, 0.013012074781090332, 1e-6},
      {1000, 0.06, 0.001428597887952891, 1e-6},
      {1000, 0.07, 0.00010494206285958879, 1e-6},
    };
    for (double[] c : cases) {
      double p = KolmogorovSmirnov.pValue((int) c[0], c[1]);
      assertEquals(c[2], p, c[2] * c[3], "n=" + c[0] + " d=" + c[1]);
    }
  }

  /**
   * Beyond n·d² = 7.24 (p below about 1.5e-6) the closed form is used: within 10% of SciPy's value
   * at p = 5.4e-11.
   */
  @Test
  void theTailApproximationIsCloseToTheExactValue() {
    assertEquals(5.4021531300969695e-11, KolmogorovSmirnov.pValue(300, 0.2), 5.4e-12);
    assertEquals(1, KolmogorovSmirnov.pValue(10, 0));
    assertEquals(0, KolmogorovSmirnov.pValue(10, 1));
  }

  /**
   * Uniform samples (seed 2026, n = 1,000) are not rejected at 1e-3; and over 400 samples of 100
   * the test's size at 5% is within 2.5% to 8% (400 trials: sd 1.1%, about 2.5 sd either side).
   */
  @Test
  void uniformSamplesAreNotRejectedAndTheTestHasItsSize() {
    SplittableRandom r = new SplittableRandom(2026);
    double[] u = new double[1000];
    for (int i = 0; i < u.length; i++) {
      u[i] = r.nextDouble();
    }
    KolmogorovSmirnov.Result res = KolmogorovSmirnov.uniform(u);
    assertFalse(res.rejects(1e-3), res.toString());
    int rejected = 0;
    for (int s = 0; s < 400; s++) {
      double[] v = new double[100];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextDouble();
      }
      rejected += KolmogorovSmirnov.uniform(v).rejects(0.05) ? 1 : 0;
    }
    assertTrue(rejected >= 10 && rejected <= 32, rejected + "/400");
  }

  /** p-values that are too small (squares of uniforms) are rejected at 1e-6 with n = 1,000. */
  @Test
  void nonUniformSamplesAreRejected() {
    SplittableRandom r = new SplittableRandom(7);
    double[] u = new double[1000];
    for (int i = 0; i < u.length; i++) {
      double x = r.nextDouble();
      u[i] = x * x;
    }
    KolmogorovSmirnov.Result res = KolmogorovSmirnov.uniform(u);
    assertTrue(res.rejects(1e-6), res.toString());
    assertTrue(res.d() > 0.2, res.toString());
  }

  @Test
  void theStatisticIsTheLargestGapByHand() {
    // Sorted 0.1, 0.2, 0.9 (n = 3): gaps i/n - x = 0.233, 0.467, 0.1; x - (i-1)/n = 0.1, -0.133,
    // 0.233. D = 0.4667.
    KolmogorovSmirnov.Result res = KolmogorovSmirnov.uniform(new double[] {0.9, 0.1, 0.2});
    assertEquals(2.0 / 3 - 0.2, res.d(), 1e-15);
    assertEquals(
        "`p-value` was '1.5' but it must be in [0, 1]",
        assertThrows(
                IllegalArgumentException.class,
                () -> KolmogorovSmirnov.uniform(new double[] {0.5, 1.5}))
            .getMessage());
    assertEquals(
        "`sample size` was '0' but it must be in [1, 10000]",
        assertThrows(IllegalArgumentException.class, () -> KolmogorovSmirnov.uniform(new double[0]))
            .getMessage());
  }
}
