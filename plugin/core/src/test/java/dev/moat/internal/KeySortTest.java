package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link KeySort} gives {@code Arrays.sort}'s order on nucleus-style keys ({@code (~weight bits) <<
 * 32 | id}, ids ascending as given): weights with many ties, one exponent or many, sizes on both
 * sides of the small-input cut-over and past the skipped passes; the whole array and a range of a
 * larger one.
 */
class KeySortTest {

  @Test
  void sortsAsArraysSortDoes() {
    SplittableRandom r = new SplittableRandom(4);
    KeySort sort = new KeySort(60_000);
    int[] sizes = {
      0, 1, 2, KeySort.SMALL - 1, KeySort.SMALL, KeySort.SMALL + 1, 1_000, 20_000, 60_000
    };
    for (int n : sizes) {
      for (int kind = 0; kind < 5; kind++) {
        long[] keys = new long[n];
        int id = r.nextInt(100);
        for (int i = 0; i < n; i++) {
          float w =
              switch (kind) {
                case 0 -> (float) Math.exp(-40 * r.nextDouble()); // many exponents
                case 1 -> 0.5f + r.nextInt(1 << 10) * 0x1p-24f; // one exponent, ties
                case 2 -> 0.25f; // all equal
                case 3 -> r.nextBoolean() ? 1f : Math.nextDown(1f); // two values
                default -> (float) Math.exp(-3 * r.nextDouble()); // a nucleus's range
              };
          id += 1 + r.nextInt(3);
          keys[i] = ~(((long) Float.floatToRawIntBits(w) << 32) | (~id & 0xFFFFFFFFL));
        }
        long[] expected = keys.clone();
        Arrays.sort(expected);
        // Within a larger array, at an offset: the keys around the range are left as they are.
        int from = r.nextInt(1, 50);
        long[] within = new long[from + n + 7];
        Arrays.fill(within, 42L);
        System.arraycopy(keys, 0, within, from, n);
        long[] expectedWithin = within.clone();
        System.arraycopy(expected, 0, expectedWithin, from, n);
        sort.sort(keys, n);
        assertArrayEquals(expected, keys, "n " + n + ", kind " + kind);
        sort.sort(within, from, n);
        assertArrayEquals(expectedWithin, within, "n " + n + ", kind " + kind + ", at " + from);
      }
    }
  }
}
