package dev.moat.research;

/** Token id sequences joined. Thread-safe: stateless. */
public final class TokenIds {
  private TokenIds() {}

  /** {@code a} followed by {@code b}. */
  public static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
