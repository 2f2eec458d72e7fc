package dev.moat.research;

import java.util.Arrays;

/**
 * The attacker's estimate: a (context, token) tuple, the context being the {@code width} tokens
 * before, is called green when its rate in the harvest beats its rate in the reference answers by
 * more than {@link AdversaryExperiment#Z} standard errors (a two-proportion z-test within the
 * context). Tuples never seen in the harvest are never called green: a counting attacker knows
 * nothing of them. Kept as a sorted array of the green tuples, so a context's green tokens are one
 * binary search away.
 */
final class GreenEstimate {
  final int width;
  final long[] greens;

  GreenEstimate(int width, int[][] marked, int[][] reference, int to, int stride, int offset) {
    this.width = width;
    long[] w = tuples(width, marked, to, stride, offset);
    long[] r = tuples(width, reference, to, stride, offset);
    long[] out = new long[64];
    int found = 0;
    int j = 0;
    for (int i = 0; i < w.length; ) {
      int end = i;
      while (end < w.length && w[end] == w[i]) {
        end++;
      }
      long tuple = w[i];
      long context = tuple >>> 21;
      while (j < r.length && r[j] < tuple) {
        j++;
      }
      int cr = 0;
      while (j + cr < r.length && r[j + cr] == tuple) {
        cr++;
      }
      int nw = count(w, context);
      int nr = count(r, context);
      if (nr > 0) {
        double pw = (end - i) / (double) nw;
        double pr = cr / (double) nr;
        double pool = (end - i + cr) / (double) (nw + nr);
        double se = Math.sqrt(pool * (1 - pool) * (1.0 / nw + 1.0 / nr));
        if (se > 0 && (pw - pr) / se > AdversaryExperiment.Z) {
          if (found == out.length) {
            out = Arrays.copyOf(out, found * 2);
          }
          out[found++] = tuple;
        }
      }
      i = end;
    }
    greens = Arrays.copyOf(out, found);
  }

  /**
   * Every (context, token) tuple of answers {@code offset, offset + stride, …} below {@code to},
   * sorted: the context's tokens, then the token, 21 bits each (so sorted by context first).
   */
  private static long[] tuples(int width, int[][] texts, int to, int stride, int offset) {
    int n = 0;
    for (int i = offset; i < to; i += stride) {
      n += texts[i].length - AdversaryExperiment.TAIL;
    }
    long[] t = new long[n];
    int k = 0;
    for (int i = offset; i < to; i += stride) {
      for (int p = AdversaryExperiment.TAIL; p < texts[i].length; p++) {
        t[k++] = key(width, texts[i], p);
      }
    }
    Arrays.sort(t);
    return t;
  }

  /** The tuple at position {@code p}: the {@code width} tokens before it, then it. */
  static long key(int width, int[] t, int p) {
    long k = 0;
    for (int i = p - width; i <= p; i++) {
      k = (k << 21) | t[i];
    }
    return k;
  }

  /** How many of the sorted tuples have this context. */
  private static int count(long[] sortedTuples, long context) {
    return lowerBound(sortedTuples, (context + 1) << 21) - lowerBound(sortedTuples, context << 21);
  }

  static int lowerBound(long[] a, long x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (a[m] < x) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
    return lo;
  }

  /** Whether token {@code t[p]} is called green after the tokens before it. */
  boolean green(int[] t, int p) {
    return Arrays.binarySearch(greens, key(width, t, p)) >= 0;
  }

  /** Whether {@code token} would be called green at position {@code p} of {@code t}. */
  boolean green(int[] t, int p, int token) {
    return Arrays.binarySearch(greens, (key(width - 1, t, p - 1) << 21) | token) >= 0;
  }

  /**
   * Lowers the tokens called green at position {@code p} of {@code t} in {@code row}, once each.
   */
  void bias(float[] row, int[] t, int p, boolean[] done) {
    long context = key(width - 1, t, p - 1);
    for (int i = lowerBound(greens, context << 21);
        i < greens.length && (greens[i] >>> 21) == context;
        i++) {
      int v = (int) (greens[i] & 0x1FFFFF);
      if (!done[v]) {
        done[v] = true;
        row[v] -= (float) AdversaryExperiment.BIAS;
      }
    }
  }
}
