package dev.moat.internal;

/**
 * A fast, approximate mass of a row's softmax weights ({@link Kernels#expMass}): the top-p sampler
 * needs the total of {@code exp((x - max) / T)} over the row only to within a known bound, and
 * weighs exactly only the tokens that can be in the nucleus.
 *
 * <p>{@link #exp} is a float exponential for arguments in [-87, 0]: {@code e^x = 2^k e^r} with
 * {@code k = round(x / ln 2)}, {@code |r| <= ln 2 / 2} (ln 2 in two parts, Cody and Waite), and
 * {@code e^r} by its Taylor polynomial of degree 6 (truncation below 2.4e-7 relative), all in float
 * arithmetic; the Vector API's lanes compute the same with fused multiply-adds. {@code ExpMassTest}
 * bounds the error of both by 6e-7 relative over [-41, 0]. Sums: the scalar loop adds the terms in
 * double; the vector loop adds four vectors per lane in float, then four such blocks per lane in
 * float, then the lanes (in an order the Vector API does not specify), then adds that float to a
 * double: positive terms, so at most (3 + 3 + 15) float roundings (2^-24 each) relative to the
 * sixteen vectors' sum (3 + 15 before 2026-12-05, when every block's lanes were added). {@link
 * #ERROR} covers both.
 *
 * <p>Thread-safe: static and stateless.
 */
public final class ExpMass {
  private ExpMass() {}

  /**
   * Bound on the relative error of {@link Kernels#expMass}, either implementation: 6e-7 for the
   * exponential, 21 * 2^-24 (1.25e-6) for the vector sum, and room for the double additions.
   */
  public static final double ERROR = 2e-6;

  /**
   * Bound on the relative error of {@link Kernels#expMasses}, either implementation, against the
   * exact sum of {@code exp(x)} over the float scaled logits {@code x = (l - max) * invT} the
   * sampler computes: the vector kernel's reduction {@code f = x log2 e - k} in one fused
   * multiply-add (2^-25 absolute, and log2 e as a float: 5.3e-7 relative while {@code |x| <= 40}),
   * its polynomial for {@code 2^f} (7.7e-8), the product's rounding and the float sums of {@link
   * #ERROR} (1.25e-6): about 2e-6, whatever the logits' magnitude, with room; entries below the
   * floor add at most {@code e^-40} each and -Infinity {@code e^-87}.
   */
  public static final double MASSES_ERROR = 3e-6;

  /** {@code 2^f} on {@code [-1/2, 1/2]}: least-squares fit of the relative error, 7.7e-8. */
  public static final float E0 = 1.0000001f;

  public static final float E1 = 0.69314694f;
  public static final float E2 = 0.24022122f;
  public static final float E3 = 0.055507425f;
  public static final float E4 = 0.00967546f;
  public static final float E5 = 0.0013266971f;

  /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer in the low bits. */
  public static final float SHIFTER = 0x1.8p23f;

  /** The float bits of {@link #SHIFTER}, less the exponent bias: {@code k + 127 = bits - this}. */
  public static final int SHIFTER_BITS_LESS_BIAS = Float.floatToRawIntBits(0x1.8p23f) - 127;

  public static final float LOG2E = (float) (1 / StrictMath.log(2));

  /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so {@code k * LN2_HI} is exact. */
  public static final float LN2_HI = 0x1.63p-1f; // 0.693359375

  public static final float LN2_LO = -2.12194440e-4f;

  public static final float C2 = 1f / 2;
  public static final float C3 = 1f / 6;
  public static final float C4 = 1f / 24;
  public static final float C5 = 1f / 120;
  public static final float C6 = 1f / 720;

  /** e^x for x in [-87, 0], within 6e-7 relative over [-41, 0] (the sampler's range). */
  public static float exp(float x) {
    float t = x * LOG2E + SHIFTER;
    float k = t - SHIFTER;
    float r = (x - k * LN2_HI) - k * LN2_LO;
    float p = 1 + r * (1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * C6)))));
    float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - SHIFTER_BITS_LESS_BIAS) << 23);
    return p * scale;
  }

  /** {@link Kernels#expMass} in plain Java, summed in double. */
  static double scalar(
      float[] l, int offset, int length, float max, float invT, float lo, float hi) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    double sum = 0;
    for (int i = 0; i < length; i++) {
      float v = l[offset + i];
      if (v >= lo && v < hi) {
        sum += exp((v - max) * invT);
      }
    }
    return sum;
  }

  /** {@link Kernels#expMasses} in plain Java, each sum in double (the vector kernel's tail too). */
  public static void scalarMasses(
      float[] l,
      int offset,
      int length,
      float max,
      float invT,
      float floor,
      float cutLo,
      float cutHi,
      double[] out) {
    java.util.Objects.checkFromIndexSize(offset, length, l.length);
    double all = 0;
    double lo = 0;
    double hi = 0;
    for (int i = 0; i < length; i++) {
      float v = l[offset + i];
      if (v >= floor) {
        double e = exp((v - max) * invT);
        all += e;
        if (v >= cutLo) {
          lo += e;
        }
        if (v >= cutHi) {
          hi += e;
        }
      }
    }
    out[0] = all;
    out[1] = lo;
    out[2] = hi;
  }
}
