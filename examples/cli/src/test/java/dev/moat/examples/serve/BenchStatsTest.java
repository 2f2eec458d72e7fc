package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The interval that certifies the end-to-end overhead goals. */
class BenchStatsTest {
  @Test
  void tQuantilesMatchTheTables() {
    assertEquals(12.706, BenchStats.t975(1), 1e-9);
    assertEquals(2.042, BenchStats.t975(30), 1e-9);
    // Published values: t(0.975; 40) = 2.021, 60: 2.000, 120: 1.980.
    assertEquals(2.021, BenchStats.t975(40), 0.005);
    assertEquals(2.000, BenchStats.t975(60), 0.005);
    assertEquals(1.980, BenchStats.t975(120), 0.005);
  }

  @Test
  void aKnownSampleGivesItsInterval() {
    // log ratios 0, ln 1.1, ln 1.21: mean ln 1.1, sd ln 1.1, n 3 -> exp(ln 1.1 ± 4.303 ln 1.1 / √3)
    double[] ci = BenchStats.geometricInterval(new double[] {1.0, 1.1, 1.21});
    double l = Math.log(1.1);
    assertEquals(1.1, ci[0], 1e-12);
    assertEquals(Math.exp(l - 4.303 * l / Math.sqrt(3)), ci[1], 1e-12);
    assertEquals(Math.exp(l + 4.303 * l / Math.sqrt(3)), ci[2], 1e-12);
  }

  /**
   * Coverage: for paired rounds whose log ratio is normal around a true ratio, the interval holds
   * the true ratio in about 95% of 4,000 experiments (binomial sd 0.34%: within ±1.5% at ~4 sd).
   */
  @Test
  void theIntervalCoversTheTrueRatioAbout95PercentOfTheTime() {
    SplittableRandom r = new SplittableRandom(42);
    int covered = 0;
    int experiments = 4000;
    for (int e = 0; e < experiments; e++) {
      double[] ratios = new double[12];
      for (int i = 0; i < ratios.length; i++) {
        ratios[i] = 0.97 * Math.exp(0.05 * gaussian(r));
      }
      double[] ci = BenchStats.geometricInterval(ratios);
      covered += ci[1] <= 0.97 && 0.97 <= ci[2] ? 1 : 0;
    }
    double rate = covered / (double) experiments;
    assertTrue(Math.abs(rate - 0.95) < 0.015, "coverage " + rate);
  }

  @Test
  void badSamplesAreRefusedWithWhatIsAllowed() {
    var one =
        assertThrows(
            IllegalArgumentException.class, () -> BenchStats.geometricInterval(new double[] {1}));
    assertTrue(one.getMessage().contains("at least 2"), one.getMessage());
    var zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> BenchStats.geometricInterval(new double[] {1, 0}));
    assertTrue(zero.getMessage().contains("positive"), zero.getMessage());
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
