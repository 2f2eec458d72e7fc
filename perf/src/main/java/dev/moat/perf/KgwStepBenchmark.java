package dev.moat.perf;

import dev.moat.internal.Kernels;
import dev.moat.key.WatermarkKey;
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
 * over the vocabulary, and a plain read-modify-write pass over the same array (a floor: the least
 * any in-place logits processor can cost).
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

  @Setup
  public void setUp() {
    Simd.select(simd);
    kernels = Kernels.get();
    scheme =
        new KgwScheme(WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f"), 0.25, 1);
    logits = new float[vocab];
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
