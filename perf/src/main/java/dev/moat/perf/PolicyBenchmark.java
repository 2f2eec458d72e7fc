package dev.moat.perf;

import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
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
 * Growth with policy size (1 to 10,000 tiers, each with a watermark, budgets and a ladder): {@code
 * requestStart} is one request's start and end in a uniformly random tier over 10,000 live
 * accounts; {@code load} parses and validates the whole policy (what a hot reload costs, off the
 * request path); {@code token} is one token (vocab 32,000, KGW).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar PolicyBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xms2g",
      "-Xmx2g",
      "-XX:+AlwaysPreTouch",
      "--add-modules",
      "jdk.incubator.vector"
    })
public class PolicyBenchmark {
  @Param({"1", "10", "100", "1000", "10000"})
  public int tiers;

  static final int ACCOUNTS = 10_000;

  Growth growth;
  String text;
  String prompt;
  final int[] promptTokens = {1, 2, 3, 4, 5, 6, 7, 8};
  SplittableRandom random;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    growth = new Growth(tiers, ACCOUNTS);
    text = Growth.policy(tiers);
    prompt = Growth.prompt(new SplittableRandom(3), 12);
    random = new SplittableRandom(5);
    for (int a = 0; a < ACCOUNTS; a++) {
      growth.request(a, random.nextInt(tiers), prompt, promptTokens);
    }
  }

  @Setup(Level.Iteration)
  public void beginRunning() {
    growth.beginRunning(random.nextInt(ACCOUNTS), promptTokens);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    growth.close();
  }

  @Benchmark
  public double requestStart() {
    return growth.request(random.nextInt(ACCOUNTS), random.nextInt(tiers), prompt, promptTokens);
  }

  @Benchmark
  public Policy load() {
    return PolicyLoader.parse(text, true, "bench", Set.of("bench"));
  }

  @Benchmark
  public int token() {
    return growth.token();
  }
}
