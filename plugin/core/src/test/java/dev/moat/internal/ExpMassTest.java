package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** {@link ExpMass}'s exponential and both {@link Kernels#expMass} against exact sums. */
class ExpMassTest {

  /** Every 13th float of [-41, 0]: about 85 million arguments, every binade. */
  @Test
  void theExponentialIsWithinItsBoundOverTheSamplersRange() {
    double worst = 0;
    float at = 0;
    for (int bits = Float.floatToRawIntBits(-0f);
        bits <= Float.floatToRawIntBits(-41f);
        bits += 13) {
      float x = Float.intBitsToFloat(bits);
      double e = Math.exp(x);
      double err = Math.abs(ExpMass.exp(x) - e) / e;
      if (err > worst) {
        worst = err;
        at = x;
      }
    }
    assertTrue(worst <= 6e-7, "worst relative error " + worst + " at " + at);
  }

  @Test
  void bothKernelsAreWithinErrorOfTheExactMass() {
    SplittableRandom r = new SplittableRandom(5);
    int cases = 0;
    for (int round = 0; round < 300; round++) {
      Row row = Row.random(r);
      if (row == null) {
        continue;
      }
      float[] l = row.l;
      int offset = row.offset;
      int length = row.length;
      double sd = row.sd;
      float max = row.max;
      float invT = (float) (0.3 + 3 * r.nextDouble());
      float floor = max - 40f / invT;
      float[] his = {Float.POSITIVE_INFINITY, max, max - (float) (sd * r.nextDouble()), floor};
      for (float hi : his) {
        double exact = 0;
        for (int i = offset; i < offset + length; i++) {
          if (l[i] >= floor && l[i] < hi) {
            exact += Math.exp((double) ((l[i] - max) * invT));
          }
        }
        for (Kernels k : CheckedListPassTest.both()) {
          double got = k.expMass(l, offset, length, max, invT, floor, hi);
          assertTrue(
              Math.abs(got - exact) <= ExpMass.ERROR * exact,
              k.name() + ": " + got + " against " + exact + " (length " + length + ")");
          cases++;
        }
      }
    }
    assertTrue(cases > 1000, "cases " + cases);
  }

  /**
   * {@link Kernels#expMasses}, both kernels, against exact sums of {@code exp} of the float scaled
   * logits the sampler computes, over the floor and at or above two cuts: rows of 1 to 5,000 at
   * spreads of 0.5 to 6.5 (some past the cutoff), masked entries, temperatures 0.3 to 3.3. The
   * largest relative error seen must be within {@link ExpMass#MASSES_ERROR}, and above a 20th of it
   * for the vector kernel (else the bound says little).
   */
  @Test
  void bothKernelsMassesAreWithinTheirBound() {
    SplittableRandom r = new SplittableRandom(6);
    int cases = 0;
    double worst = 0;
    double[] out = new double[3];
    for (int round = 0; round < 400; round++) {
      Row row = Row.random(r);
      if (row == null) {
        continue;
      }
      float[] l = row.l;
      int offset = row.offset;
      int length = row.length;
      double sd = row.sd;
      float max = row.max;
      float invT = (float) (0.3 + 3 * r.nextDouble());
      float floor = max - 40f / invT;
      float cutLo = max - (float) (2 * sd * r.nextDouble());
      float cutHi = r.nextBoolean() ? Math.nextUp(cutLo) : cutLo + (float) (0.1 * r.nextDouble());
      double[] exact = new double[3];
      for (int i = offset; i < offset + length; i++) {
        if (l[i] >= floor) {
          double e = Math.exp((double) ((l[i] - max) * invT));
          exact[0] += e;
          exact[1] += l[i] >= cutLo ? e : 0;
          exact[2] += l[i] >= cutHi ? e : 0;
        }
      }
      for (Kernels k : CheckedListPassTest.both()) {
        k.expMasses(l, offset, length, max, invT, floor, cutLo, cutHi, out);
        for (int s = 0; s < 3; s++) {
          double err = exact[s] == 0 ? out[s] : Math.abs(out[s] - exact[s]) / exact[s];
          assertTrue(
              exact[s] == 0 ? out[s] < 1e-25 : err <= ExpMass.MASSES_ERROR,
              k.name() + ", sum " + s + ": " + out[s] + " against " + exact[s]);
          if (exact[s] > 0 && k != Kernels.scalar()) {
            worst = Math.max(worst, err);
          }
          cases++;
        }
      }
    }
    assertTrue(cases > 1000, "cases " + cases);
    if (Kernels.vector() != null) {
      assertTrue(worst > 0.05 * ExpMass.MASSES_ERROR, "worst relative error " + worst);
    }
  }

