package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import java.util.Arrays;

/**
 * The one-sample Kolmogorov–Smirnov test that p-values are Uniform(0, 1): the statistic {@code D =
 * sup |F_n(x) - x|} and its p-value {@code P[D_n >= d]}.
 *
 * <p>The p-value is exact: Marsaglia, Tsang and Wang, "Evaluating Kolmogorov's Distribution",
 * Journal of Statistical Software 8(18), 2003 (Durbin's matrix, raised to the n-th power with
 * exponent tracking), wherever {@code s = n·d² <= 7.24}, that is wherever the p-value is above
 * about 1.5e-6. Further in the tail their closed form {@code 2·exp(-(2.000071 + 0.331/√n +
 * 1.409/n)·s)} is used, within a few percent of the exact value there (5.7e-11 against 5.4e-11 at n
 * = 300, d = 0.2): a test that rejects, rejects either way. The matrix has {@code 2⌊n·d⌋ + 1} rows,
 * at most 539 for {@code n <= 10,000} (a few seconds). {@code examples/verify/moat_evidence_v1.py}
 * implements the same computation.
 *
 * <p>Thread-safe: stateless.
 */
public final class KolmogorovSmirnov {
  /** Largest sample size tested (bounds the matrix: 2·√(7.24·n) + 1 rows). */
  public static final int MAX_N = 10_000;

  private KolmogorovSmirnov() {}

  /**
   * The result of a test.
   *
   * @param n sample size
   * @param d the statistic {@code sup |F_n(x) - x|}
   * @param pValue {@code P[D_n >= d]} under uniformity
   */
  public record Result(int n, double d, double pValue) {
    /** Whether uniformity is rejected at level {@code alpha}. */
    public boolean rejects(double alpha) {
      return pValue <= alpha;
    }
  }

  /** Tests that {@code pValues} (each in [0, 1]) are a sample of Uniform(0, 1). */
  public static Result uniform(double[] pValues) {
    int n = pValues.length;
    if (n < 1 || n > MAX_N) {
      throw new IllegalArgumentException(invalid("sample size", n, "in [1, " + MAX_N + "]"));
    }
    double[] x = pValues.clone();
    Arrays.sort(x);
    if (!(x[0] >= 0 && x[n - 1] <= 1)) {
      throw new IllegalArgumentException(
          invalid("p-value", x[0] < 0 || Double.isNaN(x[0]) ? x[0] : x[n - 1], "in [0, 1]"));
    }
    double d = 0;
    for (int i = 0; i < n; i++) {
      d = Math.max(d, Math.max((i + 1.0) / n - x[i], x[i] - (double) i / n));
    }
    return new Result(n, d, pValue(n, d));
  }

  /** {@code P[D_n >= d]} for n uniform observations. */
  public static double pValue(int n, double d) {
    if (n < 1 || n > MAX_N) {
      throw new IllegalArgumentException(invalid("n", n, "in [1, " + MAX_N + "]"));
    }
    if (d <= 0) {
      return 1;
    }
    if (d >= 1) {
      return 0;
    }
    double s = d * d * n;
    if (s > 7.24) {
      return Math.min(1, 2 * Math.exp(-(2.000071 + .331 / Math.sqrt(n) + 1.409 / n) * s));
    }
    return Math.min(1, Math.max(0, 1 - cdf(n, d)));
  }

  /** {@code P[D_n < d]} by Durbin's matrix (Marsaglia, Tsang and Wang 2003, function K). */
  static double cdf(int n, double d) {
    int k = (int) (n * d) + 1;
    int m = 2 * k - 1;
    double h = k - n * d;
    double[] hm = new double[m * m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        hm[i * m + j] = i - j + 1 < 0 ? 0 : 1;
      }
    }
    for (int i = 0; i < m; i++) {
      hm[i * m] -= Math.pow(h, i + 1);
      hm[(m - 1) * m + i] -= Math.pow(h, m - i);
    }
    hm[(m - 1) * m] += 2 * h - 1 > 0 ? Math.pow(2 * h - 1, m) : 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        if (i - j + 1 > 0) {
          for (int g = 1; g <= i - j + 1; g++) {
            hm[i * m + j] /= g;
          }
        }
      }
    }
    Power q = power(hm, 0, m, n);
    double s = q.v[(k - 1) * m + k - 1];
    int e = q.e;
    for (int i = 1; i <= n; i++) {
      s = s * i / n;
      if (s < 1e-140) {
        s *= 1e140;
        e -= 140;
      }
    }
    return s * Math.pow(10, e);
  }

  /** A matrix times {@code 10^e}. */
  private static final class Power {
    final double[] v;
    final int e;

    Power(double[] v, int e) {
      this.v = v;
      this.e = e;
    }
  }

  private static Power power(double[] a, int ea, int m, int n) {
    if (n == 1) {
      return new Power(a.clone(), ea);
    }
    Power half = power(a, ea, m, n / 2);
    double[] b = multiply(half.v, half.v, m);
    int eb = 2 * half.e;
    double[] v;
    int ev;
    if (n % 2 == 0) {
      v = b;
      ev = eb;
    } else {
      v = multiply(a, b, m);
      ev = ea + eb;
    }
    if (v[(m / 2) * m + m / 2] > 1e140) {
      for (int i = 0; i < v.length; i++) {
        v[i] *= 1e-140;
      }
      ev += 140;
    }
    return new Power(v, ev);
  }

  private static double[] multiply(double[] a, double[] b, int m) {
    double[] c = new double[m * m];
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < m; k++) {
        double aik = a[i * m + k];
        if (aik == 0) {
          continue;
        }
        for (int j = 0; j < m; j++) {
          c[i * m + j] += aik * b[k * m + j];
        }
      }
    }
    return c;
  }
}
