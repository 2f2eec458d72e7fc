package dev.moat.internal;

import org.jspecify.annotations.Nullable;

/**
 * Plain-Java {@link Kernels}, written as counted loops over arrays so that C2 can vectorise them.
 * Thread-safe: stateless.
 */
final class ScalarKernels extends Kernels {
  /** {@code STEP[i] = i * GOLDEN}: keeps the loop index out of the arithmetic for C2. */
  private static final int[] STEP = new int[BLOCK];

  static {
    for (int i = 0; i < BLOCK; i++) {
      STEP[i] = i * GOLDEN;
    }
  }

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public boolean allFinite(float[] l, int offset, int length) {
    // x * 0f is 0 for finite x and NaN for NaN and both infinities; eight accumulators so the adds
    // do not wait on each other.
    float a0 = 0f;
    float a1 = 0f;
    float a2 = 0f;
    float a3 = 0f;
    float a4 = 0f;
    float a5 = 0f;
    float a6 = 0f;
    float a7 = 0f;
    int i = offset;
    int end = offset + length;
    for (; i + 8 <= end; i += 8) {
      a0 += l[i] * 0f;
      a1 += l[i + 1] * 0f;
      a2 += l[i + 2] * 0f;
      a3 += l[i + 3] * 0f;
      a4 += l[i + 4] * 0f;
      a5 += l[i + 5] * 0f;
      a6 += l[i + 6] * 0f;
      a7 += l[i + 7] * 0f;
    }
    for (; i < end; i++) {
      a0 += l[i] * 0f;
    }
    return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7) == 0f;
  }

  @Override
  public boolean noneRejected(float[] l, int offset, int length) {
    // |x|'s bits, less one for a negative sign: at least 0x7F800000 exactly for NaN and +Infinity
    // (-Infinity becomes 0x7F7FFFFF). Four maxima, no early exit: a loop C2 can vectorise.
    int m0 = 0;
    int m1 = 0;
    int m2 = 0;
    int m3 = 0;
    int i = offset;
    int end = offset + length;
    for (; i + 4 <= end; i += 4) {
      m0 = Math.max(m0, rejected(l[i]));
      m1 = Math.max(m1, rejected(l[i + 1]));
      m2 = Math.max(m2, rejected(l[i + 2]));
      m3 = Math.max(m3, rejected(l[i + 3]));
    }
    for (; i < end; i++) {
      m0 = Math.max(m0, rejected(l[i]));
    }
    return Math.max(Math.max(m0, m1), Math.max(m2, m3)) < 0x7F800000;
  }

  private static int rejected(float x) {
    int b = Float.floatToRawIntBits(x);
    return (b & 0x7FFFFFFF) - (b >>> 31);
  }

  @Override
  public float max(float[] l, int offset, int length) {
    // A plain compare-and-branch: the branch is rarely taken after the first entries, so it
    // predicts well; measured faster on JDK 17 than Math.max (NaN rules) or selects in several
    // chains, which C2 turns into a dependent chain of conditional moves.
    float m = l[offset];
    for (int i = offset + 1, end = offset + length; i < end; i++) {
      float v = l[i];
      if (v > m) {
        m = v;
      }
    }
    return m;
  }

  @Override
  public int argMax(float[] l, int offset, int length, float[] summary, int[] scratch) {
    // One pass with a compare-and-branch (rarely taken, so well predicted): faster in plain Java
    // than the maximum with a summary and a second scan.
    int best = 0;
    float bestValue = l[offset];
    for (int i = 1; i < length; i++) {
      float v = l[offset + i];
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    return best;
  }

  /** Entries per summary maximum. */
  private static final int GROUP = 64;

  @Override
  public int summaryGroup() {
    return GROUP;
  }

  @Override
  public float max(float[] l, int offset, int length, float[] summary) {
    int groups = length / GROUP;
    float r = Float.NEGATIVE_INFINITY;
    for (int g = 0; g < groups; g++) {
      float m = max(l, offset + g * GROUP, GROUP);
      summary[g] = m;
      r = m > r ? m : r;
    }
    int tail = length - groups * GROUP;
    if (tail > 0) {
      float m = max(l, offset + groups * GROUP, tail);
      r = m > r ? m : r;
    }
    return r;
  }

  /**
   * An order-preserving int image of a float that is not NaN, in which -0 and +0 are equal, as
   * float comparison has them: the bits with the low 31 flipped where the sign is set, plus one
   * there.
   */
  private static int ordered(float x) {
    int b = Float.floatToRawIntBits(x);
    int s = b >> 31;
    return (b ^ (s & 0x7FFFFFFF)) - s;
  }

  /** 1 if {@code o >= oc}, else 0, without a branch: {@code max(o, oc) - o} is 0 exactly then. */
  private static int atLeast(int o, int oc) {
    int d = Math.max(o, oc) - o;
    return ((d | -d) >>> 31) ^ 1;
  }

  @Override
  public int countAtLeast(float[] a, int n, float c) {
    int oc = ordered(c);
    int count = 0;
    for (int i = 0; i < n; i++) {
      count += atLeast(ordered(a[i]), oc);
    }
    return count;
  }

  @Override
  public int collectAtLeast(
      float[] l, int offset, int length, float[] summary, float cut, int cap, int[] out) {
    return collectBySummary(l, offset, length, summary, GROUP, cut, cap, out);
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
    // Two passes per block: fused, JDK 17's C2 vectorises nothing (the int-to-float conversion
    // stops it); split, it vectorises the integer pass.
    for (int b = 0; b < length; b += BLOCK) {
      int n = Math.min(BLOCK, length - b);
      greenFlags(s0 + (base + b) * GOLDEN, s1, threshold, n, scratch);
      int o = offset + b;
      for (int i = 0; i < n; i++) {
        logits[o + i] += scratch[i] * delta;
      }
    }
  }

  /**
   * The integer pass of the KGW loops: {@code flags[i]} = 1 iff token {@code base + b + i} is
   * green, for {@code sb = s0 + (base + b) · GOLDEN} ({@code (base + b + i) · GOLDEN + s0 ==
   * STEP[i] + sb}). C2 vectorises it on every JDK.
   */
  private static void greenFlags(int sb, int s1, int t, int n, int[] flags) {
    final int[] step = STEP;
    for (int i = 0; i < n; i++) {
      int x = (step[i] + sb) ^ s1;
      x ^= x >>> 16;
      x *= 0x85EBCA6B;
      x ^= x >>> 13;
      x *= 0xC2B2AE35;
      x ^= x >>> 16;
      // 1 iff (x >>> 8) < t: both are in [0, 2^24], so the difference is negative exactly then.
      flags[i] = ((x >>> 8) - t) >>> 31;
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
    for (int b = 0; b < length; b += BLOCK) {
      int n = Math.min(BLOCK, length - b);
      greenFlags(s0 + (base + b) * GOLDEN, s1, threshold, n, scratch);
      int o = offset + b;
      int r = rowStart + b;
      for (int i = 0; i < n; i++) {
        logits[o + i] = (logits[o + i] + row[r + i]) + scratch[i] * delta;
      }
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
    java.util.Arrays.fill(list, (base >>> 9) << 4, PackedLists.words(base + length), 0);
    for (int b = 0; b < length; b += BLOCK) {
      int n = Math.min(BLOCK, length - b);
      greenFlags(s0 + (base + b) * GOLDEN, s1, threshold, n, scratch);
      int o = offset + b;
      if (row == null) {
        for (int i = 0; i < n; i++) {
          logits[o + i] += scratch[i] * delta;
        }
      } else {
        int r = rowStart + b;
        for (int i = 0; i < n; i++) {
          logits[o + i] = (logits[o + i] + row[r + i]) + scratch[i] * delta;
        }
      }
      for (int i = 0; i < n; i++) {
        int v = base + b + i;
        list[((v >>> 9) << 4) | (v & 15)] |= scratch[i] << (31 - ((v >>> 4) & 31));
      }
    }
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
    PackedLists.applyTail(logits, offset, base, base, length, delta, row, rowStart, list);
  }

  @Override
  protected boolean fromListChecked(
      float[] logits,
      int offset,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift) {
    return PackedLists.applyChecked(logits, offset, 0, length, delta, list, row, period, shift)
        < 0x7F800000;
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
    final int s0 = (int) seed;
    final int s1 = (int) (seed >>> 32);
    final int above = hiCutAbove ^ Integer.MIN_VALUE; // unsigned order as signed
    final int below = hiCutBelow ^ Integer.MIN_VALUE;
    int n = 0;
    for (int b = 0; b < length; b += BLOCK) {
      int len = Math.min(BLOCK, length - b);
      int sb = s0 + (base + b) * GOLDEN;
      int[] step = STEP;
      // The integer pass (which C2 vectorises) writes the high words ahead of the indices that the
      // compaction writes: out[n] with n <= the entry being read.
      for (int i = 0; i < len; i++) {
        int x = (step[i] + sb) ^ s1;
        x ^= x >>> 16;
        x *= 0x85EBCA6B;
        x ^= x >>> 13;
        x *= 0xC2B2AE35;
        x ^= x >>> 16;
        out[b + i] = x ^ Integer.MIN_VALUE;
      }
      for (int i = 0; i < len; i++) {
        int h = out[b + i];
        if (h >= (l[offset + b + i] >= split ? above : below)) {
          out[n++] = b + i;
        }
      }
    }
    return n;
  }

  /**
   * {@link #collectAtLeast} over a summary holding one maximum per {@code group} consecutive
   * entries (as both implementations keep it): a plain scan of the summary, and entry by entry only
   * in a group that reaches the cut.
   */
  private static int collectBySummary(
      float[] l,
      int offset,
      int length,
      float[] summary,
      int group,
      float cut,
      int cap,
      int[] out) {
    int groups = length / group;
    int n = 0;
    for (int g = 0; g < groups; g++) {
      if (summary[g] >= cut) {
        int base = g * group;
        for (int i = base; i < base + group; i++) {
          if (l[offset + i] >= cut) {
            out[n++] = i;
          }
        }
        if (n > cap) {
          return cap + 1;
        }
      }
    }
    return RowSummary.collectTail(l, offset, groups * group, length, cut, cap, n, out);
  }

  @Override
  public double expMass(
      float[] l, int offset, int length, float max, float invT, float lo, float hi) {
    return ExpMass.scalar(l, offset, length, max, invT, lo, hi);
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
    ExpMass.scalarMasses(l, offset, length, max, invT, floor, cutLo, cutHi, out);
  }

  @Override
  public void weightBounds(float[] a, int n, float max, float invT, int[] out) {
    WeightBounds.scalar(a, n, max, invT, out);
  }
}
