package dev.moat.internal;

import org.jspecify.annotations.Nullable;

/**
 * The packed green lists of {@link Kernels#kgwBiasToList} and {@link Kernels#kgwBiasFromList}:
 * their layout, their size, and the one-token-at-a-time loops both kernel implementations run on
 * what their vector loops leave. Thread-safe: static functions.
 */
public final class PackedLists {
  private PackedLists() {}

  /** Tokens per block of a packed list. */
  public static final int BLOCK = 512;

  /**
   * Ints of a packed green list for a row of {@code vocabSize} tokens: 16 per block of {@link
   * #BLOCK} tokens, the last block padded with zero bits.
   */
  public static int words(int vocabSize) {
    return ((vocabSize + BLOCK - 1) / BLOCK) * 16;
  }

  /**
   * Whether token {@code v} is set in a packed list. The layout: token {@code v} is bit {@code 31 -
   * ((v / 16) mod 32)} of int {@code 16 · (v / 512) + v mod 16}, so that one vector of 16 (or 8)
   * ints holds the bits of 32 consecutive vectors of tokens, and the bit of the k-th vector moves
   * to the sign after k shifts left.
   */
  public static boolean bit(int[] list, int v) {
    return (list[((v >>> 9) << 4) | (v & 15)] << ((v >>> 4) & 31)) < 0;
  }

  static void check(int base, int length, int[] list) {
    if (base % BLOCK != 0 || length < 0 || list.length < words(base + length)) {
      throw new IllegalArgumentException(
          "packed green list: base "
              + base
              + " must be a multiple of "
              + BLOCK
              + " and the list ("
              + list.length
              + " ints) must hold "
              + words(base + length)
              + " for "
              + length
              + " tokens");
    }
  }

  /** The periodic row of {@link Kernels#kgwBiasFromListChecked}, where there is one. */
  static void checkPeriodic(float @Nullable [] row, int period, int shift) {
    if (row != null
        && (period <= 0 || period % 64 != 0 || shift < 0 || shift > row.length - period)) {
      throw new IllegalArgumentException(
          "periodic row: period "
              + period
              + " must be a positive multiple of 64 and shift "
              + shift
              + " + period at most the row's "
              + row.length
              + " entries");
    }
  }

  /**
   * The tokens {@code [from, base + length)} of {@link Kernels#kgwBiasToList} one by one: clears
   * their blocks' words, then sets the green bits. For a last, partial block; {@code from} is a
   * multiple of {@link #BLOCK}.
   */
  public static void writeTail(
      float[] logits,
      int offset,
      int base,
      int from,
      int length,
      int s0,
      int s1,
      int threshold,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list) {
    int end = base + length;
    java.util.Arrays.fill(list, (from >>> 9) << 4, words(end), 0);
    for (int v = from; v < end; v++) {
      int i = v - base;
      int flag = ((TokenHash.fmix32((v * Kernels.GOLDEN + s0) ^ s1) >>> 8) - threshold) >>> 31;
      float x = row == null ? logits[offset + i] : logits[offset + i] + row[rowStart + i];
      logits[offset + i] = x + flag * delta;
      list[((v >>> 9) << 4) | (v & 15)] |= flag << (31 - ((v >>> 4) & 31));
    }
  }

  /** The tokens {@code [from, base + length)} of {@link Kernels#kgwBiasFromList} one by one. */
  public static void applyTail(
      float[] logits,
      int offset,
      int base,
      int from,
      int length,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list) {
    for (int v = from; v < base + length; v++) {
      int i = v - base;
      int flag = (list[((v >>> 9) << 4) | (v & 15)] << ((v >>> 4) & 31)) >>> 31;
      float x = row == null ? logits[offset + i] : logits[offset + i] + row[rowStart + i];
      logits[offset + i] = x + flag * delta;
    }
  }

  /**
   * The tokens {@code [from, length)} of {@link Kernels#kgwBiasFromListChecked} one by one ({@code
   * from} a multiple of 64); returns the largest {@code |x|} read, as raw bits (at least {@code
   * 0x7F800000} where an entry was NaN or infinite).
   */
  public static int applyChecked(
      float[] logits,
      int offset,
      int from,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift) {
    int m = 0;
    int r = row == null ? 0 : shift + from % period;
    for (int v = from; v < length; v++) {
      float in = logits[offset + v];
      m = Math.max(m, Float.floatToRawIntBits(in) & 0x7FFFFFFF);
      int flag = (list[((v >>> 9) << 4) | (v & 15)] << ((v >>> 4) & 31)) >>> 31;
      float x = in;
      if (row != null) {
        x = in + row[r];
        r = ++r == shift + period ? shift : r;
      }
      logits[offset + v] = x + flag * delta;
    }
    return m;
  }
}
