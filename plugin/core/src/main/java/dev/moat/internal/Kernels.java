package dev.moat.internal;

import org.jspecify.annotations.Nullable;

/**
 * The loops over a whole logits row that run once per token: the row check, the KGW green-list
 * bias, the maximum and the Gumbel watermark's candidate filter. Two implementations give
 * bit-identical results, but for the masses ({@link #expMass}, {@link #expMasses}, {@link
 * #boundedMass}: approximate, within stated bounds): {@link ScalarKernels}, plain Java that
 * HotSpot's C2 vectorises as far as it can (fully on JDK 25, only the integer half of the KGW loop
 * on JDK 17), and {@code dev.moat.internal.vector.VectorKernels}, explicit SIMD with the incubating
 * Vector API, used when the JVM was started with {@code --add-modules jdk.incubator.vector}.
 *
 * <p>The choice is made once, when this class initialises: the Vector API implementation if the
 * module is in the boot layer, its preferred vector is at least 256 bits wide and the system
 * property {@code moat.simd} is not {@code scalar}; otherwise the scalar one. It is logged once at
 * INFO. {@code -Dmoat.simd.bits=256} caps the vector width (the default is the platform's preferred
 * width, at most 512 bits). Thread-safe: implementations are stateless. Written for JDK 17's C2 as
 * much as for later ones (perf/RESULTS.md, "How the kernels were made fast on JDK 17"); {@code
 * KernelsBenchmark} in {@code perf/} measures each kernel both ways.
 */
public abstract class Kernels {
  /** Tokens per block in the blocked loops; callers' scratch arrays hold at least this many. */
  public static final int BLOCK = 1024;

  /** 2^32 / golden ratio: the multiplier of the KGW and Gumbel per-token mixes. */
  public static final int GOLDEN = 0x9E3779B9;

  /** The implementation this JVM uses. */
  public static Kernels get() {
    return KernelChoice.BEST;
  }

  /** The plain-Java implementation, always available. */
  public static Kernels scalar() {
    return KernelChoice.SCALAR;
  }

  /** The Vector API implementation, or null if this JVM does not enable the module. */
  public static @Nullable Kernels vector() {
    return KernelChoice.VECTOR;
  }

  /** A short description for logs and reports, e.g. {@code "vector (512-bit)"}. */
  public abstract String name();

  /** True if every entry of {@code l[offset .. offset + length)} is finite. */
  public abstract boolean allFinite(float[] l, int offset, int length);

  /**
   * True if no entry is NaN or +Infinity: -Infinity, a host's mask, is allowed. The row check's
   * second pass, for rows that {@link #allFinite} refuses.
   */
  public abstract boolean noneRejected(float[] l, int offset, int length);

  /** The largest entry of a non-empty row that holds no NaN. */
  public abstract float max(float[] l, int offset, int length);

  /**
   * {@link #max(float[], int, int)} that also writes a summary of the row (maxima over small groups
   * of entries, layout implementation-defined) with which {@link #collectAtLeast} skips groups.
   *
   * @param summary at least {@link #summaryLength} floats
   */
  public abstract float max(float[] l, int offset, int length, float[] summary);

  /**
   * The row check and {@link #max(float[], int, int, float[])} in one: the maximum, with the
   * summary written, if no entry is NaN or +Infinity ({@link #noneRejected}); otherwise NaN, and
   * the summary's content is unspecified. Level 0's step when Moat samples: one pass, not two.
   *
   * @param summary at least {@link #summaryLength} floats
   */
  public float maxChecked(float[] l, int offset, int length, float[] summary) {
    return noneRejected(l, offset, length) ? max(l, offset, length, summary) : Float.NaN;
  }

  /**
   * Index of the largest entry of a non-empty row that holds no NaN, the lowest index on ties.
   *
   * @param summary scratch of at least {@link #summaryLength} floats (overwritten)
   * @param scratch scratch of at least {@code length} ints (overwritten)
   */
  public int argMax(float[] l, int offset, int length, float[] summary, int[] scratch) {
    float m = max(l, offset, length, summary);
    collectAtLeast(l, offset, length, summary, m, 0, scratch);
    return scratch[0];
  }

  /** The summary size {@link #max(float[], int, int, float[])} needs for a row of this length. */
  public final int summaryLength(int length) {
    return length / summaryGroup();
  }

  /**
   * Adds {@code delta} to every entry {@code logits[offset + i]}, {@code 0 <= i < length}, whose
   * token id {@code v = base + i} is green: {@code (fmix32((v · GOLDEN + s0) XOR s1) >>> 8) <
   * threshold} ({@code fmix32} is MurmurHash3's finaliser). Red entries get {@code + 0f}, exactly
   * as in {@code x + flag * delta}.
   *
   * @param scratch at least {@link #BLOCK} ints
   */
  public abstract void kgwBias(
      float[] logits,
      int offset,
      int base,
      int length,
      int s0,
      int s1,
      int threshold,
      float delta,
      int[] scratch);

