package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link BoundedMass}'s sums bound the sampler's exact ones both ways: on 600 random rows (sizes 1
 * to 40,000; Gaussian, peaked and flat, with -Infinity masks and a far tail; shifted by up to
 * 5,000; temperatures 0.05 to 2; cuts anywhere), the lower bound of the row's mass is at most the
 * exact mass of its entries within the sampler's cutoff, and the upper bound of the mass at or
 * above the cut is at least the exact one. Exact: the sampler's own float weights ({@code (float)
 * exp((l - max) * invT)}, {@link FloatExp#exp}) summed in double. For the plain-Java reference and,
 * where the JVM runs it (JDK 25 on, vector kernels), the vector pass, whose sums must also agree
 * with the reference's to the float sums' rounding.
 */
class BoundedMassTest {
  @Test
  void theBoundsHoldOnRandomRows() {
    SplittableRandom r = new SplittableRandom(20261206);
    List<BoundedMass> passes = new ArrayList<>();
    passes.add(BoundedMass::scalar);
    Kernels vector = Kernels.vector();
    BoundedMass compiled = vector == null ? null : vector.boundedMass();
    if (compiled != null) {
      passes.add(compiled);
    }
    double[] out = new double[2];
    double[] reference = new double[2];
    double loosest = 0;
    for (int row = 0; row < 600; row++) {
      int n = row % 7 == 0 ? 1 + r.nextInt(40) : 1 + r.nextInt(40_000);
      float shift = r.nextInt(4) == 0 ? (float) (r.nextDouble() * 10_000 - 5_000) : 0f;
      float sd = (float) (0.5 + r.nextDouble() * 5);
      float[] l = new float[n + 3];
      for (int i = 0; i < n; i++) {
        double x = r.nextGaussian() * sd;
        switch (row % 3) {
          case 1 -> x = i < 8 ? 15 + r.nextDouble() * 3 : x; // peaked
          case 2 -> x = r.nextDouble(); // flat
          default -> {}
        }
        if (r.nextInt(50) == 0) {
          x = r.nextBoolean() ? Double.NEGATIVE_INFINITY : -1e4; // masked, and the far tail
        }
        l[3 + i] = (float) x + shift;
      }
      if (n > 0 && Float.isInfinite(l[3])) {
        l[3] = shift; // at least one finite entry
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, l[3 + i]);
      }
      float invT = 1f / (float) (0.05 + r.nextDouble() * 1.95);
      float floor = max - 40f / invT;
      float cut = l[3 + r.nextInt(n)];
      if (cut == Float.NEGATIVE_INFINITY) {
        cut = max;
      }
      double all = 0;
      double above = 0;
      for (int i = 0; i < n; i++) {
        float v = l[3 + i];
        if (v >= floor) {
          double w = FloatExp.exp((v - max) * invT);
          all += w;
          above += v >= cut ? w : 0;
        }
      }
      BoundedMass.scalar(l, 3, n, max, invT, cut, reference);
      for (BoundedMass b : passes) {
        b.masses(l, 3, n, max, invT, cut, out);
        String at = "row " + row + " (" + n + " entries, T " + 1 / invT + ", " + b + ")";
        assertTrue(BoundedMass.lowerBound(out[0], n) <= all, at + ": mass " + all + " " + out[0]);
        assertTrue(BoundedMass.upperBound(out[1], n) >= above, at + ": above " + above);
        assertEquals(reference[0], out[0], 3e-6 * reference[0], at);
        assertEquals(reference[1], out[1], 3e-6 * reference[1] + 1e-30, at);
        loosest = Math.max(loosest, out[0] / all);
      }
    }
    // The bound is not vacuous: the bounded mass overstates by at most the factor, with room.
    assertTrue(loosest <= BoundedMass.OVER * (1 + BoundedMass.ERROR), "loosest " + loosest);
    assertTrue(loosest > 1.001, "loosest " + loosest);
  }
}
