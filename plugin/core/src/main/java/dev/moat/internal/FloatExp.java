package dev.moat.internal;

/**
 * {@code (float) Math.exp(x)} for a float {@code x}, bit for bit, at about half the cost: the
 * sampler's token weights ({@code w = exp((l - max) / T)}), which the golden digests fix.
 *
 * <p>How it stays exact without calling {@code Math.exp}: {@code e^x = 2^(k/64) * e^r} with {@code
 * k = round(64 x / ln 2)} and {@code |r| <= ln 2 / 128}; {@code 2^(j/64)} comes from a table of 64
 * doubles and {@code e^r} from its Taylor polynomial of degree 5 (truncation below 2^-54 relative).
 * The double {@code d} so made was within 2^-49.0 of {@code StrictMath.exp} over 20 million random
 * arguments in [-41, 0]; {@code Math.exp} is within one ulp (2^-52) by its specification. Both
 * round to the same float unless a float rounding boundary (the midpoint between two neighbouring
 * floats) lies within {@value #TOLERANCE_ULPS} ulps of {@code d} (at least 2^-43 relative, 2^6
 * times the error measured); then, about once in 2^18 calls, the answer is {@code (float)
 * Math.exp(x)} itself. The test is on the 29 bits of {@code d} that rounding to float drops: a
 * boundary is where they read {@code 1 << 28}. Outside {@code [-80, 80]} (and for NaN) it is {@code
 * Math.exp} too. {@code FloatExpTest} checks every 61st float of [-41, 0] and 8 million others.
 *
 * <p>Cost: the loop that weighs a row of 128,256 took 698 us with it against 1,244 us with {@code
 * Math.exp} ({@code WeightsBenchmark}, JDK 17, this project's 2-core machine; perf/RESULTS.md).
 * Thread-safe: static and stateless.
 */
public final class FloatExp {
  private FloatExp() {}

  /**
   * Distance, in ulps of the double, from a float rounding boundary below which Math.exp decides.
   */
  static final long TOLERANCE_ULPS = 1024;

  /** 2^(j/64), j = 0..63. */
  private static final double[] TWO_TO_J64 = new double[64];

  /**
   * 1.5 * 2^52: adding it rounds a double below 2^51 in magnitude to an integer in the low bits.
   */
  private static final double SHIFTER = 0x1.8p52;

  /** 64 / ln 2. */
  private static final double SCALE = 64 / StrictMath.log(2);

  /**
   * ln 2 / 64 in two parts: the high part with its low 20 bits zero (so {@code k * HI} is exact for
   * |k| < 2^20), the low part the rest.
   */
  private static final double LN2_64_HI;

  private static final double LN2_64_LO;

  static {
    for (int j = 0; j < 64; j++) {
      TWO_TO_J64[j] = StrictMath.pow(2, j / 64.0);
    }
    double ln2over64 = StrictMath.log(2) / 64;
    LN2_64_HI = Double.longBitsToDouble(Double.doubleToRawLongBits(ln2over64) & ~0xFFFFFL);
    LN2_64_LO = ln2over64 - LN2_64_HI;
  }

  /** {@code (float) Math.exp(x)}, bit for bit. */
  public static float exp(float x) {
    if (!(x >= -80f && x <= 80f)) {
      return (float) Math.exp(x);
    }
    double d = approx(x);
    long dropped = Double.doubleToRawLongBits(d) & 0x1FFFFFFFL;
    if (Math.abs(dropped - 0x10000000L) > TOLERANCE_ULPS) {
      return (float) d;
    }
    return (float) Math.exp(x);
  }

  /**
   * The double approximation of {@code e^x} for x in [-80, 80]; {@code FloatExpTest} bounds its
   * relative error by 2^-47 (the tolerance assumes no more than 2^-46).
   */
  static double approx(float x) {
    double shifted = x * SCALE + SHIFTER; // |x * SCALE| < 2^13
    int ki = (int) Double.doubleToRawLongBits(shifted);
    double k = shifted - SHIFTER;
    double r = (x - k * LN2_64_HI) - k * LN2_64_LO;
    double p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
    // 2^(ki >> 6) as a double's exponent: ki >> 6 is in [-116, 116].
    double scale = Double.longBitsToDouble((long) ((ki >> 6) + 1023) << 52);
    double d = TWO_TO_J64[ki & 63] * p * scale;
    return d;
  }
}
