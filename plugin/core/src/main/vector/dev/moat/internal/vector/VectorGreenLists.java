package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;
import static dev.moat.internal.vector.VectorKernels.I;
import static dev.moat.internal.vector.VectorKernels.LANE_GOLDEN;
import static dev.moat.internal.vector.VectorKernels.M1;
import static dev.moat.internal.vector.VectorKernels.M2;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The packed green-list loops of {@link VectorKernels}: writing, over whole blocks of {@link
 * PackedLists#BLOCK} tokens; reading, over whole groups of 64 (the caller runs what is left one
 * token at a time). Per block and per group of {@code lanes} ints of the list, 32 vectors of tokens
 * 16 apart: the list's vector holds their bits, the k-th vector's in bit {@code 31 - k}. Writing,
 * the vector shifts left and takes the green flag in its low bit; reading, the sign spread over the
 * lane by an arithmetic shift is the mask of the k-th vector, and the vector shifts left. Each loop
 * stays in one method, so that no vector is boxed on JDK 17. Thread-safe: stateless.
 */
final class VectorGreenLists {
  private VectorGreenLists() {}

  /** {@link Kernels#kgwBiasToList} without a row, whole blocks. */
  static void toList(
      float[] l, int o, int base, int full, int s0, int s1, int t, float delta, int[] list) {
    int lanes = I.length();
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector seed1 = IntVector.broadcast(I, s1);
    IntVector tv = IntVector.broadcast(I, t);
    IntVector step = IntVector.broadcast(I, 16 * Kernels.GOLDEN);
    for (int b = 0; b < full; b += PackedLists.BLOCK) {
      int w = ((base + b) >>> 9) << 4;
      for (int j = 0; j < 16; j += lanes) {
        IntVector x0 = LANE_GOLDEN.add((base + b + j) * Kernels.GOLDEN + s0);
        IntVector acc = IntVector.zero(I);
        for (int k = 0, p = o + b + j; k < 32; k++, p += 16) {
          IntVector x = x0.lanewise(VectorOperators.XOR, seed1);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
          x = x.mul(M1);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13));
          x = x.mul(M2);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
          IntVector g =
              x.lanewise(VectorOperators.LSHR, 8).sub(tv).lanewise(VectorOperators.ASHR, 31);
          acc = acc.lanewise(VectorOperators.LSHL, 1).sub(g);
          FloatVector.fromArray(F, l, p).add(g.and(bits).reinterpretAsFloats()).intoArray(l, p);
          x0 = x0.add(step);
        }
        acc.intoArray(list, w + j);
      }
    }
  }

  /** {@link Kernels#kgwBiasToList} with a row, whole blocks. */
  static void toListAddRow(
      float[] l,
      int o,
      int base,
      int full,
      int s0,
      int s1,
      int t,
      float delta,
      float[] row,
      int rowStart,
      int[] list) {
    int lanes = I.length();
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector seed1 = IntVector.broadcast(I, s1);
    IntVector tv = IntVector.broadcast(I, t);
    IntVector step = IntVector.broadcast(I, 16 * Kernels.GOLDEN);
    for (int b = 0; b < full; b += PackedLists.BLOCK) {
      int w = ((base + b) >>> 9) << 4;
      for (int j = 0; j < 16; j += lanes) {
        IntVector x0 = LANE_GOLDEN.add((base + b + j) * Kernels.GOLDEN + s0);
        IntVector acc = IntVector.zero(I);
        for (int k = 0, p = b + j; k < 32; k++, p += 16) {
          IntVector x = x0.lanewise(VectorOperators.XOR, seed1);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
          x = x.mul(M1);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13));
          x = x.mul(M2);
          x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
          IntVector g =
              x.lanewise(VectorOperators.LSHR, 8).sub(tv).lanewise(VectorOperators.ASHR, 31);
          acc = acc.lanewise(VectorOperators.LSHL, 1).sub(g);
          FloatVector.fromArray(F, l, o + p)
              .add(FloatVector.fromArray(F, row, rowStart + p))
              .add(g.and(bits).reinterpretAsFloats())
              .intoArray(l, o + p);
          x0 = x0.add(step);
        }
        acc.intoArray(list, w + j);
      }
    }
  }

  /** {@link Kernels#kgwBiasFromList} without a row, whole groups of 64 tokens. */
  static void fromList(float[] l, int o, int base, int full, float delta, int[] list) {
    // Both widths in one method (C2 drops the branch it never takes: I is a constant), so that the
    // method is above C2's FreqInlineSize and never inlined into a caller (VectorKernels' class
    // comment; KernelInliningTest).
    if (I.length() == 16) {
      // One vector of the list per group of 64 tokens, four shifts of it (a loop over the list's
      // vectors inside, as narrower vectors need, costs 1.9x the in-cache floor instead of 1.5x at
      // 128,256 tokens).
      IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
      for (int i = 0; i < full; i += 64) {
        IntVector m0 =
            IntVector.fromArray(I, list, ((base + i) >>> 9) << 4)
                .lanewise(VectorOperators.LSHL, (i >>> 4) & 31);
        IntVector m1 = m0.lanewise(VectorOperators.LSHL, 1);
        IntVector m2 = m0.lanewise(VectorOperators.LSHL, 2);
        IntVector m3 = m0.lanewise(VectorOperators.LSHL, 3);
        int p = o + i;
        FloatVector.fromArray(F, l, p)
            .add(m0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p);
        FloatVector.fromArray(F, l, p + 16)
            .add(m1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 16);
        FloatVector.fromArray(F, l, p + 32)
            .add(m2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 32);
        FloatVector.fromArray(F, l, p + 48)
            .add(m3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 48);
      }
    } else {
      int lanes = I.length();
      IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
      for (int i = 0; i < full; i += 64) {
        int w = ((base + i) >>> 9) << 4;
        int k = (i >>> 4) & 31; // base is a multiple of 512
        for (int j = 0; j < 16; j += lanes) {
          IntVector m0 = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
          IntVector m1 = m0.lanewise(VectorOperators.LSHL, 1);
          IntVector m2 = m0.lanewise(VectorOperators.LSHL, 2);
          IntVector m3 = m0.lanewise(VectorOperators.LSHL, 3);
          int p = o + i + j;
          FloatVector.fromArray(F, l, p)
              .add(m0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p);
          FloatVector.fromArray(F, l, p + 16)
              .add(m1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p + 16);
          FloatVector.fromArray(F, l, p + 32)
              .add(m2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p + 32);
          FloatVector.fromArray(F, l, p + 48)
              .add(m3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p + 48);
        }
      }
    }
  }

  /** {@link Kernels#kgwBiasFromList} with a row, whole groups of 64 tokens. */
  static void fromListAddRow(
      float[] l, int o, int base, int full, float delta, float[] row, int rowStart, int[] list) {
    if (I.length() == 16) {
      fromListAddRow16(l, o, base, full, delta, row, rowStart, list);
    } else {
      fromListAddRowNarrow(l, o, base, full, delta, row, rowStart, list);
    }
  }

  /** {@link #fromListAddRow} with 512-bit vectors, as {@link #fromList}'s 512-bit branch. */
  private static void fromListAddRow16(
      float[] l, int o, int base, int full, float delta, float[] row, int rowStart, int[] list) {
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    for (int i = 0; i < full; i += 64) {
      IntVector m0 =
          IntVector.fromArray(I, list, ((base + i) >>> 9) << 4)
              .lanewise(VectorOperators.LSHL, (i >>> 4) & 31);
      IntVector m1 = m0.lanewise(VectorOperators.LSHL, 1);
      IntVector m2 = m0.lanewise(VectorOperators.LSHL, 2);
      IntVector m3 = m0.lanewise(VectorOperators.LSHL, 3);
      int p = o + i;
      int r = rowStart + i;
      FloatVector.fromArray(F, l, p)
          .add(FloatVector.fromArray(F, row, r))
          .add(m0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p);
      FloatVector.fromArray(F, l, p + 16)
          .add(FloatVector.fromArray(F, row, r + 16))
          .add(m1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 16);
      FloatVector.fromArray(F, l, p + 32)
          .add(FloatVector.fromArray(F, row, r + 32))
          .add(m2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 32);
      FloatVector.fromArray(F, l, p + 48)
          .add(FloatVector.fromArray(F, row, r + 48))
          .add(m3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 48);
    }
  }

  /**
   * {@link #fromListAddRow} with vectors narrower than 512 bits, as {@link #fromList}'s narrower
   * branch.
   */
  private static void fromListAddRowNarrow(
      float[] l, int o, int base, int full, float delta, float[] row, int rowStart, int[] list) {
    int lanes = I.length();
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    for (int i = 0; i < full; i += 64) {
      int w = ((base + i) >>> 9) << 4;
      int k = (i >>> 4) & 31;
      for (int j = 0; j < 16; j += lanes) {
        IntVector m0 = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
        IntVector m1 = m0.lanewise(VectorOperators.LSHL, 1);
        IntVector m2 = m0.lanewise(VectorOperators.LSHL, 2);
        IntVector m3 = m0.lanewise(VectorOperators.LSHL, 3);
        int p = o + i + j;
        int r = rowStart + i + j;
        FloatVector.fromArray(F, l, p)
            .add(FloatVector.fromArray(F, row, r))
            .add(m0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p);
        FloatVector.fromArray(F, l, p + 16)
            .add(FloatVector.fromArray(F, row, r + 16))
            .add(m1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 16);
        FloatVector.fromArray(F, l, p + 32)
            .add(FloatVector.fromArray(F, row, r + 32))
            .add(m2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 32);
        FloatVector.fromArray(F, l, p + 48)
            .add(FloatVector.fromArray(F, row, r + 48))
            .add(m3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
            .intoArray(l, p + 48);
      }
    }
  }
}
