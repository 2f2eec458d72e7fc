package dev.moat.internal.vector;

import static dev.moat.internal.vector.VectorKernels.F;

import dev.moat.internal.ExpMass;
import dev.moat.internal.Kernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Kernels#expMass} with the Vector API: {@link ExpMass#exp}'s reduction and polynomial lane
 * by lane, with fused multiply-adds (20 operations a vector against 30, 50 against 77 us a row of
 * 128,256 in a harness), the entries outside {@code [lo, hi)} blended to zero, four vectors summed
 * per lane in float, four such blocks summed per lane in float, and their lanes reduced into a
 * double ({@link ExpMass} states the error this gives). Thread-safe: stateless.
 */
final class VectorExpMass {
  private VectorExpMass() {}

  private static final int LANES = F.length();

  /**
   * Blocks of four vectors summed per lane in float before the lanes are added into a double: each
   * lane's sum takes at most 3 + (BLOCKS - 1) roundings, the lanes' addition 15 more. Adding the
   * lanes of every block (a horizontal add of 16 floats) cost about a quarter of the pass at
   * 128,256 on JDK 17.
   */
  private static final int BLOCKS = 4;

  static double mass(float[] l, int offset, int length, float max, float invT, float lo, float hi) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    FloatVector vmax = FloatVector.broadcast(F, max);
    FloatVector vinv = FloatVector.broadcast(F, invT);
    FloatVector zero = FloatVector.zero(F);
    FloatVector log2e = FloatVector.broadcast(F, ExpMass.LOG2E);
    FloatVector shifter = FloatVector.broadcast(F, ExpMass.SHIFTER);
    FloatVector negLn2Hi = FloatVector.broadcast(F, -ExpMass.LN2_HI);
    FloatVector negLn2Lo = FloatVector.broadcast(F, -ExpMass.LN2_LO);
    FloatVector one = FloatVector.broadcast(F, 1f);
    FloatVector c2 = FloatVector.broadcast(F, ExpMass.C2);
    FloatVector c3 = FloatVector.broadcast(F, ExpMass.C3);
    FloatVector c4 = FloatVector.broadcast(F, ExpMass.C4);
    FloatVector c5 = FloatVector.broadcast(F, ExpMass.C5);
    FloatVector c6 = FloatVector.broadcast(F, ExpMass.C6);
    int block = 4 * LANES;
    int whole = length - length % block;
    double sum = 0;
    FloatVector blocks = zero;
    int inBlocks = 0;
    for (int i = 0; i < whole; i += block) {
      FloatVector acc = zero;
      for (int j = i; j < i + block; j += LANES) {
        FloatVector v = FloatVector.fromArray(F, l, offset + j);
        VectorMask<Float> out =
            v.compare(VectorOperators.LT, lo).or(v.compare(VectorOperators.GE, hi));
        FloatVector x = v.sub(vmax).mul(vinv);
        FloatVector t = x.fma(log2e, shifter);
        FloatVector k = t.sub(shifter);
        FloatVector r = k.fma(negLn2Hi, x).fma(one, k.mul(negLn2Lo));
        FloatVector p = r.fma(c6, c5).fma(r, c4).fma(r, c3).fma(r, c2).fma(r, one).fma(r, one);
        FloatVector scale =
            t.reinterpretAsInts()
                .sub(ExpMass.SHIFTER_BITS_LESS_BIAS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        acc = acc.add(p.mul(scale).blend(0f, out));
      }
      blocks = blocks.add(acc);
      if (++inBlocks == BLOCKS) {
        sum += blocks.reduceLanes(VectorOperators.ADD);
        blocks = zero;
        inBlocks = 0;
      }
    }
    sum += blocks.reduceLanes(VectorOperators.ADD);
    for (int i = whole; i < length; i++) {
      float v = l[offset + i];
      if (v >= lo && v < hi) {
        sum += ExpMass.exp((v - max) * invT);
      }
    }
    return sum;
  }

