package dev.moat.perf;

import dev.moat.detect.Detector;
import dev.moat.detect.TraceRecord;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A server's request start with a system prompt: each request carries a new {@code String} of the
 * same 1,250-character prompt (as a server parses it from every request), so nothing the JDK caches
 * on a {@code String} helps. {@code prepare} is the detector's whole stateless half (the prompt's
 * scan and keys, the system prompt's key from the thread's recent ones); {@code hashCode} is what
 * hashing the fresh prompt whole costs, the reason the detector's cache samples it instead.
 *
 * <p>Thread-safety: JMH gives each thread its own state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SystemPromptBenchmark {
  private char[] system;
  private Detector detector;

  @Setup
  public void setUp() {
    StringBuilder b = new StringBuilder();
    while (b.length() < 1_250) {
      b.append("You are the support assistant of ACME Tools. Answer briefly, cite the manual. ");
    }
    system = b.substring(0, 1_250).toCharArray();
    detector = Detector.builder().build();
  }

  @TearDown
  public void tearDown() {
    detector.close();
  }

  /** A request prepared whose system prompt is a fresh copy of the one before. */
  @Benchmark
  public Detector.Prepared prepare() {
    TraceRecord r =
        new TraceRecord(
            1_776_816_000_000L,
            "acct",
            -1,
            "free",
            null,
            null,
            0,
            new String(system),
            "Write a function that merges two sorted lists, and explain it.",
            0,
            -1,
            0,
            0);
    return detector.prepare(r);
  }

  /** A fresh copy of the prompt hashed whole. */
  @Benchmark
  public int hashCodeOfFresh() {
    return new String(system).hashCode();
  }

  /** A fresh copy of the prompt alone: the floor of the two above. */
  @Benchmark
  public String fresh() {
    return new String(system);
  }
}