  /**
   * {@link #kgwBias} with a row added in the same pass: {@code logits[offset + i] = (logits[offset
   * + i] + row[rowStart + i]) + bias(base + i)}, the two additions in that order, so the result is
   * bit-identical to adding the row first and the KGW bias second, as two passes would. One read
   * and one write of the logits instead of two of each: a perturbation stage's keyed row fused into
   * the watermark's pass.
   *
   * @param scratch at least {@link #BLOCK} ints
   */
  public abstract void kgwBiasAddRow(
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
      int[] scratch);

  /**
   * {@link #kgwBias} (with {@code row} non-null, {@link #kgwBiasAddRow}) that also writes the green
   * list of tokens {@code [base, base + length)} to {@code list}, packed as {@link PackedLists#bit}
   * reads it: the words of those tokens' blocks are overwritten, bits past {@code base + length} in
   * the last block are zero. The same logits as {@link #kgwBias}, bit for bit.
   *
   * @param base a multiple of {@link PackedLists#BLOCK}
   * @param list at least {@link PackedLists#words}{@code (base + length)} ints
   * @param scratch at least {@link #BLOCK} ints
   */
  public final void kgwBiasToList(
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
    PackedLists.check(base, length, list);
    toList(logits, offset, base, length, s0, s1, threshold, delta, row, rowStart, list, scratch);
  }

  /**
   * Adds {@code delta} to the entries {@code logits[offset + i]}, {@code 0 <= i < length}, whose
   * token {@code base + i} is set in {@code list} (red entries get {@code + 0f}), after adding
   * {@code row[rowStart + i]} if {@code row} is non-null: bit-identical to {@link #kgwBias} or
   * {@link #kgwBiasAddRow} with the seed that made the list, without hashing a token.
   *
   * @param base a multiple of {@link PackedLists#BLOCK}
   * @param list a list {@link #kgwBiasToList} wrote for these tokens
   */
  public final void kgwBiasFromList(
      float[] logits,
      int offset,
      int base,
      int length,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list) {
    PackedLists.check(base, length, list);
    fromList(logits, offset, base, length, delta, row, rowStart, list);
  }

  /**
   * {@link #kgwBiasFromList} over a whole row, tokens {@code [0, length)}, with a periodic row if
   * {@code row} is non-null ({@code logits[offset + v] = (logits[offset + v] + row[shift + v mod
   * period]) + bias(v)}, bit-identical to {@link #kgwBiasFromList} run period by period), and the
   * row check in the same pass: returns true if every entry it read was finite. Entries that are
   * not keep their class through the pass (NaN and both infinities stay what they were), so a
   * caller that gets false can run {@link Logits#firstInvalid} on the edited row. One read and one
   * write of the row for the check, the keyed row and the watermark together.
   *
   * @param period if {@code row} is non-null: a positive multiple of 64, with {@code shift + period
   *     <= row.length}
   */
  public final boolean kgwBiasFromListChecked(
      float[] logits,
      int offset,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift) {
    PackedLists.check(0, length, list);
    PackedLists.checkPeriodic(row, period, shift);
    return fromListChecked(logits, offset, length, delta, list, row, period, shift);
  }

  /**
   * {@link #kgwBiasFromListChecked} that also leaves the summary of the edited row that {@link
   * #max(float[], int, int, float[])} would write, and returns the edited row's maximum: so a
   * sampler that follows needs no pass of its own for them. Its check is {@link #noneRejected}'s,
   * on the edited row: returns NaN, with the summary undefined, if and only if the edited row holds
   * NaN or +Infinity, that is if the input held one (the pass keeps each non-finite entry's class)
   * or an edit overflowed; -Infinity, a host's mask, is allowed. Where an implementation cannot
   * take the summary into its pass, it scans the edited row after it, as a sampler would have.
   *
   * @param summary at least {@link #summaryLength}{@code (length)} floats
   */
  public final float kgwBiasFromListSummarized(
      float[] logits,
      int offset,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift,
      float[] summary) {
    PackedLists.check(0, length, list);
    PackedLists.checkPeriodic(row, period, shift);
    java.util.Objects.checkFromIndexSize(offset, length, logits.length);
    if (summary.length < summaryLength(length)) {
      throw shortSummary(summary.length, length, summaryLength(length));
    }
    return fromListSummarized(logits, offset, length, delta, list, row, period, shift, summary);
  }

  /**
   * {@link #kgwBiasFromListSummarized} after its checks. This one: the checked pass, then {@link
   * #max(float[], int, int, float[])} over the edited row.
   */
  protected float fromListSummarized(
      float[] logits,
      int offset,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift,
      float[] summary) {
    if (fromListChecked(logits, offset, length, delta, list, row, period, shift)) {
      // A finite input can only overflow to an infinity (never NaN), which the maximum shows.
      float max = max(logits, offset, length, summary);
      return max == Float.POSITIVE_INFINITY ? Float.NaN : max;
    }
    return noneRejected(logits, offset, length) ? max(logits, offset, length, summary) : Float.NaN;
  }

