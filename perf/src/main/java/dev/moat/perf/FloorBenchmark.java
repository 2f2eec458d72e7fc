package dev.moat.perf;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The physical floor of any in-place logits processor, measured in the same run as the rest: one
 * read and one write of every logit of a {@code [batch × vocab]} step ({@code rowReadWrite}: {@code
 * l[i] += d}, a loop C2 vectorises on JDK 17 and 25; the sign of {@code d} alternates, so values
 * change every call and stay put), and the machine's memory bandwidth ({@link BandwidthBenchmark}),
 * from which the floor of a row that is not in cache follows: {@code 8 · vocab · batch} bytes at
 * that bandwidth.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar "FloorBenchmark|BandwidthBenchmark"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class FloorBenchmark {
  @Param({"32000", "128256", "256000"})
  public int vocab;

  @Param({"1", "16", "64"})
  public int batch;

  float[] logits;
  float d = 1e-3f;

  @Setup
  public void setUp() {
    logits = new float[vocab * batch];
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (3 * r.nextGaussian());
    }
  }

  @Benchmark
  public float rowReadWrite() {
    float[] l = logits;
    float x = d;
    for (int i = 0; i < l.length; i++) {
      l[i] += x;
    }
    d = -x;
    return l[17];
  }
}
