package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link FloatExp#exp} against {@code (float) Math.exp}, bit for bit. */
class FloatExpTest {

  private static void same(float x) {
    float expected = (float) Math.exp(x);
    float actual = FloatExp.exp(x);
    if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
      assertEquals(
          Float.floatToRawIntBits(expected),
          Float.floatToRawIntBits(actual),
          "exp(" + x + " = " + Float.toHexString(x) + ")");
    }
  }

  /**
   * Every 61st float from -41 to 0 (the sampler's range: scaled logits within the cutoff of 40
   * below the maximum), about 18 million values: 1/61 of all of them, spread over every binade.
   */
  @Test
  void matchesMathExpOnTheSamplersRange() {
    int from = Float.floatToRawIntBits(-0f);
    int to = Float.floatToRawIntBits(-41f);
    for (int bits = from; bits <= to; bits += 61) {
      same(Float.intBitsToFloat(bits));
    }
  }

  @Test
  void matchesMathExpOnRandomFloatsAndEdges() {
    SplittableRandom r = new SplittableRandom(20261205);
    for (int i = 0; i < 4_000_000; i++) {
      same((float) (r.nextDouble() * 200 - 100));
      same(Float.intBitsToFloat(r.nextInt()));
    }
    float[] edges = {
      0f,
      -0f,
      1f,
      -1f,
      80f,
      -80f,
      Math.nextUp(80f),
      Math.nextDown(-80f),
      88.7f,
      -87.3f,
      -103f,
      -150f,
      100f,
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.MIN_VALUE,
      -Float.MIN_VALUE,
      Float.MAX_VALUE,
      -Float.MAX_VALUE,
      1e-30f,
      -1e-30f,
      (float) Math.log(2),
      -40f,
      -40.000004f
    };
    for (float x : edges) {
      same(x);
    }
    // Multiples of ln 2 / 32 and their neighbours: the table's joints.
    for (int k = -3700; k <= 3700; k++) {
      float x = (float) (k * Math.log(2) / 32);
      same(x);
      same(Math.nextUp(x));
      same(Math.nextDown(x));
    }
  }

  /** Arguments whose {@code e^x} lies nearest a float rounding boundary take Math.exp's answer. */
  @Test
  void theToleranceIsReachedAndHonoured() {
    // Search a dense stretch for arguments whose double approximation sits within the tolerance of
    // a boundary; every one of them must still match (it falls back), and some must exist.
    int near = 0;
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 3_000_000; i++) {
      float x = (float) (-41 * r.nextDouble());
      double e = StrictMath.exp(x);
      long dropped = Double.doubleToRawLongBits(e) & 0x1FFFFFFFL;
      if (Math.abs(dropped - 0x10000000L) <= 4 * FloatExp.TOLERANCE_ULPS) {
        near++;
        same(x);
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(
        near > 10, "near-boundary arguments found: " + near);
  }

  /** The margin the tolerance rests on: the approximation within 2^-47 of e^x, 2^4 below 2^-43. */
  @Test
  void theApproximationIsWithinTwoToTheMinus47() {
    SplittableRandom r = new SplittableRandom(11);
    double worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      float x = (float) (160 * r.nextDouble() - 80);
      double e = StrictMath.exp(x); // within one ulp, 2^-52
      worst = Math.max(worst, Math.abs(FloatExp.approx(x) - e) / e);
    }
    org.junit.jupiter.api.Assertions.assertTrue(worst < 0x1p-47, "worst relative error " + worst);
  }
}
