package dev.moat.perf;

import dev.moat.Batch;
import dev.moat.spi.SamplingParams;
import java.io.IOException;
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
 * The full per-token pipeline of a host that samples itself, at each escalation level of the served
 * demo's {@code free} tier ({@code examples/.../serve/policy.yaml}): one decoding step of a batch
 * through {@link Batch#processLogits} (row check, the level's perturbation, the tier's KGW
 * watermark, in place) and {@code accept} per row (history, pacing decision). Divide by {@code
 * batch} for the figure per token.
 *
 * <ul>
 *   <li>{@code 0}: the KGW watermark (gamma 0.25, delta 2, context width 1).
 *   <li>{@code 1}: level 0 plus logprob shaping and {@code logit_bias} neutralised (request-start
 *       and output settings: nothing more per token).
 *   <li>{@code 2}: level 1 plus keyed logit noise at 0.125 nats and pacing at 40 tokens/s (its
 *       decision; the benchmark does not wait).
 *   <li>{@code 3}: keyed logit noise at 0.5 nats and pacing at 10 tokens/s.
 * </ul>
 *
 * <p>The levels' {@code max_tokens} and {@code budget_scale} act at admission and are left out.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar LevelBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class LevelBenchmark {
  @Param({"32000", "128256", "256000"})
  public int vocab;

  @Param({"1", "16", "64"})
  public int batch;

  @Param({"0", "1", "2", "3"})
  public int level;

  /** The served demo's free tier and levels, without the admission-time caps. */
  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          watermark: {scheme: kgw, key: bench, gamma: 0.25, delta: 2.0, context_width: 1}
          escalation: {rules: [{score: 0.4, level: 1}, {score: 0.59, level: 2}], group_level: 3}
      enforcement:
        noise_key: bench
        levels:
          - {level: 1, logprobs_max: 5, logprobs_digits: 2, logit_bias: neutralise}
          - {level: 2, pacing_tokens_per_second: 40, logprobs_max: 0, logit_bias: refuse, keyed_noise_kl: 0.125}
          - {level: 3, pacing_tokens_per_second: 10, logprobs_max: 0, logit_bias: refuse, keyed_noise_kl: 0.5}
      """;

  Rows rows;

  /**
   * {@code on}: KGW reads recurring contexts' green lists from the shared cache (the default);
   * {@code off}: it hashes every step ({@code -p listCache=on,off} to compare).
   */
  @Param({"on"})
  public String listCache;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Rows.listCache(listCache);
    double score = level == 1 ? 0.45 : level == 2 ? 0.6 : 0;
    rows =
        new Rows(
            POLICY,
            "free",
            vocab,
            batch,
            score,
            level == 3 ? "group-1" : null,
            SamplingParams.builder().temperature(1f));
    rows.requireLevel(level);
  }

  @Setup(Level.Iteration)
  public void refresh() {
    rows.refresh();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    Rows.printListCache();
    rows.close();
  }

  @Benchmark
  public int step() {
    Rows r = rows;
    Batch.processLogits(r.requests, r.logits, r.vocab);
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
