package dev.moat.perf;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.util.Set;
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
 * Moat's per-token overhead on the host's sampling path: one {@code processLogits} (row check, then
 * the tier's protections, in place) plus one {@code accept} (history, token hooks) per operation,
 * on one thread, for a request of tier {@code none} (no protections: the cost of the row check
 * alone) or {@code kgw} (the KGW watermark, gamma 0.25, delta 2, context width 1). Sampling itself
 * is the host's and is not included.
 *
 * <pre>
 * ./mvnw -B -q -pl perf -am -DskipTests package
 * java -jar perf/target/benchmarks.jar PipelineBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector"})
public class PipelineBenchmark {
  @Param({"32000", "128256"})
  int vocab;

  @Param({"none", "kgw", "kgw-selfhash"})
  String tier;

  @Param({"vector", "scalar"})
  String simd;

  static final int REQUESTS = 24;
  static final int CAPACITY = 1_000_000;

  Moat moat;
  MoatRequest[] requests;
  int current;
  MoatRequest request;
  float[] logits;
  int token;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Simd.select(simd);
    WatermarkKey key = WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f");
    Policy policy =
        Policy.of(
            "bench",
            TierPolicy.unprotected("none"),
            TierPolicy.of("kgw", KgwSettings.builder().keyId("bench").build(), Set.of()),
            TierPolicy.of(
                "kgw-selfhash",
                KgwSettings.builder().keyId("bench").contextWidth(4).selfHash(true).build(),
                Set.of()));
    moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(key)).build();
    logits = new float[vocab];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) r.nextGaussian();
    }
    requests = makeRequests();
    current = 0;
    request = requests[0];
  }

  /**
   * Requests are made up front, each with history capacity for a million tokens, and the benchmark
   * moves to the next when one is full: nothing is allocated while measuring, so {@code -prof gc}
   * shows the per-token figure alone (a request made per iteration would add its arrays to it).
   */
  MoatRequest[] makeRequests() {
    MoatRequest[] requests = new MoatRequest[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
      requests[i] =
          moat.begin(
              RequestContext.builder()
                  .account("a")
                  .tier(tier)
                  .vocabSize(vocab)
                  .prompt("", new int[] {1, 2, 3, 4})
                  .sampling(SamplingParams.builder().maxTokens(CAPACITY).build())
                  .build());
    }
    return requests;
  }

  @TearDown(Level.Trial)
  public void endRequests() {
    for (MoatRequest r : requests) {
      r.close();
    }
    moat.close();
  }

  @Benchmark
  public float processAndAccept() {
    request.processLogits(logits);
    // Vary the context so the green list changes every token, as in real generation.
    token = (token + 7919) % vocab;
    request.accept(token);
    if (request.steps() == CAPACITY) {
      request = requests[++current]; // 24 M tokens per trial: more than a trial's iterations make
    }
    return logits[token];
  }
}
