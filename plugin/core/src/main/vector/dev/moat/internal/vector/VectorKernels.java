package dev.moat.internal.vector;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import dev.moat.internal.RowSummary;
import dev.moat.internal.TokenHash;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jspecify.annotations.Nullable;

/**
 * {@link Kernels} written with the incubating Vector API ({@code jdk.incubator.vector}), at the
 * platform's preferred vector width. Results are bit-identical to the scalar kernels: the same
 * integer mixes, the same float operations per lane, scalar tails. Compiled separately from the
 * rest of the plugin (javac warns on every use of an incubating module) and loaded reflectively by
 * {@link Kernels}, so the plugin runs on a JVM without the module.
 *
 * <p>The kernels on a token's path ({@link #allFinite}, {@link #kgwBias}, both {@link #max}s,
 * {@link #kgwBiasAddRow}) each have more than {@value #FREQ_INLINE_SIZE} bytes of bytecode, C2's
 * default {@code FreqInlineSize}, so that C2 never inlines them into a caller and compiles each as
 * a unit of its own ({@code KernelInliningTest} checks it). Inlined into a large caller on JDK 17,
 * a kernel can come out without the Vector API's intrinsics: every vector boxed, about ten times
 * slower, and allocating. Measured in the server: KGW at level 0 on a vocabulary of 128,256 without
 * the green-list cache cost 331 µs a token with {@code allFinite} at 265 bytes, 35 µs with it at
 * 421 (JDK 25: 37 µs either way); perf/RESULTS.md has the details.
 *
 * <p>Thread-safe: stateless.
 */
public final class VectorKernels extends Kernels {
  private static final VectorShape SHAPE =
      VectorShape.forBitSize(
          Math.min(
              Integer.getInteger("moat.simd.bits", 512),
              VectorShape.preferredShape().vectorBitSize()));
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
  static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(SHAPE);

  /** C2's default {@code FreqInlineSize}: hot methods up to this many bytes are inlined. */
  static final int FREQ_INLINE_SIZE = 325;

  static final IntVector LANE_GOLDEN;
  static final IntVector M1 = IntVector.broadcast(I, 0x85EBCA6B);
  static final IntVector M2 = IntVector.broadcast(I, 0xC2B2AE35);
  private static final IntVector LOW31 = IntVector.broadcast(I, 0x7FFFFFFF);

  /** The order-preserving image of -Infinity (see {@link #max(float[], int, int)}). */
  static final int ORDERED_NEGATIVE_INFINITY = 0xFF800000 ^ 0x7FFFFFFF;

  /**
   * The order-preserving image of Float.MAX_VALUE: +Infinity and NaN with the sign clear are above.
   */
  static final int ORDERED_MAX_VALUE = 0x7F7FFFFF;

  static {
    int[] g = new int[I.length()];
    for (int i = 0; i < g.length; i++) {
      g[i] = i * GOLDEN;
    }
    LANE_GOLDEN = IntVector.fromArray(I, g, 0);
  }

  /** Public for {@link Kernels}' reflective load. */
  public VectorKernels() {}

  @Override
  public String name() {
    return "vector (" + F.vectorBitSize() + "-bit)";
  }

  @Override
  protected boolean usable() {
    // Narrower vectors (or none: C2 off) gain nothing over the scalar loops.
    return F.vectorBitSize() >= 256 && I.length() == F.length();
  }

