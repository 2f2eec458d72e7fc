package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GammaTailTest {
  @Test
  void closedFormsForSmallN() {
    for (double x : new double[] {0.1, 0.5, 1, 2, 5, 20, 100}) {
      assertEquals(-x / Math.log(10), GammaTail.log10Upper(1, x), 1e-10, "n=1 x=" + x);
      assertEquals(
          Math.log10(Math.exp(-x) * (1 + x)), GammaTail.log10Upper(2, x), 1e-10, "n=2 x=" + x);
    }
  }

  @Test
  void largeNAgreesWithThePoissonSum() {
    // Q(n, x) = P[Poisson(x) < n] = sum_{k<n} e^-x x^k / k!
    for (int n : new int[] {10, 50, 200}) {
      for (double x : new double[] {0.5 * n, n, 1.5 * n, 2.5 * n}) {
        double s = 0;
        double logTerm = -x;
        for (int k = 0; k < n; k++) {
          if (k > 0) {
            logTerm += Math.log(x) - Math.log(k);
          }
          s += Math.exp(logTerm);
        }
        assertEquals(Math.log10(s), GammaTail.log10Upper(n, x), 1e-8, "n=" + n + " x=" + x);
      }
    }
    assertEquals(GammaTail.logGamma(101), lnFactorial(100), 1e-9);
  }

  private static double lnFactorial(int n) {
    double s = 0;
    for (int i = 2; i <= n; i++) {
      s += Math.log(i);
    }
    return s;
  }
}
