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
 * {@link Kernels#kgwBiasFromListSummarized}: {@link VectorListPass}'s one pass over a cached green
 * list (and keyed noise's periodic row) that also takes the edited row's summary of group maxima
 * and its maximum, for the sampler that reads the row next. Per group: the edited entries'
 * order-preserving integer images, their maximum and one reduction; the row check rides on the same
 * images (a lanewise minimum finds NaN with the sign set, the maximum +Infinity and the rest of
 * NaN). Each loop stays in one method and writes every helper out: a vector passed to a call is
 * boxed on JDK 17, and a call left in the loop keeps its vectors live across it. Thread-safe:
 * stateless.
 */
final class VectorSummaryPass {
  private VectorSummaryPass() {}

  /**
   * Whether a periodic row is added in the summary's own pass, from JDK 25 on. Before, it is added
   * in a pass of its own first ({@link VectorListPass#addShifted}, the same sums): on JDK 17, once
   * the samplers' passes had run in the JVM, C2 compiled the fused pass with every vector boxed,
   * and it stayed so (level 2's step where Moat samples at temperature 1: 96 KB a step at 32,000,
   * 24.4 against 11 µs in two passes). A mitigation: the two passes too were compiled boxed after
   * some histories (KernelAllocationTest's reproducer, perf/RESULTS.md).
   */
  static final boolean FUSED_ROW = Runtime.version().feature() >= 25;

  /**
   * {@link Kernels#kgwBiasFromListSummarized} with 16 or 8 lanes, after its checks: {@link
   * #checked}'s pass, which also takes each group of 64 (or 32) edited entries' maximum (the
   * summary {@link VectorKernels#max(float[], int, int, float[])} writes: order-preserving integer
   * images, one reduction a group) and the row's; then the tail, as that method's own tail loop
   * compares. The check is {@link #noneRejected}'s, on the edited entries.
   */
  static float summarized(
      float[] l,
      int o,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int p,
      int s,
      float[] summary) {
    int full = length - length % 64;
    boolean wide = I.length() == 16;
    long both;
    if (row == null) {
      both =
          wide
              ? fromListSummary(l, o, full, delta, list, summary)
              : fromListSummaryNarrow(l, o, full, delta, list, summary);
    } else if (!FUSED_ROW) {
      for (int i = 0; i < full; i += p) { // the row's index for entry i is s + i mod p
        VectorListPass.addShifted(l, o + i, row, s, Math.min(p, full - i));
      }
      both =
          wide
              ? fromListSummary(l, o, full, delta, list, summary)
              : fromListSummaryNarrow(l, o, full, delta, list, summary);
    } else {
      both =
          wide
              ? fromListAddRowSummary(l, o, full, delta, list, row, p, s, summary)
              : fromListAddRowSummaryNarrow(l, o, full, delta, list, row, p, s, summary);
    }
    PackedLists.applyChecked(l, o, full, length, delta, list, row, p, s);
    int from = full;
    if (!wide && length - full >= 32) { // a whole group of 32 in the tail: the summary's last
      float m = Float.NEGATIVE_INFINITY;
      for (int i = o + full; i < o + full + 32; i++) {
        m = Math.max(m, l[i]);
      }
      summary[full >>> 5] = m;
      int b = Float.floatToRawIntBits(m);
      int om = b ^ ((b >> 31) & 0x7FFFFFFF);
      both = (both & 0xFFFFFFFF00000000L) | (Math.max((int) both, om) & 0xFFFFFFFFL);
      from = full + 32;
    }
    // The check is on the edited entries' order-preserving images: +Infinity and NaN with the
    // sign clear reach 0x7F800000 at the top, NaN with the sign set falls below -Infinity's
    // 0x807FFFFF at the bottom.
    boolean rejected =
        (int) (both >>> 32) < VectorKernels.ORDERED_NEGATIVE_INFINITY || (int) both >= 0x7F800000;
    float r = VectorKernels.fromOrdered((int) both);
    for (int i = full; i < length; i++) {
      int b = Float.floatToRawIntBits(l[o + i]);
      rejected |= (b & 0x7FFFFFFF) - (b >>> 31) >= 0x7F800000;
    }
    for (int i = from; i < length; i++) {
      float v = l[o + i];
      r = v > r ? v : r;
    }
    return rejected ? Float.NaN : r;
  }

  /**
   * {@link #fromList} (16 lanes) that writes the edited groups' maxima to {@code summary}; returns
   * {@link #noneRejected}'s measure of the edited entries (at least 0x7F800000 for NaN or
   * +Infinity) in the high word and the ordered image of the edited entries' maximum in the low
   * word.
   */
  private static long fromListSummary(
      float[] l, int o, int full, float delta, int[] list, float[] summary) {
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I); // the least ordered image: below -Infinity's only for NaN
    IntVector acc = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
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
      FloatVector f0 =
          x0.add(g0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f1 =
          x1.add(g1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f2 =
          x2.add(g2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f3 =
          x3.add(g3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      f0.intoArray(l, p);
      f1.intoArray(l, p + 16);
      f2.intoArray(l, p + 32);
      f3.intoArray(l, p + 48);
      IntVector y0 = f0.reinterpretAsInts();
      IntVector y1 = f1.reinterpretAsInts();
      IntVector y2 = f2.reinterpretAsInts();
      IntVector y3 = f3.reinterpretAsInts();
      IntVector o0 =
          y0.lanewise(VectorOperators.XOR, y0.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o1 =
          y1.lanewise(VectorOperators.XOR, y1.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o2 =
          y2.lanewise(VectorOperators.XOR, y2.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o3 =
          y3.lanewise(VectorOperators.XOR, y3.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector g = o0.max(o1).max(o2.max(o3));
      m = m.min(o0.min(o1).min(o2.min(o3)));
      int top = g.reduceLanes(VectorOperators.MAX);
      // VectorKernels.fromOrdered written out: a call C2 leaves out of this loop (its node count
      // reaches NodeCountInliningCutoff here) keeps the vectors live across it (measured 2.5x).
      summary[i >>> 6] = Float.intBitsToFloat(top ^ ((top >> 31) & 0x7FFFFFFF));
      acc = acc.max(g);
    }
    return ((long) m.reduceLanes(VectorOperators.MIN) << 32)
        | (acc.reduceLanes(VectorOperators.MAX) & 0xFFFFFFFFL);
  }

  /** {@link #fromListSummary} with a periodic row, as {@link #fromListAddRow} adds it. */
  private static long fromListAddRowSummary(
      float[] l,
      int o,
      int full,
      float delta,
      int[] list,
      float[] row,
      int period,
      int shift,
      float[] summary) {
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m = IntVector.zero(I); // the least ordered image: below -Infinity's only for NaN
    IntVector acc = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
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
      FloatVector f0 =
          x0.add(FloatVector.fromArray(F, row, r))
              .add(g0.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f1 =
          x1.add(FloatVector.fromArray(F, row, r + 16))
              .add(g1.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f2 =
          x2.add(FloatVector.fromArray(F, row, r + 32))
              .add(g2.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      FloatVector f3 =
          x3.add(FloatVector.fromArray(F, row, r + 48))
              .add(g3.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
      f0.intoArray(l, p);
      f1.intoArray(l, p + 16);
      f2.intoArray(l, p + 32);
      f3.intoArray(l, p + 48);
      IntVector y0 = f0.reinterpretAsInts();
      IntVector y1 = f1.reinterpretAsInts();
      IntVector y2 = f2.reinterpretAsInts();
      IntVector y3 = f3.reinterpretAsInts();
      IntVector o0 =
          y0.lanewise(VectorOperators.XOR, y0.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o1 =
          y1.lanewise(VectorOperators.XOR, y1.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o2 =
          y2.lanewise(VectorOperators.XOR, y2.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector o3 =
          y3.lanewise(VectorOperators.XOR, y3.lanewise(VectorOperators.ASHR, 31).and(abs));
      IntVector g = o0.max(o1).max(o2.max(o3));
      m = m.min(o0.min(o1).min(o2.min(o3)));
      int top = g.reduceLanes(VectorOperators.MAX);
      // VectorKernels.fromOrdered written out: a call C2 leaves out of this loop (its node count
      // reaches NodeCountInliningCutoff here) keeps the vectors live across it (measured 2.5x).
      summary[i >>> 6] = Float.intBitsToFloat(top ^ ((top >> 31) & 0x7FFFFFFF));
      acc = acc.max(g);
      r += 64;
      r = r == shift + period ? shift : r; // a period is whole groups of 64
    }
    return ((long) m.reduceLanes(VectorOperators.MIN) << 32)
        | (acc.reduceLanes(VectorOperators.MAX) & 0xFFFFFFFFL);
  }

  /**
   * {@link #fromListSummary} with 8 lanes: a summary group is 32 tokens, so a block of 64 holds two
   * (the vectors at 0, 8, 16 and 24 in the first, at 32 to 56 in the second), written out so that
   * no vector is merged through a branch.
   */
  private static long fromListSummaryNarrow(
      float[] l, int o, int full, float delta, int[] list, float[] summary) {
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector lo = IntVector.zero(I);
    IntVector acc = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
    for (int i = 0; i < full; i += 64) {
      int w = (i >>> 9) << 4;
      int k = (i >>> 4) & 31;
      IntVector ga = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
      IntVector gb = ga;
      for (int j = 0, p = o + i; j < 16; j += 8, p += 8) {
        IntVector g = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
        FloatVector y0 =
            FloatVector.fromArray(F, l, p + 0)
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y0.intoArray(l, p + 0);
        IntVector b0 = y0.reinterpretAsInts();
        IntVector o0 =
            b0.lanewise(VectorOperators.XOR, b0.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y1 =
            FloatVector.fromArray(F, l, p + 16)
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y1.intoArray(l, p + 16);
        IntVector b1 = y1.reinterpretAsInts();
        IntVector o1 =
            b1.lanewise(VectorOperators.XOR, b1.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y2 =
            FloatVector.fromArray(F, l, p + 32)
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y2.intoArray(l, p + 32);
        IntVector b2 = y2.reinterpretAsInts();
        IntVector o2 =
            b2.lanewise(VectorOperators.XOR, b2.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y3 =
            FloatVector.fromArray(F, l, p + 48)
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y3.intoArray(l, p + 48);
        IntVector b3 = y3.reinterpretAsInts();
        IntVector o3 =
            b3.lanewise(VectorOperators.XOR, b3.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        ga = ga.max(o0.max(o1));
        gb = gb.max(o2.max(o3));
        lo = lo.min(o0.min(o1).min(o2.min(o3)));
      }
      int a = ga.reduceLanes(VectorOperators.MAX);
      int b = gb.reduceLanes(VectorOperators.MAX);
      summary[i >>> 5] = Float.intBitsToFloat(a ^ ((a >> 31) & 0x7FFFFFFF));
      summary[(i >>> 5) + 1] = Float.intBitsToFloat(b ^ ((b >> 31) & 0x7FFFFFFF));
      acc = acc.max(ga.max(gb));
    }
    return ((long) lo.reduceLanes(VectorOperators.MIN) << 32)
        | (acc.reduceLanes(VectorOperators.MAX) & 0xFFFFFFFFL);
  }

  /**
   * {@link #fromListSummaryNarrow} with a periodic row, as {@link #fromListAddRowNarrow} adds it.
   */
  private static long fromListAddRowSummaryNarrow(
      float[] l,
      int o,
      int full,
      float delta,
      int[] list,
      float[] row,
      int period,
      int shift,
      float[] summary) {
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector lo = IntVector.zero(I);
    IntVector acc = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
    int r = shift;
    for (int i = 0; i < full; i += 64) {
      int w = (i >>> 9) << 4;
      int k = (i >>> 4) & 31;
      IntVector ga = IntVector.broadcast(I, VectorKernels.ORDERED_NEGATIVE_INFINITY);
      IntVector gb = ga;
      for (int j = 0, p = o + i, t = r + j; j < 16; j += 8, p += 8, t += 8) {
        IntVector g = IntVector.fromArray(I, list, w + j).lanewise(VectorOperators.LSHL, k);
        FloatVector y0 =
            FloatVector.fromArray(F, l, p + 0)
                .add(FloatVector.fromArray(F, row, t + 0))
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y0.intoArray(l, p + 0);
        IntVector b0 = y0.reinterpretAsInts();
        IntVector o0 =
            b0.lanewise(VectorOperators.XOR, b0.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y1 =
            FloatVector.fromArray(F, l, p + 16)
                .add(FloatVector.fromArray(F, row, t + 16))
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y1.intoArray(l, p + 16);
        IntVector b1 = y1.reinterpretAsInts();
        IntVector o1 =
            b1.lanewise(VectorOperators.XOR, b1.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y2 =
            FloatVector.fromArray(F, l, p + 32)
                .add(FloatVector.fromArray(F, row, t + 32))
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y2.intoArray(l, p + 32);
        IntVector b2 = y2.reinterpretAsInts();
        IntVector o2 =
            b2.lanewise(VectorOperators.XOR, b2.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        FloatVector y3 =
            FloatVector.fromArray(F, l, p + 48)
                .add(FloatVector.fromArray(F, row, t + 48))
                .add(g.lanewise(VectorOperators.ASHR, 31).and(bits).reinterpretAsFloats());
        y3.intoArray(l, p + 48);
        IntVector b3 = y3.reinterpretAsInts();
        IntVector o3 =
            b3.lanewise(VectorOperators.XOR, b3.lanewise(VectorOperators.ASHR, 31).and(abs));
        g = g.lanewise(VectorOperators.LSHL, 1);
        ga = ga.max(o0.max(o1));
        gb = gb.max(o2.max(o3));
        lo = lo.min(o0.min(o1).min(o2.min(o3)));
      }
      int a = ga.reduceLanes(VectorOperators.MAX);
      int b = gb.reduceLanes(VectorOperators.MAX);
      summary[i >>> 5] = Float.intBitsToFloat(a ^ ((a >> 31) & 0x7FFFFFFF));
      summary[(i >>> 5) + 1] = Float.intBitsToFloat(b ^ ((b >> 31) & 0x7FFFFFFF));
      acc = acc.max(ga.max(gb));
      r += 64;
      r = r == shift + period ? shift : r;
    }
    return ((long) lo.reduceLanes(VectorOperators.MIN) << 32)
        | (acc.reduceLanes(VectorOperators.MAX) & 0xFFFFFFFFL);
  }
}
