package dev.moat.perf;

import dev.moat.BatchRunner;
import dev.moat.spi.SamplingParams;
import java.io.IOException;
import java.time.Duration;
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
 * One decoding step of a batch through {@link BatchRunner} on {@code threads} threads (the
 * benchmark's own included): the served demo's {@code free} tier at level 2 (row check, keyed noise
 * fused into the KGW watermark), as {@link LevelBenchmark} runs it on one thread, then {@code
 * accept} per row on the calling thread. {@code threads = 1} is {@link dev.moat.Batch}'s loop; the
 * ratio of the two is the scaling. Compare with {@link FloorBenchmark} at the same batch and
 * vocabulary in the same run.
 *
 * <p>{@code -prof gc} shows what a step allocates (nothing: the runner publishes a step through one
 * counter and parks idle workers).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar "BatchThreadsBenchmark|FloorBenchmark" -p batch=16,64 \
 *     -p vocab=128256 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class BatchThreadsBenchmark {
  @Param({"128256"})
  public int vocab;

  @Param({"16", "64"})
  public int batch;

  @Param({"1", "2"})
  public int threads;

  /**
   * How long idle workers spin before parking, in microseconds ({@code
   * BatchRunner.Builder.idleSpin}; 0, the default, parks at once, so every step unparks {@code
   * threads - 1} workers).
   */
  @Param({"0"})
  public int idleSpinMicros;

  Rows rows;
  BatchRunner runner;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    rows =
        new Rows(
            LevelBenchmark.POLICY,
            "free",
            vocab,
            batch,
            0.6,
            null,
            SamplingParams.builder().temperature(1f));
    if (rows.requests[0].level().id() != 2) {
      throw new IllegalStateException("expected level 2, got " + rows.requests[0].level().id());
    }
    runner =
        BatchRunner.builder()
            .threads(threads)
            .idleSpin(Duration.ofNanos(1000L * idleSpinMicros))
            .build();
  }

  @Setup(Level.Iteration)
  public void refresh() {
    rows.refresh();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    runner.close();
    rows.close();
  }

  @Benchmark
  public int step() {
    Rows r = rows;
    runner.processLogits(r.requests, r.logits, r.vocab);
    int sum = 0;
    for (int i = 0; i < r.batch; i++) {
      int t = r.token(i);
      r.requests[i].accept(t);
      sum += t;
    }
    r.step++;
    return sum;
  }
}
