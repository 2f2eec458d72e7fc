package dev.moat.perf;

import dev.moat.internal.Kernels;
import dev.moat.internal.RowSummary;
import dev.moat.sampling.Sampler;
import dev.moat.spi.SamplingParams;
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
 * Moat's sampler, the step after the protections when Moat samples for the host ({@code
 * MoatRequest.sample}): greedy, plain temperature sampling, and temperature with top-p 0.95, on
 * Gaussian logits (sd 3, a spread like a real model's). Hosts that sample themselves do not pay
 * this. Each row is marked checked, as Moat's pipeline leaves a row it checked without publishing
 * its maximum: the sampler then scans it without checking it again (a host that calls the sampler
 * directly pays the check in the same pass, a few per cent more).
 *
 * <p>{@code rows = 1} samples the same row at every call, as the figures before 2026-12-02 did: the
 * core's branch predictors then learn the row. {@code rows = 8} copies the next of eight rows into
 * the sampled buffer first, as a pipeline's pass leaves a new row in cache at every step; mode
 * {@code copy} measures that copy alone, to be subtracted.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar SamplerBenchmark -prof gc
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
public class SamplerBenchmark {
  @Param({"32000", "128256"})
  int vocab;

  @Param({"greedy", "t1", "t1-top50", "t1-topp0.95"})
  String mode;

  @Param({"1"})
  int rows;

  @Param({"vector", "scalar"})
  String simd;

  /**
   * {@code gaussian}: every logit Gaussian with sd 3, a flat row whose top-p 0.95 nucleus holds
   * about 8% of the vocabulary. {@code peaked}: sd 2, and 8 tokens raised 10 to 17 above the rest,
   * so that a few tokens hold most of the mass (made to resemble a language model's rows; not taken
   * from one). {@code dominant}: sd 2, and one token raised to hold 90% of the mass at temperature
   * 1, as a language model's next token often does (made, not taken from one).
   */
  @Param({"gaussian"})
  String shape;

  Sampler sampler;
  RowSummary summary;
  float fixedMax;
  float[] logits;
  float[][] fresh;
  int next;
  boolean copyOnly;

  @Setup
  public void setUp() {
    Simd.select(simd);
    SamplingParams p =
        switch (mode) {
          case "greedy" -> SamplingParams.greedy(1);
          case "t1" -> SamplingParams.builder().temperature(1f).seed(1).build();
          case "t1-top50" -> SamplingParams.builder().temperature(1f).topK(50).seed(1).build();
          case "t1-topp0.95" ->
              SamplingParams.builder().temperature(1f).topP(0.95f).seed(1).build();
          default -> SamplingParams.builder().temperature(1f).seed(1).build(); // copy: unused
        };
    summary = new RowSummary(vocab);
    sampler = new Sampler(p, vocab, summary);
    logits = new float[vocab];
    SplittableRandom r = new SplittableRandom(3);
    fill(logits, r);
    copyOnly = "copy".equals(mode);
    fixedMax = Kernels.get().max(logits, 0, vocab, summary.groups());
    fresh = new float[rows][vocab];
    for (float[] row : fresh) {
      fill(row, r);
    }
  }

  private void fill(float[] row, SplittableRandom r) {
    boolean peaked = "peaked".equals(shape);
    boolean dominant = "dominant".equals(shape);
    for (int i = 0; i < vocab; i++) {
      row[i] = (float) (r.nextGaussian() * (peaked || dominant ? 2 : 3));
    }
    if (peaked) {
      for (int k = 0; k < 8; k++) {
        row[r.nextInt(vocab)] += 10 + 7 * (float) r.nextDouble();
      }
    }
    if (dominant) {
      double rest = 0;
      for (int i = 0; i < vocab; i++) {
        rest += Math.exp(row[i]);
      }
      row[r.nextInt(vocab)] = (float) Math.log(9 * rest); // 90% of the mass at temperature 1
    }
  }

  /**
   * The draw alone: one row, its maximum and group maxima published before each call as Moat's
   * watermark pass leaves them, so that no scan of the row is timed (a temperature mode's draw
   * reads only the summary and the tokens it proposes; top-p and top-k still read the groups they
   * gather).
   */
  @Benchmark
  public int drawPublished() {
    summary.publish(fixedMax);
    return sampler.sample(logits, 0);
  }

  @Benchmark
  public int sample() {
    if (rows > 1) {
      System.arraycopy(fresh[next], 0, logits, 0, vocab);
      next = next + 1 == rows ? 0 : next + 1;
    }
    summary.markChecked(); // as Moat's pipeline leaves a row it checked and did not summarise
    return copyOnly ? next : sampler.sample(logits, 0);
  }
}