  /** The error for a summary of {@code has} entries where a row of {@code length} needs more. */
  protected static IllegalArgumentException shortSummary(int has, int length, int needs) {
    return new IllegalArgumentException(
        "summary has " + has + " entries; a row of " + length + " needs " + needs);
  }

  /**
   * Entries per summary entry: the summary's entry {@code g} is the maximum of entries {@code [g ·
   * group, (g + 1) · group)}, and entries from {@code summaryLength(length) · group} on are in no
   * group.
   */
  public abstract int summaryGroup();

  /** {@link #kgwBiasFromListChecked} after its checks. */
  protected abstract boolean fromListChecked(
      float[] logits,
      int offset,
      int length,
      float delta,
      int[] list,
      float @Nullable [] row,
      int period,
      int shift);

  /** {@link #kgwBiasToList} after its checks. */
  protected abstract void toList(
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
      int[] scratch);

  /** {@link #kgwBiasFromList} after its checks. */
  protected abstract void fromList(
      float[] logits,
      int offset,
      int base,
      int length,
      float delta,
      float @Nullable [] row,
      int rowStart,
      int[] list);

  /** Adds a row: {@code logits[offset + i] += row[rowStart + i]} for {@code 0 <= i < length}. */
  public void addRow(float[] logits, int offset, float[] row, int rowStart, int length) {
    for (int i = 0; i < length; i++) {
      logits[offset + i] += row[rowStart + i];
    }
  }

  /**
   * The exponential race's filter on the keyed uniforms: writes to {@code out}, in increasing
   * order, every {@code i} in {@code [0, length)} whose {@link TokenHash#uniformHigh} word for
   * token {@code base + i} is at least (compared unsigned) {@code hiCutAbove} if {@code l[offset +
   * i] >= split}, else {@code hiCutBelow}; returns how many it wrote. Two cuts because tokens
   * nearer the maximum need a looser one: a token's {@link TokenHash#u53} can reach {@code (long)
   * hiCut << 21} only if it passes.
   *
   * @param out at least {@code length} ints
   */
  public abstract int uniformsAtLeast(
      long seed,
      int base,
      int length,
      float[] l,
      int offset,
      float split,
      int hiCutAbove,
      int hiCutBelow,
      int[] out);

  /**
   * Writes to {@code out}, in increasing order, every {@code i} in {@code [0, length)} with {@code
   * l[offset + i] >= cut}, and returns how many it wrote; but once more than {@code cap} are found
   * it may stop and returns {@code cap + 1} (the caller then knows only that the cut is too low).
   *
   * @param summary what {@link #max(float[], int, int, float[])} wrote for this row, unchanged
   * @param out at least {@code length} ints
   */
  public abstract int collectAtLeast(
      float[] l, int offset, int length, float[] summary, float cut, int cap, int[] out);

  /**
   * How many of {@code a[0 .. n)} (no NaN) are at least {@code c}, with no branch per entry: for
   * counting a summary's group maxima, which a typical cut splits unpredictably.
   */
  public abstract int countAtLeast(float[] a, int n, float c);

  /**
   * Approximately the sum of {@code exp((x - max) * invT)} over the entries {@code x} of {@code
   * l[offset .. offset + length)} with {@code lo <= x < hi}, each term at most 0 in the exponent
   * and at least -87: within {@link ExpMass#ERROR} of the exact sum, relative.
   */
  public abstract double expMass(
      float[] l, int offset, int length, float max, float invT, float lo, float hi);

  /**
   * Into {@code out[0 .. 3)}: {@link #expMass}'s sums over the entries {@code >= floor} (at most
   * {@code max - 40 / invT}), also {@code >= cutLo}, also {@code >= cutHi}; one pass, each within
   * {@link ExpMass#MASSES_ERROR}. The top-p draw's membership test.
   */
  public abstract void expMasses(
      float[] l,
      int offset,
      int length,
      float max,
      float invT,
      float floor,
      float cutLo,
      float cutHi,
      double[] out);

  /**
   * {@code out[i] = }{@link WeightBounds#bound}{@code (a[i], max, invT)} for {@code i < n}: integer
   * bounds of the softmax weights of a summary's group maxima, the same ints from every
   * implementation. {@code max} is the row's maximum (each {@code a[i] <= max}), {@code invT > 0}.
   *
   * @param out at least {@code n} ints
   */
  public abstract void weightBounds(float[] a, int n, float max, float invT, int[] out);

  /** {@link BoundedMass}'s pass where this implementation runs it compiled, else null. */
  public @Nullable BoundedMass boundedMass() {
    return null;
  }

  /** Whether this implementation is worth using on this machine. */
  protected boolean usable() {
    return true;
  }
}