  /**
   * {@link Kernels#expMasses}: the sampler's own float {@code x = (l - max) * invT} (held at -87 or
   * above, so that -Infinity adds {@code e^-87}, not NaN), {@code e^x = 2^k 2^f} with {@code k} the
   * nearest integer to {@code x log2 e} by the shifter and {@code f = x log2 e - k} in one fused
   * multiply-add, a degree-5 polynomial for {@code 2^f}; no mask for the floor (entries below it
   * add at most {@code e^-40} each), two for the cuts; each sum's lanes added as {@link #mass}'s
   * are. Within {@link ExpMass#MASSES_ERROR}, whatever the logits' magnitude. Four operations a
   * vector fewer than {@link #mass}'s form with three sums (the floor's mask among them).
   */
  static void masses(
      float[] l,
      int offset,
      int length,
      float max,
      float invT,
      float floor,
      float cutLo,
      float cutHi,
      double[] out) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    FloatVector vmax = FloatVector.broadcast(F, max);
    FloatVector vinv = FloatVector.broadcast(F, invT);
    FloatVector log2e = FloatVector.broadcast(F, ExpMass.LOG2E);
    FloatVector lowest = FloatVector.broadcast(F, -87f);
    FloatVector zero = FloatVector.zero(F);
    FloatVector lo = FloatVector.broadcast(F, cutLo);
    FloatVector hi = FloatVector.broadcast(F, cutHi);
    FloatVector shifter = FloatVector.broadcast(F, ExpMass.SHIFTER);
    FloatVector e0 = FloatVector.broadcast(F, ExpMass.E0);
    FloatVector e1 = FloatVector.broadcast(F, ExpMass.E1);
    FloatVector e2 = FloatVector.broadcast(F, ExpMass.E2);
    FloatVector e3 = FloatVector.broadcast(F, ExpMass.E3);
    FloatVector e4 = FloatVector.broadcast(F, ExpMass.E4);
    FloatVector e5 = FloatVector.broadcast(F, ExpMass.E5);
    int block = 4 * LANES;
    int whole = length - length % block;
    double all = 0;
    double aboveLo = 0;
    double aboveHi = 0;
    FloatVector blocksAll = zero;
    FloatVector blocksLo = zero;
    FloatVector blocksHi = zero;
    int inBlocks = 0;
    for (int i = 0; i < whole; i += block) {
      FloatVector accAll = zero;
      FloatVector accLo = zero;
      FloatVector accHi = zero;
      for (int j = i; j < i + block; j += LANES) {
        FloatVector v = FloatVector.fromArray(F, l, offset + j);
        FloatVector x = v.sub(vmax).mul(vinv).max(lowest);
        FloatVector t = x.fma(log2e, shifter);
        FloatVector f = x.fma(log2e, shifter.sub(t)); // x log2 e - k: shifter - t is -k exactly
        FloatVector p = f.fma(e5, e4).fma(f, e3).fma(f, e2).fma(f, e1).fma(f, e0);
        FloatVector scale =
            t.reinterpretAsInts()
                .sub(ExpMass.SHIFTER_BITS_LESS_BIAS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        FloatVector e = p.mul(scale);
        accAll = accAll.add(e);
        // Blended with the scalar 0f, not the zero vector the accumulators restart from: with that
        // vector here, JDK 17's C2 boxed a vector every few lanes (145 KB a call at 32,000, the
        // top-p draw 2.7 bytes a token a step; JDK 25 none), KernelAllocationTest.
        accLo = accLo.add(e.blend(0f, v.compare(VectorOperators.LT, lo)));
        accHi = accHi.add(e.blend(0f, v.compare(VectorOperators.LT, hi)));
      }
      blocksAll = blocksAll.add(accAll);
      blocksLo = blocksLo.add(accLo);
      blocksHi = blocksHi.add(accHi);
      if (++inBlocks == BLOCKS) {
        all += blocksAll.reduceLanes(VectorOperators.ADD);
        aboveLo += blocksLo.reduceLanes(VectorOperators.ADD);
        aboveHi += blocksHi.reduceLanes(VectorOperators.ADD);
        blocksAll = zero;
        blocksLo = zero;
        blocksHi = zero;
        inBlocks = 0;
      }
    }
    all += blocksAll.reduceLanes(VectorOperators.ADD);
    aboveLo += blocksLo.reduceLanes(VectorOperators.ADD);
    aboveHi += blocksHi.reduceLanes(VectorOperators.ADD);
    ExpMass.scalarMasses(l, offset + whole, length - whole, max, invT, floor, cutLo, cutHi, out);
    out[0] += all;
    out[1] += aboveLo;
    out[2] += aboveHi;
  }
}
