package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;
import static dev.moat.internal.vector.VectorKernels.I;

import dev.moat.internal.Kernels;
import dev.moat.internal.WeightBounds;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Kernels#weightBounds} with the Vector API: {@link WeightBounds#bound}'s float multiply and
 * add (not fused) and its integer shifts lane by lane, so the ints are those of the scalar
 * reference. No conversion between floats and ints (not intrinsified on JDK 17). Thread-safe:
 * stateless.
 */
final class VectorWeightBounds {
  private VectorWeightBounds() {}

  static void bounds(float[] a, int n, float max, float invT, int[] out) {
    // Checked up front with messages of their own (the loop's accesses are then in range).
    if (n < 0 || n > a.length || n > out.length) {
      throw new IllegalArgumentException(
          "weightBounds over "
              + n
              + " entries of arrays of "
              + a.length
              + " and "
              + out.length
              + ": not allowed");
    }
    int lanes = F.length();
    FloatVector vmax = FloatVector.broadcast(F, max);
    FloatVector vinv = FloatVector.broadcast(F, invT);
    FloatVector lowest = FloatVector.broadcast(F, WeightBounds.LOWEST_X);
    FloatVector k = FloatVector.broadcast(F, WeightBounds.K);
    FloatVector b = FloatVector.broadcast(F, WeightBounds.B);
    IntVector mantissa = IntVector.broadcast(I, 0x7FFFFF);
    IntVector top = IntVector.broadcast(I, 1 << 29);
    IntVector implicit = IntVector.broadcast(I, 0x800000);
    IntVector bias = IntVector.broadcast(I, 127);
    IntVector widest = IntVector.broadcast(I, 31);
    IntVector one = IntVector.broadcast(I, 1);
    int i = 0;
    for (int bound = n - lanes; i <= bound; i += lanes) {
      FloatVector x = FloatVector.fromArray(F, a, i).sub(vmax).mul(vinv).max(lowest);
      IntVector t =
          x.mul(k)
              .add(b)
              .reinterpretAsInts()
              .and(mantissa)
              .lanewise(VectorOperators.LSHL, 6)
              .or(top);
      IntVector shift = bias.sub(t.lanewise(VectorOperators.LSHR, 23)).min(widest);
      t.and(mantissa)
          .or(implicit)
          .lanewise(VectorOperators.LSHL, 6)
          .lanewise(VectorOperators.LSHR, shift)
          .add(one)
          .intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = WeightBounds.bound(a[i], max, invT);
    }
  }
}
