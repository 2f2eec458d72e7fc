package dev.moat.sampling;

import dev.moat.internal.KeySort;

/**
 * Top-p's gathered weights summed by fine bucket (a weight's float bits shifted right by {@value
 * #SHIFT}: its exponent and first five mantissa bits, 1/32 of an octave), so that finding where the
 * nucleus ends sorts the tokens of one bucket instead of the whole nucleus. Buckets in decreasing
 * order are weights in decreasing order, so the running sum over the sorted weights at a bucket's
 * end is the sum of that bucket and those above it.
 *
 * <p>Why the result is the sorted walk's, bit for bit: every float weight at or above {@code
 * lowest} is an integer multiple of {@code q = ulp(lowest)}, and so is every sum of such weights.
 * While those sums stay below {@code 2^53 q} each is a double, so every addition of them is exact
 * and gives the same double in any order. {@link #cross} checks that bound (with the gathered mass,
 * which is larger, against {@code 2^52 q}) for the lowest bucket it sums; where it fails the caller
 * sorts every gathered token as before.
 *
 * <p>Not thread-safe: one per {@link Nucleus}, allocated with the request.
 */
final class WeightBuckets {
  /** A weight's bucket is its float bits shifted right by this. */
  static final int SHIFT = 18;

  /** Masses of the buckets of positive floats; zero outside {@code [lo, hi]}. */
  private final double[] mass = new double[1 << (31 - SHIFT)];

  /**
   * Each bucket's tokens as a list through {@link #next}, the last filled first (-1 ends a list and
   * marks an empty bucket), so that a bucket's tokens are read without a pass over the others.
   */
  private final int[] head = new int[mass.length];

  private final int[] next;

  private int lo = mass.length;
  private int hi = -1;

  /** The bucket where the nucleus ends, its tokens' keys (sorted) at the end of the key array. */
  private int last;

  private int lastSize;

  /** How many of {@link #last}'s tokens (first in its sorted order) end the nucleus. */
  private int prefix;

  /** The nucleus's mass: every bucket above {@link #last} and its prefix. */
  private double total;

  private final long[] keys;
  private final KeySort keySort;

  /** For up to {@code capacity} gathered tokens, sharing {@code keys} and its sort. */
  WeightBuckets(int capacity, long[] keys, KeySort keySort) {
    this.keys = keys;
    this.keySort = keySort;
    this.next = new int[capacity];
    java.util.Arrays.fill(head, -1);
  }

  private static int bucket(float w) {
    return Float.floatToRawIntBits(w) >>> SHIFT;
  }

  /** The key that sorts weight descending, then id ascending, as {@link Nucleus} builds it. */
  private static long key(float w, int id) {
    return ~(((long) Float.floatToRawIntBits(w) << 32) | (~id & 0xFFFFFFFFL));
  }

  /** Sums {@code w[0 .. m)} (positive weights, in id order) by bucket, and lists each bucket's. */
  void fill(float[] w, int m) {
    if (hi >= lo) {
      java.util.Arrays.fill(mass, lo, hi + 1, 0d);
      java.util.Arrays.fill(head, lo, hi + 1, -1);
    }
    int low = mass.length;
    int high = -1;
    double[] s = mass;
    int[] h = head;
    int[] after = next;
    for (int j = 0; j < m; j++) {
      float x = w[j];
      int b = bucket(x);
      s[b] += x;
      after[j] = h[b];
      h[b] = j;
      low = Math.min(low, b);
      high = Math.max(high, b);
    }
    lo = low;
    hi = high;
  }

  /**
   * Where the running sum over the sorted weights ends the nucleus: walking the weights in that
   * order, the token whose running sum first reaches {@code high}, unless a running sum lies in
   * {@code [low, high)} first ({@link Nucleus}'s rule). Returns 1 when decided ({@link #total} is
   * then the nucleus's mass), 0 when the rule refuses, and -1 when the sums might not be exact.
   *
   * @param gathered the sum of the weights {@link #fill} read (bounds every sum taken here)
   */
  int cross(float[] w, int[] ids, double low, double high, double gathered) {
    double cum = 0;
    int b = hi;
    for (; b >= lo; b--) {
      double reached = cum + mass[b];
      if (reached >= low) {
        break;
      }
      cum = reached;
    }
    int lowest = Math.max(b, lo);
    double q = Math.ulp(Float.intBitsToFloat(lowest << SHIFT));
    if (!(gathered < Math.scalb(q, 52))) {
      return -1;
    }
    if (b < lo) {
      return 0; // every gathered token's running sum stays below low: the sorted walk refuses
    }
    int n = collect(w, ids, b, keys.length);
    int from = keys.length - n;
    for (int i = 0; i < n; i++) {
      if (cum >= low) {
        return 0; // the previous token's running sum may already reach the target
      }
      cum += Float.intBitsToFloat((int) (~keys[from + i] >>> 32));
      if (cum >= high) {
        last = b;
        lastSize = n;
        prefix = i + 1;
        total = cum;
        return 1;
      }
    }
    return 0; // the next bucket's first token finds the running sum at or past low
  }

  /** The mass of the nucleus {@link #cross} decided. */
  double total() {
    return total;
  }

  /**
   * Sorts bucket {@code b}'s tokens by key into the keys ending at {@code end}; returns how many.
   * Its list runs from the highest index down, so the keys are written backwards: in id order, as
   * {@link KeySort} needs.
   */
  private int collect(float[] w, int[] ids, int b, int end) {
    int at = end;
    for (int j = head[b]; j >= 0; j = next[j]) {
      keys[--at] = key(w[j], ids[j]);
    }
    keySort.sort(keys, at, end - at);
    return end - at;
  }

  /**
   * Writes the nucleus {@link #cross} decided into {@code ids}/{@code w}, sorted by weight
   * descending and id ascending (what the sorted walk leaves); returns its size.
   */
  int sorted(float[] w, int[] ids) {
    int lastFrom = keys.length - lastSize;
    int above = 0;
    for (int b = hi; b > last; b--) { // buckets in order of weight, each sorted
      int n = 0;
      for (int j = head[b]; j >= 0; j = next[j]) {
        n++;
      }
      above += n;
      collect(w, ids, b, above);
    }
    for (int i = 0; i < above; i++) {
      long k = ~keys[i];
      ids[i] = ~(int) k;
      w[i] = Float.intBitsToFloat((int) (k >>> 32));
    }
    for (int i = 0; i < prefix; i++) {
      long k = ~keys[lastFrom + i];
      ids[above + i] = ~(int) k;
      w[above + i] = Float.intBitsToFloat((int) (k >>> 32));
    }
    return above + prefix;
  }
}
