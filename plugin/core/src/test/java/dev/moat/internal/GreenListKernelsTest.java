package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The packed green-list kernels ({@link Kernels#kgwBiasToList}, {@link Kernels#kgwBiasFromList})
 * against the hashing ones, bit for bit, in both implementations: lengths below, at and around the
 * 512-token block and the vector width, offsets, rows added in the same pass, and the layout that
 * {@link Kernels#listBit} reads.
 */
class GreenListKernelsTest {
  private static final int[] LENGTHS = {
    1, 15, 16, 17, 64, 100, 511, 512, 513, 576, 640, 1000, 1024, 2047, 2048, 4099, 32000, 128256
  };

  private static List<Kernels> both() {
    Kernels v = Kernels.vector();
    assertNotNull(v, "tests run with --add-modules jdk.incubator.vector");
    return List.of(Kernels.scalar(), v);
  }

  private static float[] row(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * 3);
    }
    if (n > 3) {
      a[0] = -0f;
      a[1] = Float.NEGATIVE_INFINITY;
      a[2] = Float.MAX_VALUE;
    }
    return a;
  }

  private static void assertSameBits(float[] expected, float[] got, String what) {
    for (int i = 0; i < got.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
        assertEquals(expected[i], got[i], what + ": bits at " + i);
        assertEquals(
            Float.floatToRawIntBits(expected[i]),
            Float.floatToRawIntBits(got[i]),
            what + ": bits at " + i);
      }
    }
  }

  @Test
  void aListIsWrittenAsHashingFindsItAndAppliedBitIdentically() {
    SplittableRandom r = new SplittableRandom(5);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 3; trial++) {
        int offset = r.nextInt(5);
        int s0 = r.nextInt();
        int s1 = r.nextInt();
        int threshold = r.nextInt(1 << 24);
        float delta = trial == 2 ? 0f : (float) r.nextDouble(0.1, 5);
        float[] logits = row(r, offset + len + 3);
        float[] hashed = logits.clone();
        Kernels.scalar()
            .kgwBias(hashed, offset, 0, len, s0, s1, threshold, delta, new int[Kernels.BLOCK]);
        int[] first = null;
        for (Kernels k : both()) {
          String what = k.name() + " len " + len;
          int[] list = new int[PackedLists.words(len) + 3];
          Arrays.fill(list, -1); // every word the list covers is overwritten
          float[] written = logits.clone();
          k.kgwBiasToList(
              written,
              offset,
              0,
              len,
              s0,
              s1,
              threshold,
              delta,
              null,
              0,
              list,
              new int[Kernels.BLOCK]);
          assertSameBits(hashed, written, what + " writing");
          for (int v = 0; v < PackedLists.words(len) / 16 * PackedLists.BLOCK; v++) {
            boolean green =
                v < len && (TokenHash.fmix32((v * Kernels.GOLDEN + s0) ^ s1) >>> 8) < threshold;
            assertEquals(green, PackedLists.bit(list, v), what + " bit of token " + v);
          }
          assertEquals(-1, list[PackedLists.words(len)], what + ": wrote past the list");
          float[] applied = logits.clone();
          k.kgwBiasFromList(applied, offset, 0, len, delta, null, 0, list);
          assertSameBits(hashed, applied, what + " reading");
          if (first == null) {
            first = list;
          } else {
            assertTrue(Arrays.equals(first, list), what + ": the two kernels' lists differ");
          }
        }
      }
    }
  }

  @Test
  void aRowAddedInTheSamePassIsBitIdenticalToTheRowThenTheBias() {
    SplittableRandom r = new SplittableRandom(6);
    int period = 2048;
    for (int len : LENGTHS) {
      int offset = r.nextInt(5);
      int shift = r.nextInt(period);
      int s0 = r.nextInt();
      int s1 = r.nextInt();
      int threshold = r.nextInt(1 << 24);
      float delta = (float) r.nextDouble(0.1, 5);
      float[] pattern = new float[2 * period];
      for (int i = 0; i < period; i++) {
        pattern[i] = pattern[i + period] = r.nextBoolean() ? 1.4142135f : 0f;
      }
      float[] logits = row(r, offset + len + 3);
      float[] expected = logits.clone();
      for (int b = 0; b < len; b += period) {
        Kernels.scalar()
            .kgwBiasAddRow(
                expected,
                offset + b,
                b,
                Math.min(period, len - b),
                s0,
                s1,
                threshold,
                delta,
                pattern,
                shift,
                new int[Kernels.BLOCK]);
      }
      for (Kernels k : both()) {
        String what = k.name() + " len " + len;
        int[] list = new int[PackedLists.words(len)];
        float[] written = logits.clone();
        for (int b = 0; b < len; b += period) {
          k.kgwBiasToList(
              written,
              offset + b,
              b,
              Math.min(period, len - b),
              s0,
              s1,
              threshold,
              delta,
              pattern,
              shift,
              list,
              new int[Kernels.BLOCK]);
        }
        assertSameBits(expected, written, what + " writing");
        float[] applied = logits.clone();
        for (int b = 0; b < len; b += period) {
          k.kgwBiasFromList(
              applied, offset + b, b, Math.min(period, len - b), delta, pattern, shift, list);
        }
        assertSameBits(expected, applied, what + " reading");
      }
    }
  }

  @Test
  void aBaseOffTheBlockOrAShortListIsRefusedBeforeAnythingIsWritten() {
    float[] logits = new float[2048];
    int[] list = new int[PackedLists.words(2048)];
    for (Kernels k : both()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> k.kgwBiasFromList(logits, 0, 16, 1024, 1f, null, 0, list));
      assertTrue(e.getMessage().contains("base 16 must be a multiple of 512"), e.getMessage());
      int[] shortList = new int[16];
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  k.kgwBiasToList(
                      logits,
                      0,
                      0,
                      2048,
                      1,
                      2,
                      3,
                      1f,
                      (float @Nullable []) null,
                      0,
                      shortList,
                      new int[Kernels.BLOCK]));
      assertTrue(e.getMessage().contains("(16 ints) must hold 64"), e.getMessage());
    }
    assertTrue(Arrays.equals(new float[2048], logits));
  }
}
