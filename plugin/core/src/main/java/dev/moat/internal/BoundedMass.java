package dev.moat.internal;

/**
 * A cheaper pass than {@link Kernels#expMasses} for the top-p draw's membership test: each weight
 * {@code e^x} is taken as {@code 2^k (1 + f)}, where {@code x log2 e = k + f} with {@code 0 <= f <
 * 1}: the float whose bits are {@code (x log2 e + 127) 2^23}, one fused multiply-add and one
 * conversion to int, no polynomial. {@code 1 + f} lies between {@code 2^f} and {@link #OVER} times
 * it, so the sums bound the exact ones both ways ({@link #lowerBound}, {@link #upperBound}) and
 * decide a proposal wherever those bounds leave room; the exact pass decides the rest.
 *
 * <p>Where there is one: {@link Kernels#boundedMass} gives it only where it runs compiled (the
 * Vector API's float-to-int conversion is not intrinsified by JDK 17's C2, and the pass then boxes
 * every vector, perf/RESULTS.md), so on JDK 25 and later with the vector kernels.
 *
 * <p>Thread-safe: implementations are stateless.
 */
public interface BoundedMass {
  /**
   * The most {@code 1 + f} exceeds {@code 2^f} by on {@code [0, 1)}: 1.061475 at {@code f =
   * 0.4427}.
   */
  double OVER = 1.0615;

  /**
   * The rest of the error, relative, with room: the reduction's float roundings (the scale {@code
   * invT 2^23 / ln 2} as a float, the fused multiply-add's result near {@code 2^30}: about 3e-5 in
   * the exponent, 2.2e-5 in the weight), the sums' float roundings as {@link ExpMass#ERROR}'s, and
   * the sampler's own float weights against {@code e^x}.
   */
  double ERROR = 1e-4;

  /** {@code 2^23 / ln 2}: a scaled logit's exponent in units of the float's last mantissa bit. */
  float BITS_PER_NAT = (float) (8388608 / StrictMath.log(2));

  /** The exponent bias in the same units: {@code 127 * 2^23}. */
  float BIAS_BITS = 127f * 8388608f;

  /**
   * Into {@code out[0 .. 2)}: the sums of the bounded weights of every entry of {@code l[offset ..
   * offset + length)} and of those at least {@code cutLo}, where the bounded weight of {@code v} is
   * the float with the bits {@code (int) max(0, (v - max) * (invT * BITS_PER_NAT) + BIAS_BITS)}
   * (one fused multiply-add, -Infinity and the far tail giving 0).
   */
  void masses(float[] l, int offset, int length, float max, float invT, float cutLo, double[] out);

  /**
   * A lower bound of the exact mass of the entries at least {@code floor} of a row of {@code n},
   * from {@code out[0]}: entries below the floor are in the bounded sum but weigh nothing in the
   * sampler's (at most {@code e^-40} each).
   */
  static double lowerBound(double bounded, int n) {
    return bounded / (OVER * (1 + ERROR)) - n * 4.3e-18;
  }

  /**
   * An upper bound of the exact mass from {@code out[1]}: entries whose bounded weight is 0 weigh
   * less than {@code 2^-126} each.
   */
  static double upperBound(double bounded, int n) {
    return bounded * (1 + ERROR) + n * 0x1p-126;
  }

  /** {@link #masses} in plain Java, each sum in double: the reference for tests. */
  static void scalar(
      float[] l, int offset, int length, float max, float invT, float cutLo, double[] out) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    float m = invT * BITS_PER_NAT;
    double all = 0;
    double lo = 0;
    for (int i = 0; i < length; i++) {
      float v = l[offset + i];
      float w = weight(v - max, m);
      all += w;
      lo += v >= cutLo ? w : 0;
    }
    out[0] = all;
    out[1] = lo;
  }

  /** The bounded weight of a logit {@code d} below the maximum, at scale {@code m}. */
  static float weight(float d, float m) {
    return Float.intBitsToFloat((int) Math.max(0f, Math.fma(d, m, BIAS_BITS)));
  }
}
