package dev.moat.internal;

/**
 * Checks on logits rows. Thread-safe: stateless.
 *
 * <p>{@link #firstInvalid} is on the per-token path. Its fast pass ({@link Kernels#allFinite}) sums
 * {@code x * 0f} over the row: the product is 0 for every finite {@code x} and NaN for NaN and both
 * infinities, so the sum is 0 exactly when the row is finite. Only a row with a non-finite entry (a
 * -Infinity mask from the host, or a bad value) takes a second vector pass ({@link
 * Kernels#noneRejected}), and only a row with a NaN or +Infinity the scalar one that finds it (a
 * masked row of 128,256 took 92-118 us in that scalar pass before).
 */
public final class Logits {
  private static final int NEG_INF_BITS = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);

  private Logits() {}

  /**
   * Index (relative to {@code offset}) of the first NaN or +Infinity in the row, or -1 if there is
   * none. -Infinity is allowed: hosts use it to exclude tokens.
   */
  public static int firstInvalid(float[] logits, int offset, int length) {
    if (allFinite(logits, offset, length)
        || KERNELS.noneRejected(logits, offset, length)) { // -Infinity masks only
      return -1;
    }
    for (int i = 0; i < length; i++) {
      if (invalidBit(Float.floatToRawIntBits(logits[offset + i])) != 0) {
        return i;
      }
    }
    return -1; // only -Infinity entries
  }

  /** True if every entry of the row is finite. */
  static boolean allFinite(float[] l, int offset, int length) {
    return KERNELS.allFinite(l, offset, length);
  }

  private static final Kernels KERNELS = Kernels.get();

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
