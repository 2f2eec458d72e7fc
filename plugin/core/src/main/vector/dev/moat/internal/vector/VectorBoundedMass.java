package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;

import dev.moat.internal.BoundedMass;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link BoundedMass} with the Vector API: per lane one subtraction, one fused multiply-add, a
 * maximum with 0 and a float-to-int conversion give the bounded weight, summed over all entries and
 * over those at least the cut, four vectors per lane in float and four such blocks per lane in
 * float, then the lanes into a double, as {@link VectorExpMass#masses} sums. Used from JDK 25 on
 * ({@link #APPLIES}): JDK 17's C2 does not intrinsify the conversion, and the pass boxed every
 * vector there (4.36 MB a call at 128,256 in a harness, perf/RESULTS.md). Thread-safe: stateless.
 */
final class VectorBoundedMass implements BoundedMass {
  /** Whether this JVM compiles the pass (JDK 25 and later). */
  static final boolean APPLIES = Runtime.version().feature() >= 25;

  static final VectorBoundedMass INSTANCE = new VectorBoundedMass();

  private static final int LANES = F.length();

  private VectorBoundedMass() {}

  @Override
  public void masses(
      float[] l, int offset, int length, float max, float invT, float cutLo, double[] out) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    FloatVector vmax = FloatVector.broadcast(F, max);
    FloatVector scale = FloatVector.broadcast(F, invT * BITS_PER_NAT);
    FloatVector bias = FloatVector.broadcast(F, BIAS_BITS);
    FloatVector zero = FloatVector.zero(F);
    FloatVector lo = FloatVector.broadcast(F, cutLo);
    int block = 4 * LANES;
    int whole = length - length % block;
    double all = 0;
    double aboveLo = 0;
    FloatVector blocksAll = zero;
    FloatVector blocksLo = zero;
    int inBlocks = 0;
    for (int i = 0; i < whole; i += block) {
      FloatVector accAll = zero;
      FloatVector accLo = zero;
      for (int j = i; j < i + block; j += LANES) {
        FloatVector v = FloatVector.fromArray(F, l, offset + j);
        FloatVector y = v.sub(vmax).fma(scale, bias).max(zero);
        FloatVector w = ((IntVector) y.convert(VectorOperators.F2I, 0)).reinterpretAsFloats();
        accAll = accAll.add(w);
        accLo = accLo.add(w.blend(0f, v.compare(VectorOperators.LT, lo)));
      }
      blocksAll = blocksAll.add(accAll);
      blocksLo = blocksLo.add(accLo);
      if (++inBlocks == 4) {
        all += blocksAll.reduceLanes(VectorOperators.ADD);
        aboveLo += blocksLo.reduceLanes(VectorOperators.ADD);
        blocksAll = zero;
        blocksLo = zero;
        inBlocks = 0;
      }
    }
    all += blocksAll.reduceLanes(VectorOperators.ADD);
    aboveLo += blocksLo.reduceLanes(VectorOperators.ADD);
    BoundedMass.scalar(l, offset + whole, length - whole, max, invT, cutLo, out);
    out[0] += all;
    out[1] += aboveLo;
  }
}
