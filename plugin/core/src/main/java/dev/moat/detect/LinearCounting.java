package dev.moat.detect;

/**
 * Linear counting (Whang et al. 1990) over the 256-bit sets of {@link LinkStore}, from a table of
 * its 257 possible answers, so that judging a bucket costs bit counts and loads, not logarithms (a
 * request reads nine buckets, each through up to a dozen estimates).
 *
 * <p>Thread-safe: constants only.
 */
final class LinearCounting {
  private static final int M = 64 * LinkStore.SET;
  private static final double[] ESTIMATE = new double[M + 1];

  static {
    for (int set = 0; set < M; set++) {
      ESTIMATE[set] = -M * Math.log1p(-set / (double) M);
    }
    ESTIMATE[M] = M * Math.log(M); // a full set reads as the sketch's ceiling
  }

  private LinearCounting() {}

  /** Distinct items in the {@link LinkStore#SET}-word set at {@code words[at..]}. */
  static double estimate(long[] words, int at) {
    return ESTIMATE[bits(words, at)];
  }

  /**
   * Distinct items in the set at {@code words[at..]} that are not in the set at {@code
   * words[not..]} (sets indexed alike, such as two account sets of one bucket).
   */
  static double estimateAndNot(long[] words, int at, int not) {
    return ESTIMATE[
        Long.bitCount(words[at] & ~words[not])
            + Long.bitCount(words[at + 1] & ~words[not + 1])
            + Long.bitCount(words[at + 2] & ~words[not + 2])
            + Long.bitCount(words[at + 3] & ~words[not + 3])];
  }

  /** The bits set in the set at {@code words[at..]}. */
  static int bits(long[] words, int at) {
    return Long.bitCount(words[at])
        + Long.bitCount(words[at + 1])
        + Long.bitCount(words[at + 2])
        + Long.bitCount(words[at + 3]);
  }

  /**
   * Whether the set at {@code words[at..]} is in linear counting's accurate range: at most half its
   * bits set (about 177 distinct items).
   */
  static boolean accurate(long[] words, int at) {
    return bits(words, at) <= M / 2;
  }
}
