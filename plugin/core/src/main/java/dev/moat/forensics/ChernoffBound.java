package dev.moat.forensics;

import org.jspecify.annotations.Nullable;

/**
 * Chernoff's bound on the upper tail of {@code T = sum_i a_i (B_i - g)}, the {@code B_i}
 * independent Bernoulli(g) and the {@code a_i} fixed: {@code P[T >= t] <= exp(min over lambda >= 0
 * of (-lambda t + sum_i psi(lambda a_i)))}, with {@code psi(s) = log E exp(s (B - g)) = -g s +
 * log(1 - g + g e^s)} exactly. Every lambda gives a valid bound, so the minimum over the lambdas
 * Newton's method visits is one; the exponent is convex in lambda and Newton starts at the Gaussian
 * optimum {@code t / V}. Far tighter than Bernstein's inequality when a few terms are large (a
 * peaked distribution's top token) and the rest small, which is the green-mass test's case.
 *
 * <p>Thread-safe: stateless.
 */
final class ChernoffBound {
  private static final int ITERATIONS = 40;

  private ChernoffBound() {}

  /**
   * log10 of the bound for the terms {@code a[k][v]} (all of them), at {@code t}; 0 when {@code t
   * <= 0} or every term is 0.
   */
  static double log10UpperTail(float[][] a, double g, double t) {
    return upperTail(a, null, g, t)[0];
  }

  /**
   * {@code {log10 bound, lambda}}: the bound and the lambda it was attained at (lambda 0 where the
   * bound is 1), for the terms {@code w[k] · a[k][v]} ({@code w} null: all 1). A verifier needs
   * only one pass at that lambda ({@link #log10At}), since every lambda gives a valid bound.
   */
  static double[] upperTail(float[][] a, double @Nullable [] w, double g, double t) {
    double squares = 0;
    for (int k = 0; k < a.length; k++) {
      double wk = w == null ? 1 : w[k];
      for (float f : a[k]) {
        double x = wk * f;
        squares += x * x;
      }
    }
    if (!(t > 0) || squares == 0) {
      return new double[] {0, 0};
    }
    double lambda = t / (g * (1 - g) * squares);
    double best = 0; // lambda = 0
    double bestLambda = 0;
    double[] fd = new double[3];
    for (int it = 0; it < ITERATIONS; it++) {
      evaluate(a, w, g, t, lambda, fd);
      if (fd[0] < best) {
        best = fd[0];
        bestLambda = lambda;
      }
      double step = fd[1] / fd[2];
      double next = lambda - step;
      if (!(next > 0) || !Double.isFinite(next)) {
        next = lambda / 2;
      }
      if (Math.abs(next - lambda) <= 1e-12 * lambda) {
        break;
      }
      lambda = next;
    }
    return new double[] {best / Math.log(10), bestLambda};
  }

  /** log10 of the bound's exponent at one {@code lambda >= 0} (a valid bound at every lambda). */
  static double log10At(float[][] a, double @Nullable [] w, double g, double t, double lambda) {
    double[] fd = new double[3];
    evaluate(a, w, g, t, lambda, fd);
    return fd[0] / Math.log(10);
  }

  /** {@code fd} = the exponent at lambda, its first and second derivatives. */
  private static void evaluate(
      float[][] a, double @Nullable [] w, double g, double t, double lambda, double[] fd) {
    double f = -lambda * t;
    double d1 = -t;
    double d2 = 0;
    for (int k = 0; k < a.length; k++) {
      double wk = w == null ? 1 : w[k];
      for (float af : a[k]) {
        double x = wk * af;
        if (x == 0) {
          continue;
        }
        double s = lambda * x;
        double log;
        double q; // the tilted probability of B = 1
        if (s > 0) {
          double e = Math.exp(-s);
          log = s + Math.log(g + (1 - g) * e);
          q = g / (g + (1 - g) * e);
        } else {
          double e = Math.exp(s);
          log = Math.log1p(g * Math.expm1(s));
          q = g * e / (1 - g + g * e);
        }
        f += log - g * s;
        d1 += x * (q - g);
        d2 += x * x * q * (1 - q);
      }
    }
    fd[0] = f;
    fd[1] = d1;
    fd[2] = d2;
  }
}
