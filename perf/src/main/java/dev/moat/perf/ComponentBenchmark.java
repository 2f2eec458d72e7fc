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
 * One decoding step of a whole batch through the batch SPI ({@link Batch}), one component at a
 * time: {@code batch} live requests, one row each of a {@code [batch × vocab]} logits array, each
 * row processed in place and its token accepted. Divide the score by {@code batch} for the figure
 * per token; subtract {@code check} (the row check and {@code accept}, which every tier pays) for
 * the component's own cost.
 *
 * <ul>
 *   <li>{@code check}: a tier with no protection.
 *   <li>{@code kgw}: the KGW watermark, gamma 0.25, delta 2, context width 1.
 *   <li>{@code kgw-selfhash}: KGW with self-hash seeding over a context of 4 (the 40 most likely
 *       tokens, a keyed hash each).
 *   <li>{@code keyed-noise}: keyed logit noise at a KL budget of 0.125 nats.
 *   <li>{@code anti-distillation}: anti-distillation sampling at 0.125 nats on a bigram proxy
 *       fitted on 1,000,000 Zipf tokens.
 *   <li>{@code shaping-pacing}: the tarpit's per-token decision and logprob shaping (a pace the
 *       benchmark never reaches, so it measures the decision).
 *   <li>{@code gumbel}: the Gumbel watermark, which samples (the keyed exponential race) through
 *       {@link Batch#sample}.
 *   <li>{@code sampler-t1}, {@code sampler-top50}: Moat's own sampler through {@link Batch#sample}
 *       for a host that lets Moat sample: temperature 1, and temperature 1 with top-k 50.
 * </ul>
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar ComponentBenchmark -prof gc
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
public class ComponentBenchmark {
  @Param({"32000", "128256", "256000"})
  public int vocab;

  @Param({"1", "16", "64"})
  public int batch;

  @Param({
    "check",
    "kgw",
    "kgw-selfhash",
    "keyed-noise",
    "anti-distillation",
    "shaping-pacing",
    "gumbel",
    "sampler-t1",
    "sampler-top50"
  })
  public String component;

  static final String POLICY =
      """
      version: 1
      tiers:
        check: {}
        kgw: {watermark: {scheme: kgw, key: bench, gamma: 0.25, delta: 2.0, context_width: 1}}
        kgw-selfhash: {watermark: {scheme: kgw, key: bench, gamma: 0.25, delta: 2.0, context_width: 4, seeding: selfhash}}
        gumbel: {watermark: {scheme: gumbel, key: bench, context_width: 1}}
        keyed-noise: {escalation: {rules: [{score: 0.5, level: 1}]}}
        anti-distillation: {escalation: {rules: [{score: 0.5, level: 2}]}}
        shaping-pacing: {escalation: {rules: [{score: 0.5, level: 3}]}}
      enforcement:
        noise_key: bench
        levels:
          - {level: 1, keyed_noise_kl: 0.125}
          - {level: 2, anti_distillation_kl: 0.125}
          - {level: 3, pacing_tokens_per_second: 100000, logprobs_max: 5, logprobs_digits: 2}
      """;

  Rows rows;
  boolean sampling;

  /**
   * {@code on}: KGW reads recurring contexts' green lists from the shared cache (the default);
   * {@code off}: it hashes every step ({@code -p listCache=on,off} to compare).
   */
  @Param({"on"})
  public String listCache;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Rows.listCache(listCache);
    sampling = component.equals("gumbel") || component.startsWith("sampler");
    String tier = component.startsWith("sampler") ? "check" : component;
    SamplingParams.Builder params = SamplingParams.builder().temperature(1f);
    if (component.equals("sampler-top50")) {
      params.topK(50);
    }
    rows = new Rows(POLICY, tier, vocab, batch, 0.9, null, params);
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
    int sum = 0;
    if (sampling) {
      Batch.sample(r.requests, r.logits, r.vocab, r.sampled);
      for (int i = 0; i < r.batch; i++) {
        r.requests[i].accept(r.sampled[i]);
        sum += r.sampled[i];
      }
    } else {
      Batch.processLogits(r.requests, r.logits, r.vocab);
      for (int i = 0; i < r.batch; i++) {
        int t = r.token(i);
        r.requests[i].accept(t);
        sum += t;
      }
    }
    r.step++;
    return sum;
  }
}
