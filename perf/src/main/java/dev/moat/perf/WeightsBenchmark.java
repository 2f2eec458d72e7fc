package dev.moat.perf;

import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
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
 * What weighing a whole row costs, the step top-p without top-k takes ({@code Sampler.candidates}:
 * every token within the cutoff of the maximum gets {@code w = (float) Math.exp((l - max) / T)},
 * summed in double): {@code weights} is that loop over a Gaussian row (sd 3, where every token is
 * within the cutoff), {@code scaledOnly} the same loop without the exponential. Their difference is
 * the exponentials' share of a top-p draw. {@code floatExp} is {@code weights} with {@code
 * FloatExp.exp}, which gives the same floats.
 *
 * <p>{@code expMass}: the top-p sampler's approximate mass of the whole row ({@code
 * Kernels.expMass}, one pass; {@code simd} picks the implementation). {@code expMasses}: the top-p
 * draw's membership pass ({@code Kernels.expMasses}: the row's mass and the mass at or above two
 * cuts, here a third of the way down the row's spread, as a proposed token in the nucleus has).
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar WeightsBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class WeightsBenchmark {
  @Param({"32000", "128256"})
  public int vocab;

  @Param({"vector", "scalar"})
  public String simd;

  float[] logits;
  float[] weights;
  float max;
  float cutLo;
  final double[] masses = new double[3];
  float invTemperature = 1f;
  Kernels kernels;

  @Setup
  public void setUp() {
    Simd.select(simd);
    kernels = Kernels.get();
    logits = new float[vocab];
    weights = new float[vocab];
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (3 * r.nextGaussian());
      max = Math.max(max, logits[i]);
    }
    cutLo = max - (max + 9f) / 3; // a third of the way from the maximum to -3 sd
  }

  @Benchmark
  public double expMass() {
    return kernels.expMass(
        logits, 0, vocab, max, invTemperature, max - 40f, Float.POSITIVE_INFINITY);
  }

  @Benchmark
  public double expMasses() {
    kernels.expMasses(
        logits, 0, vocab, max, invTemperature, max - 40f, cutLo, Math.nextUp(cutLo), masses);
    return masses[1];
  }

  @Benchmark
  public double weights() {
    float[] l = logits;
    float[] w = weights;
    double sum = 0;
    for (int i = 0; i < l.length; i++) {
      float x = (float) Math.exp((l[i] - max) * invTemperature);
      w[i] = x;
      sum += x;
    }
    return sum;
  }

  /** {@code weights} with {@code FloatExp.exp}: the same floats, bit for bit. */
  @Benchmark
  public double floatExp() {
    float[] l = logits;
    float[] w = weights;
    double sum = 0;
    for (int i = 0; i < l.length; i++) {
      float x = FloatExp.exp((l[i] - max) * invTemperature);
      w[i] = x;
      sum += x;
    }
    return sum;
  }

  @Benchmark
  public double scaledOnly() {
    float[] l = logits;
    float[] w = weights;
    double sum = 0;
    for (int i = 0; i < l.length; i++) {
      float x = (l[i] - max) * invTemperature;
      w[i] = x;
      sum += x;
    }
    return sum;
  }
}
