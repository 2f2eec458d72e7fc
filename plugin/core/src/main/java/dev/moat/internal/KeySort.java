package dev.moat.internal;

/**
 * Sorts 64-bit keys in ascending order by a stable radix sort of their high words, for keys whose
 * low words are already ascending in the order given: the top-p nucleus's keys ({@code (~weight
 * bits) << 32 | id}, collected in id order), where {@code Arrays.sort} of about 20,000 such keys (a
 * Gaussian row of 128,256) took about 1.2 ms in a harness. The result is the order {@link
 * java.util.Arrays#sort(long[], int, int)} gives, since a stable sort by the high word leaves equal
 * high words in their (ascending) low-word order.
 *
 * <p>Four passes of eight bits, each skipped when every key has the same digit there (the weights
 * of a nucleus share most of their exponent bits); the four digits are counted in one read. Below
 * {@value #SMALL} keys it calls {@code Arrays.sort}.
 *
 * <p>Not thread-safe: one instance per request; its scratch is allocated once, in the constructor.
 */
public final class KeySort {
  /** Fewer keys than this are sorted by {@code Arrays.sort}. */
  static final int SMALL = 256;

  private final long[] scratch;
  private final int[] counts;

  /** For up to {@code capacity} keys; with 0 it holds nothing and sorts nothing. */
  public KeySort(int capacity) {
    this.scratch = new long[capacity];
    this.counts = new int[capacity > 0 ? 4 * 256 : 0];
  }

  /**
   * Sorts {@code keys[0 .. n)} ascending. Requires the low words of the keys, as unsigned ints, to
   * be ascending in the given order; otherwise keys of equal high words keep their given order.
   */
  public void sort(long[] keys, int n) {
    sort(keys, 0, n);
  }

  /** {@link #sort(long[], int)} of {@code keys[from .. from + n)}. */
  public void sort(long[] keys, int from, int n) {
    if (n < SMALL) {
      java.util.Arrays.sort(keys, from, from + n);
      return;
    }
    long[] a = keys;
    int aFrom = from;
    long[] b = scratch;
    int bFrom = 0;
    int[] c = counts;
    java.util.Arrays.fill(c, 0);
    for (int i = from; i < from + n; i++) { // the four digits' counts in one read of the keys
      int h = (int) (keys[i] >>> 32);
      c[h & 0xFF]++;
      c[256 + ((h >>> 8) & 0xFF)]++;
      c[512 + ((h >>> 16) & 0xFF)]++;
      c[768 + (h >>> 24)]++;
    }
    for (int pass = 0; pass < 4; pass++) {
      int shift = 32 + 8 * pass;
      int base = 256 * pass;
      if (c[base + ((int) (a[aFrom] >>> shift) & 0xFF)] == n) {
        continue; // one digit for all: the pass would copy the keys as they are
      }
      int sum = 0;
      for (int d = base; d < base + 256; d++) {
        int k = c[d];
        c[d] = sum;
        sum += k;
      }
      for (int i = 0; i < n; i++) {
        long key = a[aFrom + i];
        b[bFrom + c[base + ((int) (key >>> shift) & 0xFF)]++] = key;
      }
      long[] t = a;
      a = b;
      b = t;
      int f = aFrom;
      aFrom = bFrom;
      bFrom = f;
    }
    if (a != keys) {
      System.arraycopy(a, aFrom, keys, from, n);
    }
  }
}
