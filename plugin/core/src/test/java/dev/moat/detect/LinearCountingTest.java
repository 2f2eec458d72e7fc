package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearCountingTest {
  /** The table gives exactly what the formula gives, for every fill of a 256-bit set. */
  @Test
  void theTableIsTheFormula() {
    SplittableRandom r = new SplittableRandom(5);
    long[] words = new long[LinkStore.SET + 2];
    for (int fill = 0; fill <= 64 * LinkStore.SET; fill++) {
      java.util.Arrays.fill(words, 0L);
      int set = 0;
      while (set < fill) {
        int bit = r.nextInt(64 * LinkStore.SET);
        long mask = 1L << bit;
        if ((words[1 + (bit >>> 6)] & mask) == 0) {
          words[1 + (bit >>> 6)] |= mask;
          set++;
        }
      }
      assertEquals(
          LinkStore.estimate(words, 1, LinkStore.SET), LinkStore.estimate(words, 1), 0, "" + fill);
    }
    assertEquals(40, LinkStore.estimate(new long[] {0xFFFFFFFFFFL, 0, 0, 0}, 0), 4);
  }
}
