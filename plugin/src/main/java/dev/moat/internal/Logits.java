package dev.moat.internal;

/**
 * Checks on logits rows. Thread-safe: stateless.
 *
 * <p>{@link #firstInvalid} is on the per-token path: a counted loop of integer operations with an OR
 * reduction, which C2 vectorises, and the slow search for the offending index only when the fast
 * scan found one.
 */
public final class Logits {
  private static final int NEG_INF_BITS = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);

  private Logits() {}

  /**
   * Index (relative to {@code offset}) of the first NaN or +Infinity in the row, or -1 if there is
   * none. -Infinity is allowed: hosts use it to exclude tokens.
   */
  public static int firstInvalid(float[] logits, int offset, int length) {
    int bad = 0;
    for (int i = 0; i < length; i++) {
      bad |= invalidBit(Float.floatToRawIntBits(logits[offset + i]));
    }
    if (bad == 0) {
      return -1;
    }
    for (int i = 0; i < length; i++) {
      if (invalidBit(Float.floatToRawIntBits(logits[offset + i])) != 0) {
        return i;
      }
    }
    throw new AssertionError("unreachable");
  }

  /** 1 if the float with these bits is NaN or +Infinity, else 0; branch-free. */
  static int invalidBit(int bits) {
    // Exponent all ones (|bits| >= 0x7F800000) means Inf or NaN: adding 0x00800000 then overflows
    // into the sign bit.
    int nonFinite = ((bits & 0x7FFFFFFF) + 0x00800000) >>> 31;
    // d == 0 exactly for -Infinity; (d | -d) has its sign bit set for every other value.
    int d = bits ^ NEG_INF_BITS;
    int notNegInf = (d | -d) >>> 31;
    return nonFinite & notNegInf;
  }
}
