package dev.moat.perf;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwScheme;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
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
 * Each watermark scheme's full step, the way a host calls it: {@code MoatRequest.sample} (row
 * check, the scheme, then sampling at temperature 1 with top-k 50, the setting where the
 * distortion-free scheme has a real choice to make) and {@code accept}. Schemes that do not own
 * sampling pay Moat's sampler here too, so compare each with {@code none}. {@code kgw-hf-warm}
 * cycles through 64 previous tokens whose green lists are cached; {@code HfColdBenchmark} measures
 * a cache miss.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar SchemesBenchmark -prof gc
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
public class SchemesBenchmark {
  @Param({"32000", "128256"})
  int vocab;

  @Param({"none", "kgw", "kgw-hf-warm", "gumbel"})
  String scheme;

  /** The host's sampling: temperature 1 alone, or with top-k 50. */
  @Param({"t1", "t1-top50"})
  String sampling;

  @Param({"vector", "scalar"})
  String simd;

  static final WatermarkKey KEY = WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f");
  static final int REQUESTS = 8;
  static final int CAPACITY = 1_000_000;

  Moat moat;
  MoatRequest[] requests;
  int current;
  MoatRequest request;
  float[] pristine;
  float[] logits;
  int step;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Simd.select(simd);
    WatermarkSpec spec =
        switch (scheme) {
          case "kgw" -> KgwSettings.builder().keyId("bench").build();
          case "kgw-hf-warm" -> new HfKgwSettings("bench", 0.25, 2.0, vocab, 256);
          case "gumbel" -> new GumbelSettings("bench", 1);
          default -> null;
        };
    Policy policy = Policy.of("bench", TierPolicy.of("t", spec, Set.of()));
    moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(KEY)).build();
    pristine = new float[vocab];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < vocab; i++) {
      pristine[i] = (float) (r.nextGaussian() * 3);
    }
    logits = new float[vocab];
    requests = new MoatRequest[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
      requests[i] =
          moat.begin(
              RequestContext.builder()
                  .account("a")
                  .tier("t")
                  .vocabSize(vocab)
                  .prompt("", new int[] {1})
                  .sampling(
                      SamplingParams.builder()
                          .temperature(1f)
                          .topK(sampling.equals("t1-top50") ? 50 : 0)
                          .seed(i)
                          .maxTokens(CAPACITY)
                          .build())
                  .build());
    }
    request = requests[0];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (MoatRequest r : requests) {
      r.close();
    }
    moat.close();
  }

  @Benchmark
  public int sampleAndAccept() {
    System.arraycopy(pristine, 0, logits, 0, vocab);
    int t = request.sample(logits);
    // Feed back a token from a small cycle so kgw-hf's green lists stay cached ("warm"); the other
    // schemes do not depend on it.
    request.accept((step++ & 63) + 1);
    if (request.steps() == CAPACITY) {
      request = requests[++current];
    }
    return t;
  }

  /**
   * The benchmark's own cost in {@link #sampleAndAccept}: restoring the logits row from a pristine
   * copy, which a real host does not do. Subtract it from the step.
   */
  @State(Scope.Thread)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  @Fork(2)
  public static class CopyFloorBenchmark {
    @Param({"32000", "128256"})
    int vocab;

    float[] pristine;
    float[] logits;

    @Setup
    public void setUp() {
      pristine = new float[vocab];
      logits = new float[vocab];
      java.util.Arrays.fill(pristine, 1f);
    }

    @Benchmark
    public float copy() {
      System.arraycopy(pristine, 0, logits, 0, vocab);
      return logits[17];
    }
  }

  /**
   * A green-list cache miss of the Hugging Face-compatible mode: the shuffle of the vocabulary
   * ({@code torch.randperm} on MT19937) for one previous token.
   */
  @State(Scope.Thread)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  @Fork(
      value = 2,
      jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
  public static class HfColdBenchmark {
    @Param({"32000", "128256"})
    int vocab;

    HfKgwScheme scheme;
    int prev;

    @Setup
    public void setUp() {
      scheme = new HfKgwScheme(vocab, 0.25, 15485863L, 1);
    }

    @Benchmark
    public int greenListMiss() {
      return scheme.greenListInPermutationOrder(prev++ % vocab)[0];
    }
  }
}
