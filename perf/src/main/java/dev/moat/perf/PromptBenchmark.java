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
 * Growth with prompt length (16 to 32,768 tokens; the prompt text has about as many words): {@code
 * requestStart} is one request's start and end (the detector reads the prompt's text, Moat copies
 * its tokens into the request's history) over 10,000 live accounts; {@code token} is one token
 * (vocab 32,000, KGW) of a request with that prompt, which reads only the last tokens of it.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar PromptBenchmark -prof gc
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
public class PromptBenchmark {
  @Param({"16", "256", "4096", "32768"})
  public int promptTokens;

  static final int ACCOUNTS = 10_000;

  Growth growth;
  String[] prompts;
  int[] tokens;
  SplittableRandom random;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    growth = new Growth(1, ACCOUNTS);
    SplittableRandom r = new SplittableRandom(3);
    prompts = new String[16];
    for (int i = 0; i < prompts.length; i++) {
      // "Can you help me with" + about 2.5 words per topic: promptTokens words in all.
      prompts[i] = Growth.prompt(r, Math.max(1, promptTokens * 2 / 5));
    }
    tokens = new int[promptTokens];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = r.nextInt(Growth.VOCAB);
    }
    for (int a = 0; a < ACCOUNTS; a++) {
      growth.request(a, 0, prompts[a & 15], tokens);
    }
    random = new SplittableRandom(5);
  }

  @Setup(Level.Iteration)
  public void beginRunning() {
    growth.beginRunning(random.nextInt(ACCOUNTS), tokens);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    growth.close();
  }

  @Benchmark
  public double requestStart() {
    int a = random.nextInt(ACCOUNTS);
    return growth.request(a, 0, prompts[a & 15], tokens);
  }

  @Benchmark
  public int token() {
    return growth.token();
  }
}
