package dev.moat.perf;

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
 * Growth with the number of live accounts in Moat's and the detector's state (10^3 to 10^6, each
 * with a request behind it): {@code requestStart} is one request of a uniformly random live account
 * (the worst case for the caches: no locality) through the detector's {@code observe}, admission
 * against three budget scopes, {@code begin} and its end; {@code token} is one token (vocab 32,000,
 * KGW) of a running request, which touches none of that shared state.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar SessionsBenchmark -prof gc
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
      "-Xms6g",
      "-Xmx6g",
      "-XX:+AlwaysPreTouch",
      "--add-modules",
      "jdk.incubator.vector"
    })
public class SessionsBenchmark {
  @Param({"1000", "10000", "100000", "1000000"})
  public int sessions;

  Growth growth;
  String[] prompts;
  final int[] promptTokens = {1, 2, 3, 4, 5, 6, 7, 8};
  SplittableRandom random;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    growth = new Growth(1, sessions);
    SplittableRandom r = new SplittableRandom(3);
    prompts = new String[256];
    for (int i = 0; i < prompts.length; i++) {
      prompts[i] = Growth.prompt(r, 12);
    }
    for (int a = 0; a < sessions; a++) {
      growth.request(a, 0, prompts[a & 255], promptTokens);
    }
    random = new SplittableRandom(5);
  }

  @Setup(Level.Iteration)
  public void beginRunning() {
    growth.beginRunning(random.nextInt(sessions), promptTokens);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    growth.close();
  }

  @Benchmark
  public double requestStart() {
    int a = random.nextInt(sessions);
    return growth.request(a, 0, prompts[a & 255], promptTokens);
  }

  @Benchmark
  public int token() {
    return growth.token();
  }
}
