package dev.moat.perf;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One token of a host that samples itself ({@code processLogits}, {@code accept}) at an escalation
 * level: level 0 (the row check alone), keyed logit noise at a KL budget of 0.125 nats,
 * anti-distillation sampling at 0.125 nats on a bigram proxy, and the tarpit with logprob shaping
 * (a pace the benchmark never reaches, so it measures the decision). The tokens accepted follow a
 * Zipf law, so contexts recur as in text.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar perf/target/benchmarks.jar PerturbationBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PerturbationBenchmark {
  @Param({"128256"})
  public int vocab;

  @Param({"level0", "keyed-noise", "anti-distillation", "paced"})
  public String level;

  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          escalation: {rules: [{score: 0.3, level: 1}, {score: 0.5, level: 2}, {score: 0.6, level: 3}]}
      enforcement:
        noise_key: bench
        levels:
          - {level: 1, keyed_noise_kl: 0.125}
          - {level: 2, anti_distillation_kl: 0.125}
          - {level: 3, pacing_tokens_per_second: 100000, logprobs_max: 5, logprobs_digits: 2}
      """;

  static final int CAPACITY = 1_000_000;

  Moat moat;
  RequestContext context;
  MoatRequest request;
  float[] logits;
  int token;
  int[] tokens;
  int step;

  /** A token drawn from a Zipf(1.1) law over the vocabulary (rank = id), as words are in text. */
  static int zipf(SplittableRandom r, int vocab) {
    // Inverse of the continuous approximation of the Zipf CDF: rank ~ u^(-1/(s-1)), clipped.
    double u = r.nextDouble();
    long rank = (long) Math.floor(Math.pow(1 - u, -1 / 0.1));
    return (int) Math.min(vocab - 1, Math.max(0, rank - 1));
  }

  /**
   * The anti-distillation proxy: a bigram fitted on 500,000 Zipf tokens (the proxy) and 500,000
   * others (the downstream corpus), so frequent contexts have many entries, as in text.
   */
  static dev.moat.enforce.BigramProxy proxy(int vocab) {
    SplittableRandom r = new SplittableRandom(3);
    int[][] a = new int[1][500_000];
    int[][] b = new int[1][500_000];
    for (int i = 0; i < 500_000; i++) {
      a[0][i] = zipf(r, vocab);
      b[0][i] = zipf(r, vocab);
    }
    return dev.moat.enforce.BigramProxy.fit(vocab, a, b, 1.0);
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    WatermarkKey key = WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f");
    SplittableRandom z = new SplittableRandom(2);
    tokens = new int[4096];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = zipf(z, vocab);
    }
    moat =
        Moat.builder()
            .policy(PolicyLoader.parse(POLICY, true, "bench", Set.of("bench")))
            .keys(WatermarkKeys.of(key))
            .proxyStudent(proxy(vocab))
            .audit(c -> {})
            .build();
    logits = new float[vocab];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) r.nextGaussian();
    }
    double score =
        switch (level) {
          case "level0" -> 0;
          case "keyed-noise" -> 0.4;
          case "anti-distillation" -> 0.55;
          default -> 0.9;
        };
    context =
        RequestContext.builder()
            .account("a")
            .tier("free")
            .vocabSize(vocab)
            .prompt("", new int[] {1, 2, 3, 4})
            .sampling(SamplingParams.builder().maxTokens(CAPACITY).build())
            .probing(score, null)
            .build();
    request = moat.begin(context);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    request.close();
    moat.close();
  }

  @Benchmark
  public float processAndAccept() {
    request.processLogits(logits);
    token = tokens[step++ & 4095]; // contexts as frequent as in text (Zipf), as in generation
    request.accept(token);
    if (request.steps() == CAPACITY) {
      request.close(); // a million tokens: more than a run makes at this speed
      request = moat.begin(context);
    }
    return logits[token];
  }
}
