package dev.moat.research;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The adversary experiment's language model, its teacher and its students alike: an interpolated
 * trigram model (0.6 trigram, 0.35 bigram, 0.05 unigram with add-0.01 smoothing; the weights
 * renormalised over the contexts seen). As the teacher it is fitted to the bundled model's own
 * clean answers and stands in for it: its full next-token distribution costs one copy of a
 * precomputed row plus the context's seen successors, so a harvest of 100,000 answers runs through
 * Moat in minutes where the bundled model would need hours on two cores. As a student it is fitted
 * to a harvest, and writes with or without a logit bias.
 *
 * <p>Immutable once built, and thread-safe.
 */
public final class NgramLm {
  static final double TRI = 0.6;
  static final double BI = 0.35;
  static final double UNI = 0.05;

  private final int vocab;
  private final double[] uni;
  private final Table tri;
  private final Table bi;

  /** Log-probability rows of the unigram part alone, for each set of contexts seen. */
  private final float[] baseBoth;

  private final float[] baseBi;
  private final float[] baseNone;

  /**
   * Fits the model to texts: in each, every token from the third on is counted after the two before
   * it.
   */
  public NgramLm(int vocab, List<int[]> texts) {
    if (vocab > (1 << 20)) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("vocab", vocab, "at most 1048576"));
    }
    this.vocab = vocab;
    long n = 0;
    for (int[] x : texts) {
      n += Math.max(0, x.length - 2);
    }
    long[] triples = new long[Math.toIntExact(n)];
    long[] pairs = new long[triples.length];
    long[] u = new long[vocab];
    int k = 0;
    for (int[] x : texts) {
      for (int i = 2; i < x.length; i++) {
        triples[k] = ((long) x[i - 2] << 42) | ((long) x[i - 1] << 21) | x[i];
        pairs[k++] = ((long) x[i - 1] << 21) | x[i];
        u[x[i]]++;
      }
    }
    uni = new double[vocab];
    for (int v = 0; v < vocab; v++) {
      uni[v] = (u[v] + 0.01) / (n + 0.01 * vocab);
    }
    tri = new Table(triples);
    bi = new Table(pairs);
    baseBoth = base(UNI / (TRI + BI + UNI));
    baseBi = base(UNI / (BI + UNI));
    baseNone = base(1);
  }

  /**
   * Successor counts by context, in sorted arrays: the context's successors are {@code
   * tokens[offsets[c] .. offsets[c + 1])}, sorted, with cumulative counts.
   */
  private static final class Table {
    final long[] contexts;
    final int[] offsets;
    final int[] tokens;
    final int[] cum;

    /** From (context << 21 | token) values, in any order (sorted here, in place). */
    Table(long[] entries) {
      Arrays.sort(entries);
      int contextsN = 0;
      int distinct = 0;
      for (int i = 0; i < entries.length; i++) {
        if (i == 0 || entries[i] != entries[i - 1]) {
          distinct++;
          if (i == 0 || (entries[i] >>> 21) != (entries[i - 1] >>> 21)) {
            contextsN++;
          }
        }
      }
      contexts = new long[contextsN];
      offsets = new int[contextsN + 1];
      tokens = new int[distinct];
      cum = new int[distinct];
      int c = -1;
      int d = -1;
      for (int i = 0; i < entries.length; i++) {
        long ctx = entries[i] >>> 21;
        if (c < 0 || ctx != contexts[c]) {
          contexts[++c] = ctx;
          offsets[c] = d + 1;
        }
        if (i == 0 || entries[i] != entries[i - 1]) {
          tokens[++d] = (int) (entries[i] & 0x1FFFFF);
          cum[d] = 0;
        }
        cum[d]++;
      }
      offsets[contextsN] = distinct;
      // Counts to cumulative counts within each context.
      for (int x = 0; x < contextsN; x++) {
        for (int j = offsets[x] + 1; j < offsets[x + 1]; j++) {
          cum[j] += cum[j - 1];
        }
      }
    }

    /** The context's index, or -1 if it was never seen. */
    int find(long context) {
      int i = Arrays.binarySearch(contexts, context);
      return i < 0 ? -1 : i;
    }

    double p(int c, int token) {
      if (c < 0) {
        return 0;
      }
      int from = offsets[c];
      int to = offsets[c + 1];
      int i = Arrays.binarySearch(tokens, from, to, token);
      if (i < 0) {
        return 0;
      }
      return (cum[i] - (i == from ? 0 : cum[i - 1])) / (double) cum[to - 1];
    }

    int sample(int c, SplittableRandom r) {
      int from = offsets[c];
      int to = offsets[c + 1];
      int x = r.nextInt(cum[to - 1]) + 1;
      int i = Arrays.binarySearch(cum, from, to, x);
      return tokens[i >= 0 ? i : -i - 1];
    }
  }

  int vocab() {
    return vocab;
  }

  private float[] base(double w) {
    float[] r = new float[vocab];
    for (int v = 0; v < vocab; v++) {
      r[v] = (float) Math.log(w * uni[v]);
    }
    return r;
  }

  private static long triContext(int prev2, int prev) {
    return ((long) prev2 << 21) | prev;
  }

  /** The probability of {@code token} after {@code prev2, prev}. */
  double prob(int prev2, int prev, int token) {
    return probAt(tri.find(triContext(prev2, prev)), bi.find(prev), token);
  }

  private double probAt(int t, int b, int token) {
    double wt = t < 0 ? 0 : TRI;
    double wb = b < 0 ? 0 : BI;
    return (wt * tri.p(t, token) + wb * bi.p(b, token) + UNI * uni[token]) / (wt + wb + UNI);
  }

  /**
   * Fills {@code row} with the log-probabilities of every token after {@code prev2, prev}: the
   * unigram part's precomputed row, then the context's successors. Every trigram successor is a
   * bigram successor of the same context (both are counted from the same texts), so the row holds
   * their probabilities first and their logarithms after one more pass.
   */
  void logits(int prev2, int prev, float[] row) {
    int t = tri.find(triContext(prev2, prev));
    int b = bi.find(prev);
    float[] base = t >= 0 && b >= 0 ? baseBoth : b >= 0 ? baseBi : baseNone;
    System.arraycopy(base, 0, row, 0, vocab);
    if (b < 0) {
      return;
    }
    double z = (t < 0 ? 0 : TRI) + BI + UNI;
    double nb = bi.cum[bi.offsets[b + 1] - 1];
    for (int j = bi.offsets[b]; j < bi.offsets[b + 1]; j++) {
      int c = bi.cum[j] - (j == bi.offsets[b] ? 0 : bi.cum[j - 1]);
      row[bi.tokens[j]] = (float) ((BI * c / nb + UNI * uni[bi.tokens[j]]) / z);
    }
    if (t >= 0) {
      double nt = tri.cum[tri.offsets[t + 1] - 1];
      for (int j = tri.offsets[t]; j < tri.offsets[t + 1]; j++) {
        int c = tri.cum[j] - (j == tri.offsets[t] ? 0 : tri.cum[j - 1]);
        row[tri.tokens[j]] += (float) (TRI * c / nt / z);
      }
    }
    for (int j = bi.offsets[b]; j < bi.offsets[b + 1]; j++) {
      row[bi.tokens[j]] = (float) Math.log(row[bi.tokens[j]]);
    }
  }

  /** A token drawn from the distribution after {@code prev2, prev}. */
  int sample(int prev2, int prev, SplittableRandom r) {
    int t = tri.find(triContext(prev2, prev));
    int b = bi.find(prev);
    double wt = t < 0 ? 0 : TRI;
    double wb = b < 0 ? 0 : BI;
    double u = r.nextDouble() * (wt + wb + UNI);
    if (u < wt) {
      return tri.sample(t, r);
    }
    if (u < wt + wb) {
      return bi.sample(b, r);
    }
    double x = r.nextDouble();
    for (int v = 0; v < vocab; v++) {
      x -= uni[v];
      if (x <= 0) {
        return v;
      }
    }
    return vocab - 1;
  }

  /**
   * The perplexity of texts (each token from {@code from} on, after the two before it): {@code exp}
   * of the mean negative log-probability.
   */
  public double perplexity(List<int[]> texts, int from) {
    double nll = 0;
    long n = 0;
    for (int[] x : texts) {
      for (int i = Math.max(2, from); i < x.length; i++) {
        nll -= Math.log(prob(x[i - 2], x[i - 1], x[i]));
        n++;
      }
    }
    return Math.exp(nll / Math.max(1, n));
  }
}
