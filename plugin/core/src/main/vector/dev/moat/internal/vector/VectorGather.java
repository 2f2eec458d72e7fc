package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;
import static dev.moat.internal.vector.VectorKernels.I;

import dev.moat.internal.Kernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Kernels#collectAtLeast} over the summary that {@link VectorKernels#max(float[], int, int,
 * float[])} writes (one maximum per group of four vectors), with no branch per entry: 32 entries at
 * a time, of the summary and then of each group that reaches the cut, become the bits of one int
 * ({@link #below}), and only the set bits are visited, lowest first, so the ids come out in
 * increasing order. The earlier loop tested each summary entry and each vector of a group with a
 * branch and read a vector with a hit entry by entry: about a quarter of the groups reach a typical
 * cut of the sampler's gather, one entry in each, so those branches went either way at random. On
 * Gaussian rows of 128,256 (sd 3) at 5 nats below the maximum (about 490 entries), a harness
 * measured 12.5 us for the earlier loop and 3.6 us for this one (JDK 17, AVX-512, medians of 60
 * rounds). Thread-safe: stateless.
 */
final class VectorGather {
  private VectorGather() {}

  private static final int LANES = F.length();

  /**
   * Vectors whose entries one int holds: 2 at 16 lanes, 4 at 8 (other widths: {@link #applies} is
   * false).
   */
  private static final int PER_WORD = Math.max(1, 32 / LANES);

  /** Entries per summary maximum. */
  static final int GROUP = 4 * LANES;

  /** Lane {@code j} of {@code BITS[s]} is {@code 1 << (j + s * LANES)}. */
  private static final IntVector BITS0 = bits(0);

  private static final IntVector BITS1 = bits(1);
  private static final IntVector BITS2 = bits(2 % PER_WORD);
  private static final IntVector BITS3 = bits(3 % PER_WORD);

  private static IntVector bits(int s) {
    int[] b = new int[LANES];
    for (int j = 0; j < LANES; j++) {
      b[j] = 1 << (j + s * LANES);
    }
    return IntVector.fromArray(I, b, 0);
  }

  /** Whether {@link #collectGroups} applies at this width (8 or 16 lanes). */
  static boolean applies() {
    return LANES == 8 || LANES == 16;
  }

  /**
   * The entries at or above {@code cut} of every whole group ({@code length / GROUP} of them),
   * written to {@code out} in increasing order; returns how many, or {@code cap + 1} as soon as
   * there are more than {@code cap}. The tail after the last whole group is the caller's.
   *
   * <p>{@code cut} must be finite. An entry {@code x} is at or above it exactly when {@code (x + 0)
   * - (cut + 0)} is not negative: adding zero turns -0 into +0 (which {@code >=} counts as equal),
   * a difference of two floats is zero only if they are equal (gradual underflow), and with the cut
   * finite it is never NaN: infinite entries give infinities of their own sign.
   */
  static int collectGroups(
      float[] l, int offset, int length, float[] summary, float cut, int cap, int[] out) {
    // Checked up front, so that a short summary or output fails here, not half-written. (Also
    // keeps this method above C2's FreqInlineSize, so that it is compiled as a unit of its own with
    // {@link #below} inlined, never into a large caller where the Vector API's calls could lose
    // their intrinsics: see KernelInliningTest.)
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    int groups = length / GROUP;
    if (summary.length < groups || out.length < length) {
      throw new IllegalArgumentException(
          "summary has "
              + summary.length
              + " entries and out "
              + out.length
              + "; a row of "
              + length
              + " needs "
              + groups
              + " and "
              + length);
    }
    if (!(Math.abs(cut) <= Float.MAX_VALUE)) {
      throw new IllegalArgumentException("cut " + cut + " must be finite");
    }
    float c = cut + 0f;
    int n = 0;
    int g0 = 0;
    for (; g0 <= groups - 32; g0 += 32) {
      int word = ~below(summary, g0, c);
      while (word != 0) {
        int g = g0 + Integer.numberOfTrailingZeros(word);
        word &= word - 1;
        // The group's entries that reach c, after the n collected.
        for (int w = g * GROUP, end = w + GROUP; w < end; w += 32) {
          int hits = ~below(l, offset + w, c);
          while (hits != 0) {
            out[n++] = w + Integer.numberOfTrailingZeros(hits);
            hits &= hits - 1;
          }
        }
        if (n > cap) {
          return cap + 1;
        }
      }
    }
    for (int g = g0; g < groups; g++) {
      if (summary[g] >= cut) {
        for (int w = g * GROUP, end = w + GROUP; w < end; w += 32) {
          int hits = ~below(l, offset + w, c);
          while (hits != 0) {
            out[n++] = w + Integer.numberOfTrailingZeros(hits);
            hits &= hits - 1;
          }
        }
        if (n > cap) {
          return cap + 1;
        }
      }
    }
    return n;
  }

  /**
   * Bit {@code i} set where {@code a[from + i] + 0 - c} is negative, for {@code i < 32}: the sign
   * bits of {@link #PER_WORD} vectors of differences, each lane's moved to its own bit, combined.
   */
  private static int below(float[] a, int from, float c) {
    IntVector x0 = FloatVector.fromArray(F, a, from).add(0f).sub(c).reinterpretAsInts();
    IntVector x1 = FloatVector.fromArray(F, a, from + LANES).add(0f).sub(c).reinterpretAsInts();
    IntVector b =
        x0.lanewise(VectorOperators.ASHR, 31)
            .and(BITS0)
            .or(x1.lanewise(VectorOperators.ASHR, 31).and(BITS1));
    if (PER_WORD == 4) {
      IntVector x2 =
          FloatVector.fromArray(F, a, from + 2 * LANES).add(0f).sub(c).reinterpretAsInts();
      IntVector x3 =
          FloatVector.fromArray(F, a, from + 3 * LANES).add(0f).sub(c).reinterpretAsInts();
      b =
          b.or(x2.lanewise(VectorOperators.ASHR, 31).and(BITS2))
              .or(x3.lanewise(VectorOperators.ASHR, 31).and(BITS3));
    }
    return b.reduceLanes(VectorOperators.OR);
  }
}
