package dev.moat.perf;

import dev.moat.internal.Kernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each whole-row kernel of {@code dev.moat.internal.Kernels} alone, Vector API against scalar, on a
 * row of Gaussian logits (standard deviation 3): the row check, the maximum (with and without the
 * group summary), gathering the tokens within 4 of the maximum, the KGW bias, the Gumbel race's
 * filter on the keyed uniforms at a pass rate of 1 in 256, and level 2's fused pass over a cached
 * green list with keyed noise's periodic row (with and without the group summary).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar KernelsBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelsBenchmark {
  @Param({"128256"})
  int vocab;

  @Param({"vector", "scalar"})
  String simd;

  Kernels kernels;
  float[] logits;
  float[] summary;
  int[] out;
  int[] scratch = new int[Kernels.BLOCK];
  float max;
  long seed;
  int[] list;
  float[] rowUp;
  float[] rowDown;

  @Setup
  public void setUp() {
    Simd.select(simd);
    kernels = Kernels.get();
    logits = new float[vocab];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (r.nextGaussian() * 3);
    }
    summary = new float[kernels.summaryLength(vocab)];
    out = new int[vocab];
    max = kernels.max(logits, 0, vocab, summary);
    list = new int[dev.moat.internal.PackedLists.words(vocab)];
    for (int i = 0; i < list.length; i++) {
      list[i] = r.nextInt();
    }
    rowUp = new float[ROW_SHIFT + ROW_PERIOD];
    rowDown = new float[ROW_SHIFT + ROW_PERIOD];
    for (int i = 0; i < rowUp.length; i++) {
      rowUp[i] = (float) (r.nextGaussian() * 0.125);
      rowDown[i] = -rowUp[i];
    }
  }

  /** The keyed noise row's period in {@link #listPassRow}: whole blocks of the packed lists. */
  static final int ROW_PERIOD = 4096;

  /** Where the first token's entry of the periodic row is. */
  static final int ROW_SHIFT = 64;

  @Benchmark
  public boolean allFinite() {
    return kernels.allFinite(logits, 0, vocab);
  }

  @Benchmark
  public float max() {
    return kernels.max(logits, 0, vocab);
  }

  @Benchmark
  public float maxWithSummary() {
    return kernels.max(logits, 0, vocab, summary);
  }

  @Benchmark
  public int collectNear() {
    return kernels.collectAtLeast(logits, 0, vocab, summary, max - 4f, vocab, out);
  }

  @Benchmark
  public float kgwBias() {
    // delta 2 (a real watermark's): with delta 0 the stores leave the row unchanged, measured
    // 5.1-7.3 us against 12.2 us on JDK 25, a favourable case a watermark never sees.
    kernels.kgwBias(logits, 0, 0, vocab, (int) seed, (int) (++seed >>> 32), 1 << 22, 2f, scratch);
    return logits[17];
  }

  @Benchmark
  public int uniformsNoHit() {
    long s = ++seed * 0x9E3779B97F4A7C15L;
    int n = 0;
    for (int b = 0; b < vocab; b += Kernels.BLOCK) {
      n +=
          kernels.uniformsAtLeast(
              s, b, Math.min(Kernels.BLOCK, vocab - b), logits, b, max - 4f, -1, -1, out);
    }
    return n;
  }

  @Benchmark
  public int uniforms() {
    long s = ++seed * 0x9E3779B97F4A7C15L;
    int n = 0;
    for (int b = 0; b < vocab; b += Kernels.BLOCK) {
      n +=
          kernels.uniformsAtLeast(
              s,
              b,
              Math.min(Kernels.BLOCK, vocab - b),
              logits,
              b,
              max - 4f,
              -(1 << 24),
              -(1 << 24),
              out);
    }
    return n;
  }

  /**
   * Level 2's fused pass ({@code Kernels.kgwBiasFromListChecked}): the row check, a periodic keyed
   * row and the KGW bias from a cached green list, one read and one write of the row. Alternate
   * calls add and take back the same edits, so the row stays near where it started (float rounding
   * aside).
   */
  @Benchmark
  public boolean listPassRow() {
    boolean up = (++seed & 1) == 0;
    return kernels.kgwBiasFromListChecked(
        logits, 0, vocab, up ? 2f : -2f, list, up ? rowUp : rowDown, ROW_PERIOD, ROW_SHIFT);
  }

  /**
   * {@link #listPassRow} that also writes the edited row's group summary and returns its maximum
   * ({@code Kernels.kgwBiasFromListSummarized}): level 2's pass when the sampler follows.
   */
  @Benchmark
  public float listPassRowSummarized() {
    boolean up = (++seed & 1) == 0;
    return kernels.kgwBiasFromListSummarized(
        logits,
        0,
        vocab,
        up ? 2f : -2f,
        list,
        up ? rowUp : rowDown,
        ROW_PERIOD,
        ROW_SHIFT,
        summary);
  }
}
