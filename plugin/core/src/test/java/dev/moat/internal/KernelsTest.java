package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both kernel implementations against the definitions written out per element, on rows whose
 * lengths hit every case of the vector loops (shorter than a vector, exact multiples, tails) at
 * unaligned offsets. The build runs tests with {@code --add-modules jdk.incubator.vector}, so the
 * Vector API kernels are present here.
 */
class KernelsTest {
  private static final int[] LENGTHS = {
    1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1023, 1024, 1025, 2385, 4099
  };

  /** Values that stress comparisons done by arithmetic rather than by {@code >=}. */
  private static final float[] SPECIAL = {
    0f,
    -0f,
    Float.NEGATIVE_INFINITY,
    Float.POSITIVE_INFINITY,
    Float.MAX_VALUE,
    -Float.MAX_VALUE,
    Float.MIN_VALUE,
    -Float.MIN_VALUE,
    Float.MIN_NORMAL,
    1f,
    -1f
  };

  private static Kernels vector() {
    Kernels v = Kernels.vector();
    assertNotNull(
        v, "tests run with --add-modules jdk.incubator.vector; the SIMD kernels must load");
    return v;
  }

  private static List<Kernels> both() {
    return List.of(Kernels.scalar(), vector());
  }

  @Test
  void theVectorKernelsAreTheOnesInUse() {
    assertSame(vector(), Kernels.get());
    assertTrue(vector().name().startsWith("vector ("), vector().name());
    assertEquals("scalar", Kernels.scalar().name());
    String bits = System.getProperty("moat.simd.bits"); // the build's second run sets 256
    if (bits != null) {
      assertEquals("vector (" + bits + "-bit)", vector().name());
    }
  }

