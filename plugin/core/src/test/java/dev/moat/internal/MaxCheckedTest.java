package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#maxChecked}: the maximum and summary of {@link Kernels#max(float[], int, int,
 * float[])} where {@link Kernels#noneRejected} holds, NaN where it does not; in both
 * implementations, with bad entries of every kind in the body, the last group and the tail.
 */
class MaxCheckedTest {
  private static final float NEGATIVE_NAN = Float.intBitsToFloat(0xFFC00001);
  private static final float[] BAD = {
    Float.NaN, NEGATIVE_NAN, Float.intBitsToFloat(0x7F800001), Float.POSITIVE_INFINITY
  };

  @Test
  void theMaximumAndSummaryOfAValidRowAndNaNForAnInvalidOne() {
    SplittableRandom r = new SplittableRandom(17);
    int checked = 0;
    for (int round = 0; round < 400; round++) {
      int length = 1 + r.nextInt(3000);
      int offset = r.nextInt(20);
      float[] l = new float[offset + length + r.nextInt(20)];
      for (int i = 0; i < l.length; i++) {
        l[i] = r.nextInt(30) == 0 ? Float.NEGATIVE_INFINITY : (float) (4 * r.nextGaussian());
      }
      int kind = r.nextInt(4); // 0: valid; 1: bad in the body; 2: in the last 80; 3: all -Infinity
      if (kind == 1) {
        l[offset + r.nextInt(length)] = BAD[r.nextInt(BAD.length)];
      } else if (kind == 2) {
        l[offset + Math.max(0, length - 1 - r.nextInt(80))] = BAD[r.nextInt(BAD.length)];
      } else if (kind == 3) {
        java.util.Arrays.fill(l, offset, offset + length, Float.NEGATIVE_INFINITY);
      }
      // A bad entry outside the row must not count.
      if (offset > 0) {
        l[offset - 1] = Float.NaN;
      }
      if (offset + length < l.length) {
        l[offset + length] = Float.POSITIVE_INFINITY;
      }
      for (Kernels k : CheckedListPassTest.both()) {
        boolean valid = k.noneRejected(l, offset, length);
        float[] expected = new float[k.summaryLength(length)];
        float max = k.max(l, offset, length, expected);
        float[] summary = new float[k.summaryLength(length)];
        float got = k.maxChecked(l, offset, length, summary);
        String at = k.name() + ", round " + round + ", kind " + kind;
        if (valid) {
          assertEquals(Float.floatToRawIntBits(max), Float.floatToRawIntBits(got), at);
          assertArrayEquals(expected, summary, at);
        } else {
          assertTrue(Float.isNaN(got), at + ": " + got);
        }
        assertEquals(kind == 1 || kind == 2, !valid, at);
        checked++;
      }
    }
    assertTrue(checked >= 800, "checked " + checked);
  }
}
