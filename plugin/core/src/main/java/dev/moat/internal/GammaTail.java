package dev.moat.internal;

/**
 * The upper tail of the Gamma(n, 1) distribution, {@code Q(n, x) = Γ(n, x) / Γ(n)}, in log space:
 * the p-value of a sum of {@code n} independent Exp(1) scores (the exponential watermark's null).
 * Series for {@code x < n + 1}, Lentz's continued fraction otherwise (Numerical Recipes §6.2).
 *
 * <p>Thread-safe: stateless.
 */
public final class GammaTail {
  private GammaTail() {}

  /** log10 of P[X >= x] for X ~ Gamma(n, 1), n >= 1. */
  public static double log10Upper(int n, double x) {
    if (x <= 0) {
      return 0;
    }
    double a = n;
    double logPrefix = -x + a * Math.log(x) - logGamma(a);
    double lnQ;
    if (x < a + 1) {
      // P(a, x) by its series; Q = 1 - P.
      double ap = a;
      double sum = 1 / a;
      double del = sum;
      for (int i = 0; i < 100_000; i++) {
        ap += 1;
        del *= x / ap;
        sum += del;
        if (Math.abs(del) < Math.abs(sum) * 1e-16) {
          break;
        }
      }
      double p = Math.exp(logPrefix + Math.log(sum));
      lnQ = Math.log1p(-Math.min(p, 1.0));
    } else {
      double b = x + 1 - a;
      double c = 1 / 1e-300;
      double d = 1 / b;
      double h = d;
      for (int i = 1; i < 100_000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (Math.abs(d) < 1e-300) {
          d = 1e-300;
        }
        c = b + an / c;
        if (Math.abs(c) < 1e-300) {
          c = 1e-300;
        }
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (Math.abs(del - 1) < 1e-16) {
          break;
        }
      }
      lnQ = logPrefix + Math.log(h);
    }
    return Math.min(0, lnQ / Math.log(10));
  }

  /** ln Γ(a) for a > 0 (Lanczos, g = 7, n = 9; relative error below 1e-15). */
  static double logGamma(double a) {
    if (a < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
    }
    double[] c = {
      0.9999999999998099,
      676.5203681218851,
      -1259.1392167224028,
      771.3234287776531,
      -176.6150291621406,
      12.507343278686905,
      -0.13857109526572012,
      9.984369578019572e-6,
      1.5056327351493116e-7
    };
    double x = a - 1;
    double s = c[0];
    for (int i = 1; i < 9; i++) {
      s += c[i] / (x + i);
    }
    double t = x + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
  }
}
