package dev.moat.perf;

import dev.moat.sampling.RaceRecords;
import dev.moat.sampling.Sampler;
import dev.moat.spi.SamplingParams;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Gumbel watermark's pick under temperature 1 (the exponential race over the whole row), one
 * call per token, on four Gaussian rows (sd 3) in turn and 64 recurring keyed seeds (a context seen
 * again every 64 tokens, as a hot previous token recurs in text):
 *
 * <ul>
 *   <li>{@code keyed}: {@code Sampler.race} with the keyed seed, hashing every token id to find the
 *       far tokens that could win (the path before race records);
 *   <li>{@code recorded}: {@code Sampler.raceKeyed}, the same pick with the far tokens read from
 *       the shared {@link RaceRecords} (its default budget);
 *   <li>{@code skip}: {@code Sampler.sample}, the sampler's own exact draw under temperature alone
 *       (no hashing), tried for the steps whose context repeats and not kept; those pay what {@code
 *       keyed} costs, a race with a fresh seed.
 * </ul>
 *
 * Compare with {@code FloorBenchmark.rowReadWrite} in the same run:
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar "RaceBenchmark|FloorBenchmark.rowReadWrite" -p batch=1 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RaceBenchmark {
  @Param({"32000", "128256", "256000"})
  public int vocab;

  @Param({"keyed", "recorded", "skip"})
  public String mode;

  Sampler sampler;
  int path;
  float[][] rows;
  long[] seeds;
  int call;

  @Setup
  public void setUp() {
    if (!mode.equals("keyed") && !mode.equals("recorded") && !mode.equals("skip")) {
      throw new IllegalArgumentException("mode '" + mode + "': keyed, recorded or skip");
    }
    path = mode.equals("keyed") ? 0 : mode.equals("recorded") ? 1 : 2;
    sampler = new Sampler(SamplingParams.builder().temperature(1f).seed(1).build(), vocab);
    SplittableRandom r = new SplittableRandom(3);
    rows = new float[4][vocab];
    for (float[] row : rows) {
      for (int i = 0; i < vocab; i++) {
        row[i] = (float) (r.nextGaussian() * 3);
      }
    }
    seeds = new long[64];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = r.nextLong();
    }
  }

  @TearDown
  public void tearDown() {
    if (mode.equals("recorded")) {
      RaceRecords c = RaceRecords.shared();
      long lookups = c.hits() + c.misses();
      System.out.printf(
          "%n%s (hit rate %.1f%%)%n", c, lookups == 0 ? 0 : 100.0 * c.hits() / lookups);
    }
  }

  @Benchmark
  public int pick() {
    int i = call++;
    float[] row = rows[i & 3];
    long seed = seeds[(i >>> 2) & 63];
    return switch (path) {
      case 0 -> sampler.race(row, 0, seed);
      case 1 -> sampler.raceKeyed(row, 0, seed);
      default -> sampler.sample(row, 0);
    };
  }
}
