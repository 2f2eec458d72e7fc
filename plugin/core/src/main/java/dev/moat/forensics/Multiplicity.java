package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Corrections for testing several hypotheses, on log10 p-values (so that p-values far below 1e-300
 * survive): Holm's step-down procedure across a family of tests (several schemes or settings on the
 * same suspect), and Bonferroni across a scan of keys. Both control the family-wise error rate
 * under any dependence between the tests.
 *
 * <p>Thread-safe: stateless.
 */
public final class Multiplicity {
  private Multiplicity() {}

  /**
   * Holm's adjusted p-values (Holm 1979, "A simple sequentially rejective multiple test
   * procedure"), as log10: sort the m p-values ascending, {@code adj_(i) = max_{j <= i} min(1, (m -
   * j + 1) · p_(j))} (1-based), returned in the input's order. A test is rejected at family-wise
   * level alpha exactly when its adjusted p-value is at most alpha.
   */
  public static double[] holmLog10(double[] log10P) {
    int m = log10P.length;
    for (double l : log10P) {
      if (!(l <= 0)) {
        throw new IllegalArgumentException(invalid("log10 p-value", l, "<= 0"));
      }
    }
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      order[i] = i;
    }
    // Stable: ties keep their input order, so equal p-values get equal adjusted values anyway.
    Arrays.sort(order, Comparator.comparingDouble(i -> log10P[i]));
    double[] adj = new double[m];
    double running = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < m; r++) {
      int i = order[r];
      double a = Math.min(0, Math.log10(m - r) + log10P[i]);
      running = Math.max(running, a);
      adj[i] = running;
    }
    return adj;
  }

  /** Holm's adjusted p-values of plain p-values (see {@link #holmLog10}). */
  public static double[] holm(double[] p) {
    double[] l = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      if (!(p[i] >= 0 && p[i] <= 1)) {
        throw new IllegalArgumentException(invalid("p-value", p[i], "in [0, 1]"));
      }
      l[i] = Math.log10(p[i]);
    }
    double[] a = holmLog10(l);
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.pow(10, a[i]);
    }
    return a;
  }

  /** Bonferroni: {@code log10 min(1, m · p)} for one of {@code m} tests (a scan of m keys). */
  public static double bonferroniLog10(double log10P, int m) {
    if (m < 1) {
      throw new IllegalArgumentException(invalid("tests", m, ">= 1"));
    }
    if (!(log10P <= 0)) {
      throw new IllegalArgumentException(invalid("log10 p-value", log10P, "<= 0"));
    }
    return Math.min(0, Math.log10(m) + log10P);
  }
}