  /**
   * Logits far from zero (a row shifted by up to 5,000, at temperatures down to 0.05): the masses'
   * error must not grow with the logits' magnitude. A first form of the vector kernel took {@code x
   * log2 e} as {@code l * c - max * c} in one fused multiply-add, whose roundings grow with {@code
   * |max| / T}: 7.8e-5 relative here.
   */
  @Test
  void massesOfLogitsFarFromZeroAreWithinTheirBound() {
    SplittableRandom r = new SplittableRandom(7);
    double[] out = new double[3];
    for (int round = 0; round < 60; round++) {
      int length = 1_000 + r.nextInt(4_000);
      float shift = (float) ((r.nextBoolean() ? 1 : -1) * 5_000 * r.nextDouble());
      float[] l = new float[length];
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < length; i++) {
        l[i] = shift + (float) (3 * r.nextGaussian());
        max = Math.max(max, l[i]);
      }
      float invT = (float) (1 / (0.05 + 2 * r.nextDouble()));
      float floor = max - 40f / invT;
      float cutLo = max - (float) (4 * r.nextDouble() / invT);
      double[] exact = new double[3];
      for (float v : l) {
        if (v >= floor) {
          double e = Math.exp((double) ((v - max) * invT));
          exact[0] += e;
          exact[1] += v >= cutLo ? e : 0;
          exact[2] += v >= cutLo ? e : 0;
        }
      }
      for (Kernels k : CheckedListPassTest.both()) {
        k.expMasses(l, 0, length, max, invT, floor, cutLo, cutLo, out);
        for (int s = 0; s < 3; s++) {
          assertTrue(
              Math.abs(out[s] - exact[s]) <= ExpMass.MASSES_ERROR * exact[s],
              k.name()
                  + ", shift "
                  + shift
                  + ", T "
                  + 1 / invT
                  + ", sum "
                  + s
                  + ": "
                  + out[s]
                  + " against "
                  + exact[s]);
        }
      }
    }
  }

  @Test
  void aLongRowOfEqualTermsIsWithinError() {
    // The worst case for summation: 128,256 equal terms, every one at the top.
    float[] l = new float[128_256];
    java.util.Arrays.fill(l, 1.25f);
    for (Kernels k : CheckedListPassTest.both()) {
      double got = k.expMass(l, 0, l.length, 1.25f, 1f, -100f, Float.POSITIVE_INFINITY);
      assertTrue(Math.abs(got - l.length) <= ExpMass.ERROR * l.length, k.name() + ": " + got);
    }
  }

  /**
   * A random row: 1 to 5,000 entries at an offset below 40 in a longer array, Gaussian of sd 0.5 to
   * 6.5, one in 50 masked; null when every entry in range is masked.
   */
  private static final class Row {
    final float[] l;
    final int offset;
    final int length;
    final double sd;
    final float max;

    private Row(float[] l, int offset, int length, double sd, float max) {
      this.l = l;
      this.offset = offset;
      this.length = length;
      this.sd = sd;
      this.max = max;
    }

    static @Nullable Row random(SplittableRandom r) {
      int length = 1 + r.nextInt(5000);
      int offset = r.nextInt(40);
      float[] l = new float[offset + length + r.nextInt(40)];
      double sd = 0.5 + 6 * r.nextDouble();
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < l.length; i++) {
        l[i] = r.nextInt(50) == 0 ? Float.NEGATIVE_INFINITY : (float) (sd * r.nextGaussian());
        if (i >= offset && i < offset + length) {
          max = Math.max(max, l[i]);
        }
      }
      return max == Float.NEGATIVE_INFINITY ? null : new Row(l, offset, length, sd, max);
    }
  }
}