  @Override
  public boolean allFinite(float[] l, int offset, int length) {
    // Integer view: |x|'s bits reach 0x7F800000 exactly for the infinities and NaN. A lanewise
    // integer maximum (latency one cycle, eight chains) runs at load speed; the former sum of x * 0
    // was bound by the FMA's latency (4.4 us against 1.6 us per row of 128,256 on JDK 17).
    int lanes = I.length();
    IntVector abs = IntVector.broadcast(I, 0x7FFFFFFF);
    IntVector m0 = IntVector.zero(I);
    IntVector m1 = m0;
    IntVector m2 = m0;
    IntVector m3 = m0;
    IntVector m4 = m0;
    IntVector m5 = m0;
    IntVector m6 = m0;
    IntVector m7 = m0;
    int i = 0;
    for (int bound = length - 8 * lanes; i <= bound; i += 8 * lanes) {
      int o = offset + i;
      m0 = m0.max(FloatVector.fromArray(F, l, o).reinterpretAsInts().and(abs));
      m1 = m1.max(FloatVector.fromArray(F, l, o + lanes).reinterpretAsInts().and(abs));
      m2 = m2.max(FloatVector.fromArray(F, l, o + 2 * lanes).reinterpretAsInts().and(abs));
      m3 = m3.max(FloatVector.fromArray(F, l, o + 3 * lanes).reinterpretAsInts().and(abs));
      m4 = m4.max(FloatVector.fromArray(F, l, o + 4 * lanes).reinterpretAsInts().and(abs));
      m5 = m5.max(FloatVector.fromArray(F, l, o + 5 * lanes).reinterpretAsInts().and(abs));
      m6 = m6.max(FloatVector.fromArray(F, l, o + 6 * lanes).reinterpretAsInts().and(abs));
      m7 = m7.max(FloatVector.fromArray(F, l, o + 7 * lanes).reinterpretAsInts().and(abs));
    }
    int m =
        m0.max(m1).max(m2.max(m3)).max(m4.max(m5).max(m6.max(m7))).reduceLanes(VectorOperators.MAX);
    for (; i < length; i++) {
      int bits = Float.floatToRawIntBits(l[offset + i]) & 0x7FFFFFFF;
      m = bits > m ? bits : m;
    }
    return m < 0x7F800000;
  }

