package dev.moat.detect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Runs of bytes found eight at a time (SWAR: a word's bytes tested with a few integer operations),
 * then byte by byte from the word that holds the end. C2 does not vectorize a loop that stops at a
 * byte: a byte at a time, finding a trace line's end and reading its strings took a fifth of a
 * replay's reading thread (JFR, 2026-12-04). The tests below are exact for whether a word holds
 * such a byte (the classic "has a zero byte" form: {@code (x - 0x01..) & ~x & 0x80..} is non-zero
 * if and only if a byte of {@code x} is zero), so the byte loop decides every position.
 *
 * <p>Thread-safe: stateless.
 */
final class ByteRuns {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private ByteRuns() {}

  /** The first index in {@code [from, to)} holding {@code '\n'}, or {@code to}. */
  static int newline(byte[] b, int from, int to) {
    int i = from;
    for (; i <= to - 8; i += 8) {
      if (zeroByte((long) LONGS.get(b, i) ^ (ONES * '\n'))) {
        break;
      }
    }
    while (i < to && b[i] != '\n') {
      i++;
    }
    return i;
  }

  /**
   * The first index in {@code [from, to)} whose byte a JSON string does not take as it is (below
   * 0x20, the quote, the backslash, or not ASCII: {@code plain} is false for it), or {@code to}.
   */
  static int plain(byte[] b, int from, int to, boolean[] plain) {
    int i = from;
    for (; i <= to - 8; i += 8) {
      long x = (long) LONGS.get(b, i);
      // Not ASCII; or, all ASCII, one below 0x20 (exact without high bytes); a quote; a backslash.
      if ((x & HIGHS) != 0
          || ((x - ONES * 0x20) & ~x & HIGHS) != 0
          || zeroByte(x ^ (ONES * '"'))
          || zeroByte(x ^ (ONES * '\\'))) {
        break;
      }
    }
    while (i < to && plain[b[i] & 0xFF]) {
      i++;
    }
    return i;
  }

  private static boolean zeroByte(long x) {
    return ((x - ONES) & ~x & HIGHS) != 0;
  }
}
