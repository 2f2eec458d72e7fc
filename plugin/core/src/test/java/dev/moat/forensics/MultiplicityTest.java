package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MultiplicityTest {
  /**
   * By hand: sorted 0.005, 0.01, 0.03, 0.04 (m = 4) give 4·0.005 = 0.02, max(0.02, 3·0.01) = 0.03,
   * max(0.03, 2·0.03) = 0.06, max(0.06, 1·0.04) = 0.06; back in input order.
   */
  @Test
  void holmMatchesHandComputedExamples() {
    assertArrayEquals(
        new double[] {0.03, 0.06, 0.06, 0.02},
        Multiplicity.holm(new double[] {0.01, 0.04, 0.03, 0.005}),
        1e-15);
    // Capped at 1, and monotone: 2·0.5 = 1, then max(1, 0.6) = 1.
    assertArrayEquals(new double[] {1, 1}, Multiplicity.holm(new double[] {0.5, 0.6}), 1e-15);
    // One test: unchanged. Ties: 3·0.01, then max(0.03, 2·0.01), then max(0.03, 0.2).
    assertArrayEquals(new double[] {0.2}, Multiplicity.holm(new double[] {0.2}), 1e-15);
    assertArrayEquals(
        new double[] {0.03, 0.03, 0.2}, Multiplicity.holm(new double[] {0.01, 0.01, 0.2}), 1e-15);
  }

  @Test
  void holmOnLog10KeepsPValuesBelowTheDoubleRange() {
    double[] adj = Multiplicity.holmLog10(new double[] {-400, -2, Double.NEGATIVE_INFINITY});
    assertEquals(-400 + Math.log10(2), adj[0], 1e-12);
    assertEquals(-2, adj[1], 1e-12);
    assertEquals(Double.NEGATIVE_INFINITY, adj[2]);
  }

  @Test
  void bonferroniMultipliesByTheKeysScanned() {
    assertEquals(Math.log10(3e-10), Multiplicity.bonferroniLog10(-10, 3), 1e-12);
    assertEquals(0, Multiplicity.bonferroniLog10(-0.1, 5));
    assertEquals(
        "`tests` was '0' but it must be >= 1",
        assertThrows(IllegalArgumentException.class, () -> Multiplicity.bonferroniLog10(-1, 0))
            .getMessage());
    assertEquals(
        "`p-value` was '1.5' but it must be in [0, 1]",
        assertThrows(IllegalArgumentException.class, () -> Multiplicity.holm(new double[] {1.5}))
            .getMessage());
    assertEquals(
        "`log10 p-value` was 'NaN' but it must be <= 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> Multiplicity.holmLog10(new double[] {Double.NaN}))
            .getMessage());
  }
}
