package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link WeightBounds}: each bound is above the sampler's float weight, within 6.3% of it where the
 * weight is not tiny, monotone in the logit, and the same int from the scalar reference and the
 * vector lanes.
 */
class WeightBoundsTest {

  /** The weight the sampler uses: {@code (float) Math.exp(x)}, {@code x = (m - max) · invT}. */
  private static double scaledWeight(float m, float max, float invT) {
    return Math.scalb((double) (float) Math.exp((m - max) * invT), WeightBounds.UNITS_LOG2);
  }

  /**
   * Every 61st float of [-43, 0] as the exponent (about 17 million: every exponent range and
   * mantissa pattern), then 2 million random logits, maxima and inverse temperatures.
   */
  @Test
  void boundsAreAboveTheFloatWeightAndWithinSixPercentOfIt() {
    int tight = 0;
    for (int bits = Float.floatToRawIntBits(43f); bits >= 0; bits -= 61) {
      float x = -Float.intBitsToFloat(bits);
      check(x, 0f, 1f);
      tight++;
    }
    check(0f, 0f, 1f);
    check(-0f, 0f, 1f);
    SplittableRandom r = new SplittableRandom(7);
    for (int n = 0; n < 2_000_000; n++) {
      float max = (float) ((r.nextDouble() - 0.5) * (n % 3 == 0 ? 2e4 : 60));
      float invT = (float) (n % 4 == 0 ? 1 : 0.05 + 20 * r.nextDouble());
      float m = max - (float) (r.nextDouble() * (45 / invT));
      check(m, max, invT);
    }
    assertTrue(tight > 10_000_000, "exponents checked: " + tight);
  }

  private static void check(float m, float max, float invT) {
    int b = WeightBounds.bound(m, max, invT);
    double w = scaledWeight(m, max, invT);
    float x = (m - max) * invT;
    assertTrue(b >= w, () -> "bound " + b + " below 2^29 w = " + w + " at x = " + x);
    assertTrue(b >= 1 && b <= (1 << 30), () -> "bound " + b + " outside [1, 2^30] at x = " + x);
    if (x >= -20f) {
      // 1 + f over 2^f is at most 1.0615; the margin adds 2.1e-5 and the floor + 1 one unit.
      assertTrue(b <= w * 1.0617 + 2, () -> "bound " + b + " too loose for " + w + " at " + x);
    }
  }

  @Test
  void boundsAreMonotoneInTheLogit() {
    SplittableRandom r = new SplittableRandom(9);
    for (int round = 0; round < 200; round++) {
      float max = (float) ((r.nextDouble() - 0.5) * 100);
      float invT = (float) (0.1 + 5 * r.nextDouble());
      float[] m = new float[5_000];
      for (int i = 0; i < m.length; i++) {
        m[i] = max - (float) (r.nextDouble() * 60 / invT);
      }
      m[0] = Float.NEGATIVE_INFINITY;
      m[1] = max;
      Arrays.sort(m);
      int last = 0;
      for (float v : m) {
        int b = WeightBounds.bound(v, max, invT);
        assertTrue(b >= last, "bound fell from " + last + " to " + b + " at " + v);
        last = b;
      }
      assertTrue(last > 1 << 29, "the maximum's bound: " + last);
    }
  }

  /**
   * The vector lanes give the scalar reference's ints, for arrays of every length up to 100 (the
   * tails) and 5,000, with -Infinity, logits below -43 in the exponent, the maximum itself, and
   * values a rounding apart.
   */
  @Test
  void theVectorKernelGivesTheScalarReferencesInts() {
    Kernels vector = Kernels.vector();
    assertNotNull(vector, "tests run with --add-modules jdk.incubator.vector");
    SplittableRandom r = new SplittableRandom(13);
    for (int round = 0; round < 400; round++) {
      int n = round < 100 ? round : 5_000;
      float max = (float) ((r.nextDouble() - 0.5) * (round % 2 == 0 ? 40 : 4e4));
      float invT = (float) (round % 3 == 0 ? 1 : 0.02 + 8 * r.nextDouble());
      float[] a = new float[n + 3];
      for (int i = 0; i < a.length; i++) {
        int kind = r.nextInt(10);
        a[i] =
            kind == 0
                ? Float.NEGATIVE_INFINITY
                : kind == 1
                    ? max
                    : kind == 2
                        ? Math.nextDown(max)
                        : max - (float) (r.nextDouble() * (kind == 3 ? 200 : 44) / invT);
      }
      int[] want = new int[n + 3];
      int[] got = new int[n + 3];
      Kernels.scalar().weightBounds(a, n, max, invT, want);
      vector.weightBounds(a, n, max, invT, got);
      assertArrayEquals(want, got, "round " + round + ", n " + n);
      for (int i = 0; i < n; i++) {
        assertTrue(want[i] == WeightBounds.bound(a[i], max, invT));
      }
    }
  }
}