  static float[] gaussianRow(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * 3);
    }
    return a;
  }

  @Test
  void kgwBiasIsBitIdenticalToTheDefinition() {
    SplittableRandom r = new SplittableRandom(1);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 5; trial++) {
        int offset = r.nextInt(5);
        int base = r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 20);
        int s0 = r.nextInt();
        int s1 = r.nextInt();
        int threshold = r.nextInt(1 << 24);
        float delta = (float) r.nextDouble(0.1, 5);
        float[] row = gaussianRow(r, offset + len + 3);
        row[offset] = -0f; // a red -0 becomes +0 (x + 0f), a green one delta
        float[] expected = row.clone();
        for (int i = 0; i < len; i++) {
          int x = TokenHash.fmix32(((base + i) * Kernels.GOLDEN + s0) ^ s1);
          expected[offset + i] += ((x >>> 8) < threshold ? 1 : 0) * delta;
        }
        for (Kernels k : both()) {
          float[] got = row.clone();
          k.kgwBias(got, offset, base, len, s0, s1, threshold, delta, new int[Kernels.BLOCK]);
          assertArrayEquals(expected, got, 0f, k.name() + " len " + len);
          for (int i = 0; i < got.length; i++) {
            assertEquals(
                Float.floatToRawIntBits(expected[i]),
                Float.floatToRawIntBits(got[i]),
                k.name() + " len " + len + " bits at " + i);
          }
        }
      }
    }
  }

  @Test
  void kgwBiasAddRowIsBitIdenticalToTheRowThenTheBias() {
    SplittableRandom r = new SplittableRandom(11);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 5; trial++) {
        int offset = r.nextInt(5);
        int rowStart = r.nextInt(7);
        int base = r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 20);
        int s0 = r.nextInt();
        int s1 = r.nextInt();
        int threshold = r.nextInt(1 << 24);
        float delta = (float) r.nextDouble(0.1, 5);
        float[] logits = gaussianRow(r, offset + len + 3);
        logits[offset] = Float.NEGATIVE_INFINITY; // excluded stays excluded
        float[] add = new float[rowStart + len + 2];
        for (int i = 0; i < add.length; i++) {
          add[i] = r.nextBoolean() ? 1.4142135f : 0f; // the keyed row: 0 or a raise
        }
        // The reference: two passes, the row first.
        float[] expected = logits.clone();
        for (int i = 0; i < len; i++) {
          expected[offset + i] += add[rowStart + i];
        }
        Kernels.scalar()
            .kgwBias(expected, offset, base, len, s0, s1, threshold, delta, new int[Kernels.BLOCK]);
        for (Kernels k : both()) {
          float[] got = logits.clone();
          k.kgwBiasAddRow(
              got,
              offset,
              base,
              len,
              s0,
              s1,
              threshold,
              delta,
              add,
              rowStart,
              new int[Kernels.BLOCK]);
          for (int i = 0; i < got.length; i++) {
            assertEquals(
                Float.floatToRawIntBits(expected[i]),
                Float.floatToRawIntBits(got[i]),
                k.name() + " len " + len + " bits at " + i);
          }
        }
      }
    }
  }

  @Test
  void addRowAddsTheRowFromItsStart() {
    SplittableRandom r = new SplittableRandom(9);
    for (int len : LENGTHS) {
      float[] row = new float[2 * len + 3];
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) r.nextGaussian();
      }
      for (int start : new int[] {0, 1, len / 3, len + 3}) {
        float[] base = new float[len + 5];
        for (int i = 0; i < base.length; i++) {
          base[i] = (float) r.nextGaussian();
        }
        base[3] = Float.NEGATIVE_INFINITY;
        float[] expected = base.clone();
        for (int i = 0; i < len; i++) {
          expected[2 + i] += row[start + i];
        }
        for (Kernels k : new Kernels[] {Kernels.scalar(), vector()}) {
          float[] got = base.clone();
          k.addRow(got, 2, row, start, len);
          assertArrayEquals(expected, got, k.name() + " len " + len + " start " + start);
        }
      }
    }
  }

  /**
   * The row check's second pass: -Infinity (a host's mask) and every finite value pass, NaN of
   * either sign and +Infinity do not, wherever they sit (vector body, tail), in both
   * implementations, and the range is respected.
   */
  @Test
  void noneRejectedAllowsMasksAndFindsNaNAndPlusInfinityWherever() {
    SplittableRandom r = new SplittableRandom(21);
    float[] bad = {
      Float.NaN, -Float.NaN, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0xFF800001)
    };
    for (int len : LENGTHS) {
      float[] row = gaussianRow(r, len + 10);
      row[0] = Float.NaN; // outside the checked range
      row[len + 5] = Float.POSITIVE_INFINITY;
      for (int i = 2; i < len + 2; i += 1 + r.nextInt(7)) {
        row[i] = Float.NEGATIVE_INFINITY;
      }
      if (len > 2) {
        row[3] = -0f;
        row[4] = Float.MAX_VALUE;
        row[2 + len - 1] = -Float.MAX_VALUE;
      }
      for (Kernels k : both()) {
        assertTrue(k.noneRejected(row, 2, len), k.name() + " len " + len);
      }
      for (int trial = 0; trial < 20; trial++) {
        int pos = 2 + (trial < 4 ? (trial % 2 == 0 ? 0 : len - 1) : r.nextInt(len));
        float saved = row[pos];
        row[pos] = bad[trial % bad.length];
        for (Kernels k : both()) {
          assertEquals(false, k.noneRejected(row, 2, len), k.name() + " len " + len + " at " + pos);
        }
        assertEquals(pos - 2, Logits.firstInvalid(row, 2, len), "len " + len);
        row[pos] = saved;
      }
      assertEquals(-1, Logits.firstInvalid(row, 2, len), "masks only, len " + len);
    }
  }

  @Test
  void allFiniteFindsEveryNonFiniteValueWherever() {
    SplittableRandom r = new SplittableRandom(2);
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -Float.NaN};
    for (int len : LENGTHS) {
      float[] row = gaussianRow(r, len + 6);
      row[0] = Float.NaN; // outside the checked range
      row[len + 5] = Float.NaN;
      for (Kernels k : both()) {
        assertTrue(k.allFinite(row, 2, len), k.name() + " len " + len);
      }
      for (int trial = 0; trial < 20; trial++) {
        int pos = 2 + (trial < 4 ? (trial % 2 == 0 ? 0 : len - 1) : r.nextInt(len));
        float saved = row[pos];
        row[pos] = bad[trial % bad.length];
        for (Kernels k : both()) {
          assertEquals(false, k.allFinite(row, 2, len), k.name() + " len " + len + " at " + pos);
        }
        row[pos] = saved;
      }
    }
    float[] extremes = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 0f, -0f};
    float[] big = new float[67];
    for (int i = 0; i < big.length; i++) {
      big[i] = extremes[i % extremes.length];
    }
    for (Kernels k : both()) {
      assertTrue(k.allFinite(big, 0, big.length), "finite extremes never overflow the check");
    }
  }

  @Test
  void maxMatchesTheDefinition() {
    SplittableRandom r = new SplittableRandom(3);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 10; trial++) {
        float[] row = gaussianRow(r, len + 4);
        for (int i = 0; i < row.length; i++) {
          if (r.nextInt(4) == 0) {
            row[i] = Float.NEGATIVE_INFINITY;
          }
        }
        if (trial == 0) {
          java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY);
        } else if (trial == 1 && len > 1) {
          // Two zeros on top: -0 first. Both kernels take the first entry the maximum (+0) does
          // not exceed, as the definition below does.
          java.util.Arrays.fill(row, -1f);
          int first = 1 + r.nextInt(len - 1);
          row[first] = -0f;
          row[first + 1 + r.nextInt(len - (first - 1) - 1)] = 0f;
        } else {
          row[1 + r.nextInt(len)] = 100f + trial; // sometimes in the tail
          if (trial % 2 == 0) {
            row[1 + r.nextInt(len)] = 100f + trial; // a tie: the lower index wins
          }
        }
        float expected = Float.NEGATIVE_INFINITY;
        for (int i = 1; i < 1 + len; i++) {
          expected = Math.max(expected, row[i]);
        }
        row[0] = 1e9f; // outside the range
        row[len + 1] = 1e9f;
        int expectedIndex = 0;
        for (int i = 1; i < len; i++) {
          if (row[1 + i] > row[1 + expectedIndex]) {
            expectedIndex = i;
          }
        }
        for (Kernels k : both()) {
          assertEquals(
              expectedIndex,
              k.argMax(row, 1, len, new float[k.summaryLength(len)], new int[len]),
              k.name() + " argMax len " + len);
          // (Of two zeros on top, the implementations may return either: == rather than bits.)
          assertTrue(expected == k.max(row, 1, len), k.name() + " len " + len);
          assertTrue(
              expected == k.max(row, 1, len, new float[k.summaryLength(len)]),
              k.name() + " summary");
        }
      }
    }
  }

  @Test
  void collectAtLeastKeepsExactlyTheEntriesAtOrAboveTheCut() {
    SplittableRandom r = new SplittableRandom(5);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 10; trial++) {
        int offset = r.nextInt(7);
        float[] row = gaussianRow(r, offset + len);
        row[offset + r.nextInt(len)] = Float.NEGATIVE_INFINITY;
        float cut = trial == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextDouble(-3, 9);
        if (trial == 1) {
          cut = row[offset + len - 1]; // an entry equal to the cut, in the tail
        } else if (trial >= 6) {
          // Values where a comparison by difference could go wrong: both zeros (equal to >=),
          // infinities, the extreme finite floats, subnormals, and cuts among them.
          for (int i = 0; i < len; i++) {
            if (r.nextInt(3) == 0) {
              row[offset + i] = SPECIAL[r.nextInt(SPECIAL.length)];
            }
          }
          cut = trial == 9 ? Float.POSITIVE_INFINITY : SPECIAL[r.nextInt(SPECIAL.length)];
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < len; i++) {
          if (row[offset + i] >= cut) {
            expected.add(i);
          }
        }
        for (Kernels k : both()) {
          float[] summary = new float[k.summaryLength(len)];
          float max = k.max(row, offset, len, summary);
          assertEquals(k.max(row, offset, len), max, k.name());
          int[] out = new int[len];
          int n = k.collectAtLeast(row, offset, len, summary, cut, len, out);
          List<Integer> got = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            got.add(out[i]);
          }
          assertEquals(expected, got, k.name() + " len " + len + " cut " + cut);
          // With a cap: the exact list if it fits, otherwise cap + 1 (and nothing else promised).
          int cap = expected.size() / 2;
          int capped = k.collectAtLeast(row, offset, len, summary, cut, cap, new int[len]);
          assertEquals(expected.size() > cap ? cap + 1 : expected.size(), capped, k.name());
          int roomy =
              k.collectAtLeast(row, offset, len, summary, cut, expected.size(), new int[len]);
          assertEquals(expected.size(), roomy, k.name());
        }
      }
    }
  }

  /**
   * The branch-free count against a plain one, on values that stress the order-preserving images:
   * both zeros, both infinities, the extreme finite floats, subnormals, ties with the cut, and cuts
   * far apart in sign (where {@code max(o, oc) - o} overflows an int).
   */
  @Test
  void countAtLeastCountsExactlyTheEntriesAtOrAboveTheCut() {
    float[] special = SPECIAL;
    SplittableRandom r = new SplittableRandom(8);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 13; trial++) {
        float[] a = gaussianRow(r, len);
        for (int i = 0; i < len; i++) {
          if (r.nextInt(4) == 0) {
            a[i] = special[r.nextInt(special.length)];
          }
        }
        float cut =
            trial < special.length
                ? special[trial]
                : trial == special.length ? a[r.nextInt(len)] : (float) r.nextGaussian() * 3;
        int expected = 0;
        for (float x : a) {
          if (x >= cut) {
            expected++;
          }
        }
        for (Kernels k : both()) {
          assertEquals(expected, k.countAtLeast(a, len, cut), k.name() + " len " + len + " " + cut);
          assertEquals(
              expected - (a[len - 1] >= cut ? 1 : 0),
              k.countAtLeast(a, len - 1, cut),
              k.name() + " n < length");
        }
      }
    }
  }

  @Test
  void uniformsAtLeastKeepsExactlyTheTokensWhoseHighWordReachesTheirTiersCut() {
    SplittableRandom r = new SplittableRandom(4);
    for (int len : LENGTHS) {
      for (int trial = 0; trial < 10; trial++) {
        int base = r.nextInt(1 << 17);
        int offset = r.nextInt(5);
        long seed = r.nextLong();
        float[] row = gaussianRow(r, offset + len);
        float split = (float) r.nextDouble(-1, 8);
        // Unsigned cuts on both sides of 2^31, and 0 (everything passes).
        int above =
            trial == 0 ? 0 : (int) (0xFFFFFFFFL - (long) (r.nextDouble(0, 0.6) * 0xFFFFFFFFL));
        int below =
            trial == 1 ? 0 : (int) (0xFFFFFFFFL - (long) (r.nextDouble(0, 0.1) * 0xFFFFFFFFL));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < len; i++) {
          int cut = row[offset + i] >= split ? above : below;
          if (Integer.compareUnsigned(TokenHash.uniformHigh(seed, base + i), cut) >= 0) {
            expected.add(i);
          }
        }
        for (Kernels k : both()) {
          int[] out = new int[len];
          int n = k.uniformsAtLeast(seed, base, len, row, offset, split, above, below, out);
          List<Integer> got = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            got.add(out[i]);
          }
          assertEquals(expected, got, k.name() + " len " + len + " trial " + trial);
        }
      }
    }
  }

  @Test
  void u53IsTheHighWordThenTwentyOneBitsOfTheSecondMix() {
    SplittableRandom r = new SplittableRandom(6);
    for (int i = 0; i < 1000; i++) {
      long seed = r.nextLong();
      int v = r.nextInt(1 << 20);
      long u = TokenHash.u53(seed, v);
      assertTrue(u >= 0 && u < (1L << 53));
      assertEquals(Integer.toUnsignedLong(TokenHash.uniformHigh(seed, v)), u >>> 21);
      int lo = TokenHash.fmix32((v * Kernels.GOLDEN + (int) (seed >>> 32)) ^ (int) seed);
      assertEquals(lo >>> 11, u & ((1 << 21) - 1));
    }
  }
}
