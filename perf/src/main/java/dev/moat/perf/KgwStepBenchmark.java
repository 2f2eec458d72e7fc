package dev.moat.perf;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.GreenListCache;
import dev.moat.watermark.KgwScheme;
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
 * The parts of one KGW step side by side: the keyed seed (SipHash of the context), the bias loop
 * over the vocabulary, the same bias from a cached packed green list ({@code listHit}), the miss
 * that hashes and writes the list ({@code listMiss}), the cache's copy of a list ({@code
 * listCopy}), and a plain read-modify-write pass over the same array (a floor: the least any
 * in-place logits processor can cost).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar KgwStepBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KgwStepBenchmark {
  @Param({"32000", "128256"})
  int vocab;

  @Param({"vector", "scalar"})
  String simd;

  Kernels kernels;
  KgwScheme scheme;
  float[] logits;
  int[] context = {42};
  int[] scratch = new int[KgwScheme.BLOCK];
  int[] list;
  float[] pattern = new float[2 * 2048];
  int[] copy;
  GreenListCache.Sized cache;

  @Setup
  public void setUp() {
    Simd.select(simd);
    kernels = Kernels.get();
    scheme =
        new KgwScheme(WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f"), 0.25, 1);
    logits = new float[vocab];
    list = new int[PackedLists.words(vocab)];
    copy = new int[list.length];
    kernels.kgwBiasToList(logits, 0, 0, vocab, 1, 2, 1 << 22, 2f, null, 0, list, scratch);
    GreenListCache.Sized c = new GreenListCache(4L * list.length).forVocabulary(vocab);
    if (c == null) {
      throw new IllegalStateException("a cache of one list holds one list");
    }
    cache = c;
    cache.offer(42, 7, list);
  }

  /**
   * A cached context's bias: the packed green list applied to the row ({@code
   * Kernels.kgwBiasFromList}), no hashing.
   */
  @Benchmark
  public float listHit() {
    kernels.kgwBiasFromList(logits, 0, 0, vocab, 2f, null, 0, list);
    return logits[17];
  }

  /** A context that misses: the bias hashed as {@link #biasLoop}, and its packed list written. */
  @Benchmark
  public float listMiss() {
    context[0]++;
    int s0 = context[0] * 0x9E3779B9;
    kernels.kgwBiasToList(logits, 0, 0, vocab, s0, ~s0, 1 << 22, 2f, null, 0, list, scratch);
    return logits[17];
  }

  /**
   * Level 2's fused pass from a cached list: keyed noise's 2,048-token pattern and the bias in one
   * pass, in chunks of the pattern's period as {@code KgwScheme} runs it.
   */
  @Benchmark
  public float listHitAddRow() {
    for (int b = 0; b < vocab; b += 2048) {
      kernels.kgwBiasFromList(logits, b, b, Math.min(2048, vocab - b), 2f, pattern, 1000, list);
    }
    return logits[17];
  }

  /** The same pass hashing every token ({@code Kernels.kgwBiasAddRow}), in the same chunks. */
  @Benchmark
  public float biasLoopAddRow() {
    context[0]++;
    int s0 = context[0] * 0x9E3779B9;
    for (int b = 0; b < vocab; b += 2048) {
      kernels.kgwBiasAddRow(
          logits, b, b, Math.min(2048, vocab - b), s0, ~s0, 1 << 22, 2f, pattern, 1000, scratch);
    }
    return logits[17];
  }

  /** The lookup of a hit: the shared cache's copy of a list under its slot's stamp. */
  @Benchmark
  public boolean listCopy() {
    return cache.copy(42, 7, copy);
  }

  @Benchmark
  public long seed() {
    context[0]++;
    return scheme.seed(context, 1);
  }

  @Benchmark
  public float biasLoop() {
    context[0]++;
    scheme.addBias(logits, 0, vocab, context[0] * 0x9E3779B97F4A7C15L, 2f, scratch);
    return logits[17];
  }

  /** The row check of every step: no NaN, no +Infinity ({@code Logits.firstInvalid}). */
  @Benchmark
  public boolean rowCheck() {
    return kernels.allFinite(logits, 0, vocab);
  }

  @Benchmark
  public float readWriteFloor() {
    float[] l = logits;
    float d = 1e-3f;
    for (int i = 0; i < l.length; i++) {
      l[i] += d;
    }
    return l[17];
  }
}
