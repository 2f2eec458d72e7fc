package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;
import static dev.moat.internal.vector.VectorKernels.I;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.jspecify.annotations.Nullable;

/**
 * The one-pass loops of {@link Kernels#kgwBiasFromListChecked}: a cached green list, keyed noise's
 * periodic row (where there is one) and the row check, over whole groups of 64 tokens from token 0.
 * Each returns the largest {@code |x|} it read as raw bits (four integer maxima per group, so the
 * check rides on loads the pass makes anyway). The list layout is {@link
 * dev.moat.internal.PackedLists}'; see {@link VectorGreenLists} for how its bits become masks. Each
 * loop stays in one method, so that no vector is boxed on JDK 17. Thread-safe: stateless.
 */
final class VectorListPass {
  private VectorListPass() {}

  /** {@link Kernels#kgwBiasFromListChecked} after its checks: whole groups, then the tail. */
  static boolean checked(
      float[] l, int o, int length, float delta, int[] list, float @Nullable [] row, int p, int s) {
    int full = length - length % 64;
    int m =
        row == null
            ? fromList(l, o, full, delta, list)
            : fromListAddRow(l, o, full, delta, list, row, p, s);
    int tail = PackedLists.applyChecked(l, o, full, length, delta, list, row, p, s);
    return Math.max(m, tail) < 0x7F800000;
  }

  /**
   * {@link Kernels#noneRejected}: the maximum of {@code |x|}'s bits less one for a negative sign,
   * which reaches 0x7F800000 exactly for NaN and +Infinity (-Infinity becomes 0x7F7FFFFF).
   */
  static boolean noneRejected(float[] l, int offset, int length) {
    int lanes = I.length();
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m0 = IntVector.zero(I);
    IntVector m1 = m0;
    int i = 0;
    for (int bound = length - 2 * lanes; i <= bound; i += 2 * lanes) {
      IntVector b0 = FloatVector.fromArray(F, l, offset + i).reinterpretAsInts();
      IntVector b1 = FloatVector.fromArray(F, l, offset + i + lanes).reinterpretAsInts();
      m0 = m0.max(b0.and(abs).sub(b0.lanewise(VectorOperators.LSHR, 31)));
      m1 = m1.max(b1.and(abs).sub(b1.lanewise(VectorOperators.LSHR, 31)));
    }
    int m = m0.max(m1).reduceLanes(VectorOperators.MAX);
    for (; i < length; i++) {
      int b = Float.floatToRawIntBits(l[offset + i]);
      m = Math.max(m, (b & 0x7FFFFFFF) - (b >>> 31));
    }
    return m < 0x7F800000;
  }

