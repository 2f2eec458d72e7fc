package dev.moat.perf;

import dev.moat.internal.PackedLists;
import dev.moat.watermark.GreenListCache;
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
 * The shared green-list cache's lookup from several threads at once: each copies lists of 1,024 hot
 * contexts out of one cache (a hit: two stamp reads, the copy, a striped hit counter). Run with
 * {@code -t 1} and {@code -t 2}: time per lookup should not grow with threads (readers write
 * nothing shared but the striped counter).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar GreenListCacheBenchmark -t 2 -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GreenListCacheBenchmark {
  /** The cache all threads share, filled with the lists of 1,024 contexts. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"128256"})
    public int vocab;

    GreenListCache.Sized cache;

    @Setup
    public void setUp() {
      GreenListCache.Sized c = new GreenListCache(64L << 20).forVocabulary(vocab);
      if (c == null) {
        throw new IllegalStateException("64 MiB hold lists of " + vocab);
      }
      int[] list = new int[c.words()];
      for (long seed = 0; seed < 1024; seed++) {
        c.offer(seed, 1, list);
      }
      cache = c;
    }
  }

  /** A thread's own scratch and position in the contexts. */
  @State(Scope.Thread)
  public static class Mine {
    int[] dst;
    long next;

    @Setup
    public void setUp(Shared s) {
      dst = new int[PackedLists.words(s.vocab)];
      next = System.identityHashCode(this);
    }
  }

  @Benchmark
  public boolean copy(Shared s, Mine m) {
    return s.cache.copy(m.next++ & 1023, 1, m.dst);
  }
}
