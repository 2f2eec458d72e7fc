package dev.moat.internal;

/**
 * Exact binomial tail probabilities, computed in log space so that p-values far below 1e-300 are
 * still reported (as log10). Thread-safe: stateless.
 */
public final class Binomial {
  private Binomial() {}

  /** log10 of P[X >= k] for X ~ Binomial(n, p). */
  public static double log10UpperTail(int n, int k, double p) {
    if (k <= 0) {
      return 0;
    }
    if (k > n) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p <= 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p >= 1) {
      return 0;
    }
    // log of the first term C(n,k) p^k (1-p)^(n-k); the following terms by the ratio
    // t(i+1)/t(i) = (n-i)/(i+1) * p/(1-p), summed relative to the first and largest-so-far term.
    double logTerm = logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
    double ratio = p / (1 - p);
    double sum = 1;
    double rel = 1;
    for (int i = k; i < n; i++) {
      rel *= (double) (n - i) / (i + 1) * ratio;
      sum += rel;
      if (rel < sum * 1e-17) {
        break;
      }
      if (sum > 1e250) { // rescale to stay finite for tails far below the mean
        logTerm += Math.log(sum);
        rel /= sum;
        sum = 1;
      }
    }
    double log = logTerm + Math.log(sum);
    return Math.min(0, log / Math.log(10));
  }

  /** P[X >= k] for X ~ Binomial(n, p); may underflow to 0, see {@link #log10UpperTail}. */
  public static double upperTail(int n, int k, double p) {
    return Math.pow(10, log10UpperTail(n, k, p));
  }

  static double logChoose(int n, int k) {
    int kk = Math.min(k, n - k);
    double s = 0;
    for (int j = 1; j <= kk; j++) {
      s += Math.log((double) (n - kk + j) / j);
    }
    return s;
  }

  /** Upper tail of the standard normal, P[Z >= z], via the complementary error function. */
  public static double normalUpperTail(double z) {
    return 0.5 * erfc(z / Math.sqrt(2));
  }

  /** log10 of the standard normal upper tail, finite far past where the tail underflows. */
  public static double log10NormalUpperTail(double z) {
    if (z < 10) {
      return Math.log10(Binomial.normalUpperTail(z));
    }
    // Mills ratio: Q(z) = phi(z) / z · (1 - 1/z^2 + 3/z^4 - ...), relative error < 15/z^6 (1.5e-5
    // at 10; the Chebyshev erfc's error grows in the far tail, 3% at 30).
    double z2 = z * z;
    double series = 1 - 1 / z2 + 3 / (z2 * z2);
    return (-z2 / 2 - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(series)) / Math.log(10);
  }

  /**
   * Complementary error function: the Chebyshev fit of Numerical Recipes' {@code erfcc}, fractional
   * error below 1.2e-7.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
