package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The one-pass kernel of a cached step ({@link Kernels#kgwBiasFromListChecked}): the green list's
 * bias after a periodic row, with the row check in the same pass. In both implementations, bit for
 * bit against a one-token-at-a-time reference written here from the definition, and against {@link
 * Kernels#kgwBiasFromList} run period by period as the pipeline ran it before; its check against
 * {@link Kernels#allFinite} of the input, with NaN, +Infinity and -Infinity at every kind of
 * position (vector body, the tail past the last group of 64); and the edited row keeps the class of
 * every non-finite entry, so {@link Logits#firstInvalid} on it finds what it finds on the input.
 */
class CheckedListPassTest {
  private static final int[] LENGTHS = {
    1, 15, 63, 64, 65, 100, 511, 512, 513, 1000, 2047, 2048, 2049, 4099, 32000, 50257, 128256
  };
  private static final int[] PERIODS = {64, 512, 2048};

  static List<Kernels> both() {
    Kernels v = Kernels.vector();
    assertNotNull(v, "tests run with --add-modules jdk.incubator.vector");
    return List.of(Kernels.scalar(), v);
  }

  private static float[] gaussian(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * 3);
    }
    if (n > 3) {
      a[0] = -0f;
      a[2] = Float.MAX_VALUE; // finite: MAX_VALUE plus a few nats rounds back to it
    }
    return a;
  }

  private static int[] list(SplittableRandom r, int n) {
    int[] list = new int[PackedLists.words(n)];
    float[] scratchRow = new float[n];
    Kernels.scalar()
        .kgwBiasToList(
            scratchRow,
            0,
            0,
            n,
            r.nextInt(),
            r.nextInt(),
            1 << 22,
            2f,
            null,
            0,
            list,
            new int[1024]);
    return list;
  }

  /** The definition, one token at a time. */
  private static float[] reference(
      float[] in, int[] list, float delta, float @Nullable [] row, int period, int shift) {
    float[] out = in.clone();
    for (int v = 0; v < in.length; v++) {
      float x = row == null ? in[v] : in[v] + row[shift + v % period];
      out[v] = x + (PackedLists.bit(list, v) ? delta : 0f);
    }
    return out;
  }

  private static void assertSameBits(float[] expected, float[] got, String what) {
    for (int i = 0; i < got.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
        assertEquals(
            Float.floatToRawIntBits(expected[i]),
            Float.floatToRawIntBits(got[i]),
            what + ": bits at " + i + " (" + expected[i] + " vs " + got[i] + ")");
      }
    }
  }

  @Test
  void theOnePassIsBitIdenticalToTheDefinitionAndToThePassesItReplaces() {
    SplittableRandom r = new SplittableRandom(11);
    for (Kernels k : both()) {
      for (int n : LENGTHS) {
        int[] list = list(r, n);
        for (int period : PERIODS) {
          float[] pattern = gaussian(r, 2 * period);
          int shift = r.nextInt(period);
          for (boolean withRow : new boolean[] {false, true}) {
            float[] row = withRow ? pattern : null;
            float[] in = gaussian(r, n);
            float[] got = in.clone();
            String what = k.name() + ", n " + n + ", period " + period + ", row " + withRow;
            assertEquals(
                true, k.kgwBiasFromListChecked(got, 0, n, 1.75f, list, row, period, shift), what);
            assertSameBits(reference(in, list, 1.75f, row, period, shift), got, what);
            if (period % PackedLists.BLOCK == 0) { // the pipeline's former chunked passes
              float[] chunked = in.clone();
              for (int b = 0; b < n; b += period) {
                k.kgwBiasFromList(chunked, b, b, Math.min(period, n - b), 1.75f, row, shift, list);
              }
              assertSameBits(chunked, got, what + " (chunked)");
            }
          }
        }
      }
    }
  }

  @Test
  void theCheckFindsEveryNonFiniteEntryAndTheEditedRowKeepsItsClass() {
    SplittableRandom r = new SplittableRandom(12);
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (Kernels k : both()) {
      for (int n : new int[] {1, 63, 64, 100, 2049, 50257, 128256}) {
        int[] list = list(r, n);
        float[] pattern = gaussian(r, 4096);
        for (float value : bad) {
          // In the body, in the last group of 64 and in the tail after it.
          for (int at : new int[] {0, r.nextInt(n), Math.max(0, n - 65), n - 1}) {
            for (float @Nullable [] row : new float[][] {null, pattern}) {
              float[] in = gaussian(r, n);
              in[at] = value;
              float[] got = in.clone();
              String what =
                  k.name()
                      + ", n "
                      + n
                      + ", "
                      + value
                      + " at "
                      + at
                      + (row == null ? ", no row" : ", a row");
              assertEquals(
                  false, k.kgwBiasFromListChecked(got, 0, n, 2f, list, row, 2048, 99), what);
              assertSameBits(reference(in, list, 2f, row, 2048, 99), got, what);
              assertEquals(Logits.firstInvalid(in, 0, n), Logits.firstInvalid(got, 0, n), what);
            }
          }
        }
      }
    }
  }

  /**
   * {@link Kernels#kgwBiasFromListSummarized}: the row {@link Kernels#kgwBiasFromListChecked}
   * leaves, and the summary and maximum that {@link Kernels#max(float[], int, int, float[])} takes
   * of it afterwards, bit for bit; NaN exactly when the edited row holds NaN or +Infinity (the
   * input's, or an overflow: the rows hold {@code Float.MAX_VALUE}, as does the periodic row), a
   * host's -Infinity mask allowed, wherever it stands (body, last group, tail), in both
   * implementations.
   */
  @Test
  void theSummarizedPassLeavesTheRowSummaryAndMaximumOfThePassThenTheScan() {
    SplittableRandom r = new SplittableRandom(15);
    float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f};
    for (Kernels k : both()) {
      for (int n : LENGTHS) {
        int[] list = list(r, n);
        for (int period : PERIODS) {
          float[] pattern = gaussian(r, 2 * period);
          int shift = r.nextInt(period);
          for (boolean withRow : new boolean[] {false, true}) {
            float[] row = withRow ? pattern : null;
            for (float special : specials) {
              float[] in = gaussian(r, n);
              int at = special == 0f ? -1 : r.nextBoolean() ? n - 1 : r.nextInt(n);
              if (at >= 0) {
                in[at] = special;
              }
              if (special == 0f && n > 70) {
                in[2] = 1f;
                in[n - 1] = 40f; // the maximum in the tail past the last group of 64
              }
              String what =
                  k.name()
                      + ", n "
                      + n
                      + ", period "
                      + period
                      + ", row "
                      + withRow
                      + ", "
                      + special
                      + " at "
                      + at;
              float[] twoPasses = in.clone();
              boolean finite =
                  k.kgwBiasFromListChecked(twoPasses, 0, n, 1.5f, list, row, period, shift);
              float[] expectedSummary = new float[k.summaryLength(n) + 1];
              float expectedMax = k.max(twoPasses, 0, n, expectedSummary);
              float[] got = in.clone();
              float[] summary = new float[k.summaryLength(n) + 1];
              summary[summary.length - 1] = 99f; // past the summary: left alone
              float max =
                  k.kgwBiasFromListSummarized(got, 0, n, 1.5f, list, row, period, shift, summary);
              assertSameBits(twoPasses, got, what);
              boolean rejected = Logits.firstInvalid(twoPasses, 0, n) >= 0; // overflows included
              assertEquals(finite, at < 0, what);
              if (rejected) {
                assertEquals(Float.NaN, max, what);
                continue;
              }
              assertEquals(
                  Float.floatToRawIntBits(expectedMax), Float.floatToRawIntBits(max), what);
              expectedSummary[expectedSummary.length - 1] = 99f;
              assertSameBits(expectedSummary, summary, what + " (summary)");
            }
          }
        }
      }
    }
  }

  @Test
  void theSummarizedPassRefusesAShortSummaryBeforeWriting() {
    SplittableRandom r = new SplittableRandom(16);
    int[] list = list(r, 5000);
    for (Kernels k : both()) {
      float[] l = gaussian(r, 5000);
      float[] before = l.clone();
      float[] summary = new float[k.summaryLength(5000) - 1];
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> k.kgwBiasFromListSummarized(l, 0, 5000, 2f, list, null, 0, 0, summary));
      assertEquals(
          "summary has "
              + summary.length
              + " entries; a row of 5000 needs "
              + k.summaryLength(5000),
          e.getMessage());
      assertArrayEquals(before, l);
    }
  }

  @Test
  void anOffsetRowIsEditedAndCheckedAloneAndItsNeighboursAreLeftAlone() {
    SplittableRandom r = new SplittableRandom(13);
    int n = 5000;
    int[] list = list(r, n);
    float[] pattern = gaussian(r, 1024);
    for (Kernels k : both()) {
      float[] batch = gaussian(r, 3 * n);
      batch[n - 1] = Float.NaN; // the row before
      batch[2 * n] = Float.NaN; // the row after
      float[] before = batch.clone();
      assertEquals(true, k.kgwBiasFromListChecked(batch, n, n, 2f, list, pattern, 512, 17));
      float[] expected =
          reference(java.util.Arrays.copyOfRange(before, n, 2 * n), list, 2f, pattern, 512, 17);
      assertSameBits(expected, java.util.Arrays.copyOfRange(batch, n, 2 * n), k.name());
      assertArrayEquals(
          java.util.Arrays.copyOfRange(before, 0, n), java.util.Arrays.copyOfRange(batch, 0, n));
      assertArrayEquals(
          java.util.Arrays.copyOfRange(before, 2 * n, 3 * n),
          java.util.Arrays.copyOfRange(batch, 2 * n, 3 * n));
    }
  }

  @Test
  void aBadPeriodShiftOrListIsRefusedBeforeAnythingIsWritten() {
    SplittableRandom r = new SplittableRandom(14);
    int[] list = list(r, 1000);
    float[] pattern = new float[4096];
    for (Kernels k : both()) {
      float[] l = gaussian(r, 1000);
      float[] before = l.clone();
      IllegalArgumentException p =
          assertThrows(
              IllegalArgumentException.class,
              () -> k.kgwBiasFromListChecked(l, 0, 1000, 2f, list, pattern, 100, 0));
      assertEquals(
          "periodic row: period 100 must be a positive multiple of 64 and shift 0 + period at"
              + " most the row's 4096 entries",
          p.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> k.kgwBiasFromListChecked(l, 0, 1000, 2f, list, pattern, 2048, 2049));
      assertThrows(
          IllegalArgumentException.class,
          () -> k.kgwBiasFromListChecked(l, 0, 1000, 2f, list, pattern, 2048, -1));
      assertThrows(
          IllegalArgumentException.class,
          () -> k.kgwBiasFromListChecked(l, 0, 1000, 2f, new int[16], null, 0, 0));
      assertArrayEquals(before, l);
    }
  }
}
