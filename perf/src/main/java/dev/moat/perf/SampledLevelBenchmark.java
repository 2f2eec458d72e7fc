package dev.moat.perf;

import dev.moat.MoatRequest;
import dev.moat.spi.SamplingParams;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decoding step of the served demo's {@code free} tier when Moat samples for the host, as
 * {@code ./moat serve} does ({@code MoatRequest.sample}: the row check, the level's keyed noise,
 * the KGW watermark, then Moat's sampler), on a new row at every step: each call first copies the
 * next of eight Gaussian rows (sd 3) into the sampled buffer, as a model leaves a new row at every
 * step. The accepted token follows a Zipf law (the watermark's contexts recur as in text), as in
 * {@link LevelBenchmark}, whose policy this is.
 *
 * <p>Six warm-up seconds: at 128,256 the first steps run in the interpreter at tens of milliseconds
 * each (the Vector API without C2 is a Java call per operation), and C2 reaches them only after two
 * to three seconds.
 *
 * <ul>
 *   <li>{@code t1}, {@code t1-top50}, {@code greedy}: the whole step with Moat's sampler at
 *       temperature 1, temperature 1 with top-k 50, and greedy.
 *   <li>{@code process}: the protections alone ({@code processLogits}, a host that samples itself),
 *       on the same new rows.
 *   <li>{@code copy}: the copy alone, to be subtracted from the others.
 * </ul>
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar SampledLevelBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class SampledLevelBenchmark {
  @Param({"32000", "128256", "256000"})
  public int vocab;

  @Param({"0", "2"})
  public int level;

  @Param({"t1", "t1-top50", "greedy", "process", "copy"})
  public String mode;

  private static final int FRESH = 8;

  Rows rows;
  MoatRequest request;
  float[][] fresh;
  int next;
  int kind;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    SamplingParams.Builder params =
        switch (mode) {
          case "t1-top50" -> SamplingParams.builder().temperature(1f).topK(50);
          case "greedy" -> SamplingParams.builder().temperature(0f);
          case "t1", "process", "copy" -> SamplingParams.builder().temperature(1f);
          default -> throw new IllegalArgumentException("mode '" + mode + "'");
        };
    kind = mode.equals("copy") ? 0 : mode.equals("process") ? 1 : 2;
    rows =
        new Rows(
            LevelBenchmark.POLICY, "free", vocab, 1, level == 2 ? 0.6 : 0, null, params.seed(7));
    rows.requireLevel(level);
    SplittableRandom r = new SplittableRandom(5);
    fresh = new float[FRESH][vocab];
    for (float[] row : fresh) {
      for (int i = 0; i < vocab; i++) {
        row[i] = (float) (3 * r.nextGaussian());
      }
    }
  }

  @Setup(Level.Iteration)
  public void refresh() {
    rows.refresh();
    request = rows.requests[0];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    Rows.printListCache();
    rows.close();
  }

  @Benchmark
  public int step() {
    Rows r = rows;
    float[] l = r.logits;
    System.arraycopy(fresh[next], 0, l, 0, vocab);
    next = next + 1 == FRESH ? 0 : next + 1;
    int out = next;
    if (kind == 1) {
      request.processLogits(l, 0);
    } else if (kind == 2) {
      out = request.sample(l, 0);
    }
    if (kind != 0) {
      request.accept(r.token(0));
      r.step++;
    }
    return out;
  }
}