  @Override
  public float max(float[] l, int offset, int length) {
    int lanes = F.length();
    if (length < 4 * lanes) {
      return Kernels.scalar().max(l, offset, length);
    }
    // Four independent chains of integer maxima over order-preserving images of the floats (bits
    // with the low 31 flipped where the sign is set: for floats that are not NaN, an int order that
    // agrees with the float order, -0 below +0 as in Math.max). A lanewise float MAX carries
    // Java's NaN and signed-zero rules, several instructions on JDK 17. Written out, not in a
    // helper: a vector passed to a call C2 does not inline is boxed.
    IntVector m0 = IntVector.broadcast(I, ORDERED_NEGATIVE_INFINITY);
    IntVector m1 = m0;
    IntVector m2 = m0;
    IntVector m3 = m0;
    int i = 0;
    for (int bound = length - 4 * lanes; i <= bound; i += 4 * lanes) {
      int o = offset + i;
      IntVector a = FloatVector.fromArray(F, l, o).reinterpretAsInts();
      IntVector b = FloatVector.fromArray(F, l, o + lanes).reinterpretAsInts();
      IntVector c = FloatVector.fromArray(F, l, o + 2 * lanes).reinterpretAsInts();
      IntVector d = FloatVector.fromArray(F, l, o + 3 * lanes).reinterpretAsInts();
      m0 = m0.max(a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.ASHR, 31).and(LOW31)));
      m1 = m1.max(b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).and(LOW31)));
      m2 = m2.max(c.lanewise(VectorOperators.XOR, c.lanewise(VectorOperators.ASHR, 31).and(LOW31)));
      m3 = m3.max(d.lanewise(VectorOperators.XOR, d.lanewise(VectorOperators.ASHR, 31).and(LOW31)));
    }
    float r = fromOrdered(m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX));
    for (; i < length; i++) {
      float v = l[offset + i];
      r = v > r ? v : r;
    }
    return r;
  }

  /** The float whose order-preserving image ({@link #max(float[], int, int)}) is {@code o}. */
  static float fromOrdered(int o) {
    return Float.intBitsToFloat(o ^ ((o >> 31) & 0x7FFFFFFF));
  }

  @Override
  public int summaryGroup() {
    return 4 * F.length(); // one maximum per group of four vectors
  }

  @Override
  public float max(float[] l, int offset, int length, float[] summary) {
    // Integer maxima and reductions over the images {@link #max(float[], int, int)} uses: a float
    // MAX reduction per group cost three times as much on JDK 17 (16 us against 5.2 us per row of
    // 128,256).
    int lanes = F.length();
    int group = 4 * lanes;
    // Checked before the first write: a short summary fails here, not half-written. (Also keeps
    // this method above C2's FreqInlineSize: see the class comment.)
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    if (summary.length < length / group) {
      throw shortSummary(summary.length, length, length / group);
    }
    IntVector acc = IntVector.broadcast(I, ORDERED_NEGATIVE_INFINITY);
    int i = 0;
    int g = 0;
    int bound = length - group;
    for (; i <= bound; i += group, g++) {
      int o = offset + i;
      IntVector a = FloatVector.fromArray(F, l, o).reinterpretAsInts();
      IntVector b = FloatVector.fromArray(F, l, o + lanes).reinterpretAsInts();
      IntVector c = FloatVector.fromArray(F, l, o + 2 * lanes).reinterpretAsInts();
      IntVector d = FloatVector.fromArray(F, l, o + 3 * lanes).reinterpretAsInts();
      IntVector m =
          a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.ASHR, 31).and(LOW31))
              .max(b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).and(LOW31)))
              .max(
                  c.lanewise(VectorOperators.XOR, c.lanewise(VectorOperators.ASHR, 31).and(LOW31))
                      .max(
                          d.lanewise(
                              VectorOperators.XOR,
                              d.lanewise(VectorOperators.ASHR, 31).and(LOW31))));
      summary[g] = fromOrdered(m.reduceLanes(VectorOperators.MAX));
      acc = acc.max(m);
    }
    float r = fromOrdered(acc.reduceLanes(VectorOperators.MAX));
    for (; i < length; i++) {
      float v = l[offset + i];
      r = v > r ? v : r;
    }
    return r;
  }

  /**
   * {@link #max(float[], int, int, float[])} with the row check in the same loop: the images'
   * maximum is above +MAX_VALUE's image for +Infinity and NaN with the sign clear, and their
   * minimum below -Infinity's for NaN with the sign set (a lanewise minimum, four a group).
   */
  @Override
  public float maxChecked(float[] l, int offset, int length, float[] summary) {
    int lanes = F.length();
    int group = 4 * lanes;
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    if (summary.length < length / group) {
      throw shortSummary(summary.length, length, length / group);
    }
    IntVector acc = IntVector.broadcast(I, ORDERED_NEGATIVE_INFINITY);
    IntVector low = IntVector.broadcast(I, ORDERED_NEGATIVE_INFINITY);
    int i = 0;
    int g = 0;
    int bound = length - group;
    for (; i <= bound; i += group, g++) {
      int o = offset + i;
      IntVector a = FloatVector.fromArray(F, l, o).reinterpretAsInts();
      IntVector b = FloatVector.fromArray(F, l, o + lanes).reinterpretAsInts();
      IntVector c = FloatVector.fromArray(F, l, o + 2 * lanes).reinterpretAsInts();
      IntVector d = FloatVector.fromArray(F, l, o + 3 * lanes).reinterpretAsInts();
      a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.ASHR, 31).and(LOW31));
      b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).and(LOW31));
      c = c.lanewise(VectorOperators.XOR, c.lanewise(VectorOperators.ASHR, 31).and(LOW31));
      d = d.lanewise(VectorOperators.XOR, d.lanewise(VectorOperators.ASHR, 31).and(LOW31));
      IntVector m = a.max(b).max(c.max(d));
      low = low.min(a.min(b).min(c.min(d)));
      summary[g] = fromOrdered(m.reduceLanes(VectorOperators.MAX));
      acc = acc.max(m);
    }
    int top = acc.reduceLanes(VectorOperators.MAX);
    if (top > ORDERED_MAX_VALUE
        || low.reduceLanes(VectorOperators.MIN) < ORDERED_NEGATIVE_INFINITY) {
      return Float.NaN;
    }
    float r = fromOrdered(top);
    for (; i < length; i++) {
      float v = l[offset + i];
      if (v != v || v == Float.POSITIVE_INFINITY) {
        return Float.NaN;
      }
      r = v > r ? v : r;
    }
    return r;
  }

  @Override
  public double expMass(
      float[] l, int offset, int length, float max, float invT, float lo, float hi) {
    return VectorExpMass.mass(l, offset, length, max, invT, lo, hi);
  }

  @Override
  public void expMasses(
      float[] l,
      int offset,
      int length,
      float max,
      float invT,
      float floor,
      float cutLo,
      float cutHi,
      double[] out) {
    VectorExpMass.masses(l, offset, length, max, invT, floor, cutLo, cutHi, out);
  }

  @Override
  public dev.moat.internal.@org.jspecify.annotations.Nullable BoundedMass boundedMass() {
    return VectorBoundedMass.APPLIES ? VectorBoundedMass.INSTANCE : null;
  }

  @Override
  public void weightBounds(float[] a, int n, float max, float invT, int[] out) {
    VectorWeightBounds.bounds(a, n, max, invT, out);
  }

  @Override
  public int countAtLeast(float[] a, int n, float c) {
    return VectorListPass.countAtLeast(a, n, c);
  }

  @Override
  public int collectAtLeast(
      float[] l, int offset, int length, float[] summary, float cut, int cap, int[] out) {
    if (VectorGather.applies() && Math.abs(cut) <= Float.MAX_VALUE) {
      int n = VectorGather.collectGroups(l, offset, length, summary, cut, cap, out);
      int whole = length - length % VectorGather.GROUP;
      return n > cap ? cap + 1 : RowSummary.collectTail(l, offset, whole, length, cut, cap, n, out);
    }
    // An infinite cut (the arg-max of a row of -Infinity), or a width the gather does not take
    // (more than 16 lanes): rare, so a plain scan.
    return RowSummary.collectTail(l, offset, 0, length, cut, cap, 0, out);
  }

  @Override
  public void kgwBias(
      float[] logits,
      int offset,
      int base,
      int length,
      int s0,
      int s1,
      int threshold,
      float delta,
      int[] scratch) {
    // Checked up front, not lane by lane (also keeps this method above C2's FreqInlineSize: see the
    // class comment).
    java.util.Objects.checkFromIndexSize(offset, length, logits.length);
    if (length == 0) {
      return;
    }
    int lanes = I.length();
    IntVector x0 = LANE_GOLDEN.add(base * GOLDEN + s0); // v * GOLDEN + s0 for v = base + lane
    int stride = lanes * GOLDEN;
    // No masks: green is the sign of (x >>> 8) - threshold (both in [0, 2^24]), spread to all bits
    // by an arithmetic shift and ANDed with delta's bits, so a lane adds delta or +0f. (A compare
    // and a mask cast to floats cost 2.6x more on JDK 17, whose C2 does not intrinsify the cast.)
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector seed1 = IntVector.broadcast(I, s1);
    IntVector t = IntVector.broadcast(I, threshold);
    IntVector strideV = IntVector.broadcast(I, stride);
    int i = 0;
    for (int bound = length - lanes; i <= bound; i += lanes) {
      IntVector x = x0.lanewise(VectorOperators.XOR, seed1);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
      x = x.mul(M1);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13));
      x = x.mul(M2);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
      FloatVector add =
          x.lanewise(VectorOperators.LSHR, 8)
              .sub(t)
              .lanewise(VectorOperators.ASHR, 31)
              .and(bits)
              .reinterpretAsFloats();
      FloatVector.fromArray(F, logits, offset + i).add(add).intoArray(logits, offset + i);
      x0 = x0.add(strideV);
    }
    for (; i < length; i++) {
      int x = TokenHash.fmix32(((base + i) * GOLDEN + s0) ^ s1);
      logits[offset + i] += (((x >>> 8) - threshold) >>> 31) * delta;
    }
  }

  @Override
  public void kgwBiasAddRow(
      float[] logits,
      int offset,
      int base,
      int length,
      int s0,
      int s1,
      int threshold,
      float delta,
      float[] row,
      int rowStart,
      int[] scratch) {
    int lanes = I.length();
    IntVector x0 = LANE_GOLDEN.add(base * GOLDEN + s0);
    IntVector bits = IntVector.broadcast(I, Float.floatToRawIntBits(delta));
    IntVector seed1 = IntVector.broadcast(I, s1);
    IntVector t = IntVector.broadcast(I, threshold);
    IntVector strideV = IntVector.broadcast(I, lanes * GOLDEN);
    int i = 0;
    for (int bound = length - lanes; i <= bound; i += lanes) {
      IntVector x = x0.lanewise(VectorOperators.XOR, seed1);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
      x = x.mul(M1);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13));
      x = x.mul(M2);
      x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
      FloatVector add =
          x.lanewise(VectorOperators.LSHR, 8)
              .sub(t)
              .lanewise(VectorOperators.ASHR, 31)
              .and(bits)
              .reinterpretAsFloats();
      FloatVector.fromArray(F, logits, offset + i)
          .add(FloatVector.fromArray(F, row, rowStart + i))
          .add(add)
          .intoArray(logits, offset + i);
      x0 = x0.add(strideV);
    }
    for (; i < length; i++) {
      int x = TokenHash.fmix32(((base + i) * GOLDEN + s0) ^ s1);
      logits[offset + i] =
          (logits[offset + i] + row[rowStart + i]) + (((x >>> 8) - threshold) >>> 31) * delta;
    }
  }

  @Override
  protected void toList(
      float[] logits,
      int offset,
      int base,
      int length,
      int s0,
      int s1,
      int threshold,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list,
      int[] scratch) {
    int full = length - length % PackedLists.BLOCK;
    if (row == null) {
      VectorGreenLists.toList(logits, offset, base, full, s0, s1, threshold, delta, list);
    } else {
      VectorGreenLists.toListAddRow(
          logits, offset, base, full, s0, s1, threshold, delta, row, rowStart, list);
    }
    PackedLists.writeTail(
        logits, offset, base, base + full, length, s0, s1, threshold, delta, row, rowStart, list);
  }

  @Override
  protected void fromList(
      float[] logits,
      int offset,
      int base,
      int length,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list) {
    int full = length - length % 64; // whole groups of 64 tokens, the last block's too
    if (row == null) {
      VectorGreenLists.fromList(logits, offset, base, full, delta, list);
    } else {
      VectorGreenLists.fromListAddRow(logits, offset, base, full, delta, row, rowStart, list);
    }
    PackedLists.applyTail(logits, offset, base, base + full, length, delta, row, rowStart, list);
  }

  @Override
  protected boolean fromListChecked(
      float[] l, int o, int length, float delta, int[] list, float @Nullable [] row, int p, int s) {
    return VectorListPass.checked(l, o, length, delta, list, row, p, s);
  }

  @Override
  protected float fromListSummarized(
      float[] l,
      int o,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int p,
      int s,
      float[] summary) {
    if (I.length() != 16 && I.length() != 8) {
      return super.fromListSummarized(l, o, length, delta, list, row, p, s, summary);
    }
    return VectorSummaryPass.summarized(l, o, length, delta, list, row, p, s, summary);
  }

  @Override
  public boolean noneRejected(float[] l, int offset, int length) {
    return VectorListPass.noneRejected(l, offset, length);
  }

  @Override
  public void addRow(float[] logits, int offset, float[] row, int rowStart, int length) {
    VectorListPass.addShifted(logits, offset, row, rowStart, length);
  }

  @Override
  public int uniformsAtLeast(
      long seed,
      int base,
      int length,
      float[] l,
      int offset,
      float split,
      int hiCutAbove,
      int hiCutBelow,
      int[] out) {
    // Per group of four vectors of tokens: their high words (sign bit flipped, so that signed
    // order is unsigned order) go to out[i ..]; each lane's margin over its cut (the cut chosen by
    // its logit) goes into a lanewise maximum; one mask test on that maximum; in a group with a
    // hit, one per vector; only a vector with a hit is compacted entry by entry. Compaction writes
    // out[n] with n <= the entry being read, so it never overwrites a high word not yet read.
    // (VectorMask.toLong allocates on JDK 17; a vector passed to a call C2 does not inline is
    // boxed: everything stays in this method.)
    int s0 = (int) seed;
    int s1 = (int) (seed >>> 32);
    int above = hiCutAbove ^ Integer.MIN_VALUE;
    int below = hiCutBelow ^ Integer.MIN_VALUE;
    IntVector aboveV = IntVector.broadcast(I, above);
    IntVector belowV = IntVector.broadcast(I, below);
    int lanes = I.length();
    int group = 4 * lanes;
    IntVector x0 = LANE_GOLDEN.add(base * GOLDEN + s0); // v * GOLDEN + s0 for v = base + lane
    IntVector zero = IntVector.zero(I);
    int stride = lanes * GOLDEN;
    int n = 0;
    int i = 0;
    int bound = length - group;
    for (; i <= bound; i += group) {
      VectorMask<Integer> hit = zero.compare(VectorOperators.NE, zero);
      for (int q = 0; q < 4; q++) {
        IntVector x = x0.lanewise(VectorOperators.XOR, s1);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(0x85EBCA6B);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 13));
        x = x.mul(0xC2B2AE35);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
        x.intoArray(out, i + q * lanes);
        VectorMask<Integer> near =
            FloatVector.fromArray(F, l, offset + i + q * lanes)
                .compare(VectorOperators.GE, split)
                .cast(I);
        hit = hit.or(x.compare(VectorOperators.GE, belowV.blend(aboveV, near)));
        x0 = x0.add(stride);
      }
      if (hit.anyTrue()) {
        for (int j = i; j < i + group; j++) {
          if (out[j] >= (l[offset + j] >= split ? above : below)) {
            out[n++] = j;
          }
        }
      }
    }
    for (; i < length; i++) {
      int h = TokenHash.uniformHigh(seed, base + i) ^ Integer.MIN_VALUE;
      if (h >= (l[offset + i] >= split ? above : below)) {
        out[n++] = i;
      }
    }
    return n;
  }
}