  /**
   * {@link Kernels#countAtLeast}: per lane, the order-preserving image {@code o} of each entry
   * against that of {@code c} (-0 and +0 equal, as {@code >=} has them), and {@code max(o, oc) - o
   * == 0} counted without a mask (a mask's count or conversion is slow or allocates on JDK 17):
   * {@code ((d | -d) >>> 31) ^ 1} is 1 for {@code d == 0}.
   */
  static int countAtLeast(float[] a, int n, float c) {
    // Checked up front with a message of its own, which also keeps this method above C2's
    // FreqInlineSize (KernelInliningTest): inlined into the sampler's gathers it lost its
    // intrinsics in some compilations on JDK 17 and allocated 80-200 B a call (JFR, 2026-12-05).
    if (n < 0 || n > a.length) {
      throw new IllegalArgumentException(
          "countAtLeast over " + n + " entries of an array of " + a.length + ": not allowed");
    }
    if (!(c == c)) {
      throw new IllegalArgumentException("countAtLeast with cut " + c + ": a number is needed");
    }
    java.util.Objects.checkFromIndexSize(
        0, n, a.length); // repeats the first: bytecode for the size
    int lanes = I.length();
    int cb = Float.floatToRawIntBits(c);
    int oc = (cb ^ ((cb >> 31) & 0x7FFFFFFF)) - (cb >> 31);
    IntVector ocv = IntVector.broadcast(I, oc);
    IntVector low = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector one = IntVector.broadcast(I, 1);
    IntVector zero = IntVector.zero(I);
    IntVector acc = zero;
    int i = 0;
    for (int bound = n - lanes; i <= bound; i += lanes) {
      IntVector b = FloatVector.fromArray(F, a, i).reinterpretAsInts();
      IntVector sign = b.lanewise(VectorOperators.ASHR, 31);
      IntVector o = b.lanewise(VectorOperators.XOR, sign.and(low)).sub(sign);
      IntVector d = o.max(ocv).sub(o);
      acc =
          acc.add(
              d.or(zero.sub(d))
                  .lanewise(VectorOperators.LSHR, 31)
                  .lanewise(VectorOperators.XOR, one));
    }
    int count = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      int b = Float.floatToRawIntBits(a[i]);
      int o = (b ^ ((b >> 31) & 0x7FFFFFFF)) - (b >> 31);
      int d = Math.max(o, oc) - o;
      count += ((d | -d) >>> 31) ^ 1;
    }
    return count;
  }

  /** Without a row. */
  static int fromList(float[] l, int o, int full, float delta, int[] list) {
    if (I.length() != 16) {
      return fromListNarrow(l, o, full, delta, list);
    }
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I);
    for (int i = 0; i < full; i += 64) {
      IntVector g0 =
          IntVector.fromArray(I, list, (i >>> 9) << 4)
              .lanewise(VectorOperators.LSHL, (i >>> 4) & 31);
      IntVector g1 = g0.lanewise(VectorOperators.LSHL, 1);
      IntVector g2 = g0.lanewise(VectorOperators.LSHL, 2);
      IntVector g3 = g0.lanewise(VectorOperators.LSHL, 3);
      int p = o + i;
      FloatVector x0 = FloatVector.fromArray(F, l, p);
      FloatVector x1 = FloatVector.fromArray(F, l, p + 16);
      FloatVector x2 = FloatVector.fromArray(F, l, p + 32);
      FloatVector x3 = FloatVector.fromArray(F, l, p + 48);
      m =
          m.max(
              x0.reinterpretAsInts()
                  .and(abs)
                  .max(x1.reinterpretAsInts().and(abs))
                  .max(x2.reinterpretAsInts().and(abs).max(x3.reinterpretAsInts().and(abs))));
      x0.add(g0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats()).intoArray(l, p);
      x1.add(g1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 16);
      x2.add(g2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 32);
      x3.add(g3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 48);
    }
    return m.reduceLanes(VectorOperators.MAX);
  }

  /** With a periodic row: {@code row[shift + v mod period]} is added before the bias. */
  static int fromListAddRow(
      float[] l, int o, int full, float delta, int[] list, float[] row, int period, int shift) {
    if (I.length() != 16) {
      return fromListAddRowNarrow(l, o, full, delta, list, row, period, shift);
    }
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I);
    int r = shift;
    for (int i = 0; i < full; i += 64) {
      IntVector g0 =
          IntVector.fromArray(I, list, (i >>> 9) << 4)
              .lanewise(VectorOperators.LSHL, (i >>> 4) & 31);
      IntVector g1 = g0.lanewise(VectorOperators.LSHL, 1);
      IntVector g2 = g0.lanewise(VectorOperators.LSHL, 2);
      IntVector g3 = g0.lanewise(VectorOperators.LSHL, 3);
      int p = o + i;
      FloatVector x0 = FloatVector.fromArray(F, l, p);
      FloatVector x1 = FloatVector.fromArray(F, l, p + 16);
      FloatVector x2 = FloatVector.fromArray(F, l, p + 32);
      FloatVector x3 = FloatVector.fromArray(F, l, p + 48);
      m =
          m.max(
              x0.reinterpretAsInts()
                  .and(abs)
                  .max(x1.reinterpretAsInts().and(abs))
                  .max(x2.reinterpretAsInts().and(abs).max(x3.reinterpretAsInts().and(abs))));
      x0.add(FloatVector.fromArray(F, row, r))
          .add(g0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p);
      x1.add(FloatVector.fromArray(F, row, r + 16))
          .add(g1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 16);
      x2.add(FloatVector.fromArray(F, row, r + 32))
          .add(g2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 32);
      x3.add(FloatVector.fromArray(F, row, r + 48))
          .add(g3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
          .intoArray(l, p + 48);
      r += 64;
      r = r == shift + period ? shift : r; // a period is whole groups of 64
    }
    return m.reduceLanes(VectorOperators.MAX);
  }

  /** {@link #fromList} with vectors narrower than 512 bits. */
  private static int fromListNarrow(float[] l, int o, int full, float delta, int[] list) {
    int lanes = I.length();
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I);
    for (int i = 0; i < full; i += 64) {
      int w = (i >>> 9) << 4;
      int k = (i >>> 4) & 31;
      for (int j = 0; j < 16; j += lanes) {
        IntVector g = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
        for (int q = 0, p = o + i + j; q < 4; q++, p += 16) {
          FloatVector x = FloatVector.fromArray(F, l, p);
          m = m.max(x.reinterpretAsInts().and(abs));
          x.add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p);
          g = g.lanewise(VectorOperators.LSHL, 1);
        }
      }
    }
    return m.reduceLanes(VectorOperators.MAX);
  }

  /** {@link #fromListAddRow} with vectors narrower than 512 bits. */
  private static int fromListAddRowNarrow(
      float[] l, int o, int full, float delta, int[] list, float[] row, int period, int shift) {
    int lanes = I.length();
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I);
    int r = shift;
    for (int i = 0; i < full; i += 64) {
      int w = (i >>> 9) << 4;
      int k = (i >>> 4) & 31;
      for (int j = 0; j < 16; j += lanes) {
        IntVector g = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
        for (int q = 0, p = o + i + j, t = r + j; q < 4; q++, p += 16, t += 16) {
          FloatVector x = FloatVector.fromArray(F, l, p);
          m = m.max(x.reinterpretAsInts().and(abs));
          x.add(FloatVector.fromArray(F, row, t))
              .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats())
              .intoArray(l, p);
          g = g.lanewise(VectorOperators.LSHL, 1);
        }
      }
      r += 64;
      r = r == shift + period ? shift : r;
    }
    return m.reduceLanes(VectorOperators.MAX);
  }

  /** {@code l[o + i] += row[r + i]} for {@code 0 <= i < n}. */
  static void addShifted(float[] l, int o, float[] row, int r, int n) {
    int lanes = F.length();
    int i = 0;
    for (int bound = n - lanes; i <= bound; i += lanes) {
      FloatVector.fromArray(F, l, o + i)
          .add(FloatVector.fromArray(F, row, r + i))
          .intoArray(l, o + i);
    }
    for (; i < n; i++) {
      l[o + i] += row[r + i];
    }
  }
}
