package dev.moat.sampling;

/**
 * Heap sort of {@code long} keys, descending: what top-p uses to order the nucleus's candidates
 * (weight bits above, inverted id below), without allocating.
 *
 * <p>Stateless and thread-safe.
 */
final class LongHeap {
  private LongHeap() {}

  /** In-place heap sort, descending; allocation-free and deterministic. */
  static void sortDescending(long[] a, int n) {
    // Build a min-heap, then repeatedly move the minimum to the end: the result is descending.
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDownMin(a, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      long t = a[0];
      a[0] = a[end];
      a[end] = t;
      siftDownMin(a, 0, end);
    }
  }

  private static void siftDownMin(long[] a, int i, int n) {
    long x = a[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && a[c + 1] < a[c]) {
        c++;
      }
      if (a[c] >= x) {
        break;
      }
      a[i] = a[c];
      i = c;
    }
    a[i] = x;
  }
}
