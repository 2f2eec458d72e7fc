package dev.moat.perf;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This machine's memory bandwidth for one core, as a logits processor sees it: one read and one
 * write of every float of a 256 MiB array (far beyond any cache), {@code l[i] += d}. Bandwidth =
 * 512 MiB / the score. {@link FloorBenchmark} uses it for the floor of a row that is not in cache.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar BandwidthBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BandwidthBenchmark {
  /** Bytes read plus bytes written per operation. */
  public static final long BYTES = 2L * 256 * 1024 * 1024;

  float[] big;
  float d = 1e-3f;

  @Setup
  public void setUp() {
    big = new float[64 * 1024 * 1024];
    java.util.Arrays.fill(big, 1f);
  }

  @Benchmark
  public float readWrite256MiB() {
    float[] l = big;
    float x = d;
    for (int i = 0; i < l.length; i++) {
      l[i] += x;
    }
    d = -x;
    return l[17];
  }
}
