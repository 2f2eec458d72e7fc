package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BinomialTest {
  @Test
  void exactTailsOfSmallCases() {
    assertEquals(0.623046875, Binomial.upperTail(10, 5, 0.5), 1e-12);
    assertEquals(1.0 / 1024, Binomial.upperTail(10, 10, 0.5), 1e-15);
    assertEquals(1.0, Binomial.upperTail(10, 0, 0.5), 0);
    assertEquals(0.0, Binomial.upperTail(10, 11, 0.5), 0);
    // P[X >= 2], X ~ Bin(4, 0.25) = 1 - 0.75^4 - 4 * 0.25 * 0.75^3 = 0.26171875
    assertEquals(0.26171875, Binomial.upperTail(4, 2, 0.25), 1e-12);
  }

  @Test
  void agreesWithTheDirectSumAtModerateN() {
    int n = 200;
    double p = 0.25;
    for (int k = 0; k <= n; k += 7) {
      double direct = 0;
      for (int i = k; i <= n; i++) {
        direct += Math.exp(Binomial.logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
      }
      assertEquals(direct, Binomial.upperTail(n, k, p), 1e-12 + 1e-9 * direct, "k=" + k);
    }
  }

  @Test
  void reportsTailsFarBelowDoublePrecisionAsFiniteLogs() {
    double log10 = Binomial.log10UpperTail(5000, 5000, 0.25);
    assertEquals(5000 * Math.log10(0.25), log10, 1e-6);
    assertTrue(Double.isFinite(log10));
  }

  @Test
  void normalTailIsAccurate() {
    assertEquals(0.5, Binomial.normalUpperTail(0), 1e-7);
    assertEquals(0.022750131948179, Binomial.normalUpperTail(2), 1e-8);
    assertEquals(3.167124183311992e-05, Binomial.normalUpperTail(4), 1e-11);
  }
}
