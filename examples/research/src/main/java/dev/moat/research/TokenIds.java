package dev.moat.research;

/**
 * Token id sequences: a beginning-of-sequence token prepended, two sequences joined. Thread-safe.
 */
public final class TokenIds {
  private TokenIds() {}

  /** {@code ids} with {@code bos} in front. */
  public static int[] withBos(int[] ids, int bos) {
    int[] r = new int[ids.length + 1];
    r[0] = bos;
    System.arraycopy(ids, 0, r, 1, ids.length);
    return r;
  }

  /** {@code a} followed by {@code b}. */
  public static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
