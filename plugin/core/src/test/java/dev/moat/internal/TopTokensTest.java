package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link TopTokens}'s top-k gather across the rows of one request. */
class TopTokensTest {
  private static float[] gaussian(SplittableRandom r, int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * sd);
    }
    return a;
  }

  /**
   * After a nearly flat row, whose top groups lie within 1e-6 of the maximum, the search for the
   * next row starts from the gap it settled on. A row that needs a gap of about 30 must still be
   * gathered here, not left to the caller's slower path (return 0): the gap kept is at least 2^-10.
   * Without that floor the search needed 28 doublings and gave up after 24.
   */
  @Test
  void aNearlyFlatRowDoesNotStrandTheNextSearch() {
    SplittableRandom r = new SplittableRandom(3);
    int vocab = 20_000;
    int k = 50;
    TopTokens top = new TopTokens(vocab, new int[vocab]);
    float[] flat = gaussian(r, vocab, 1e-7);
    float max = top.scanMax(flat, 0);
    assertTrue(top.gatherTopGroups(flat, 0, max - 40, k) >= k);
    float[] wide = gaussian(r, vocab, 30);
    max = top.scanMax(wide, 0);
    int m = top.gatherTopGroups(wide, 0, max - 1000, k);
    assertTrue(m >= k, "gathered " + m);
    // A superset of the k largest, in increasing id order.
    float[] sorted = wide.clone();
    Arrays.sort(sorted);
    float kth = sorted[vocab - k];
    int reaching = 0;
    for (int j = 0; j < m; j++) {
      if (wide[top.ids()[j]] >= kth) {
        reaching++;
      }
      assertTrue(j == 0 || top.ids()[j] > top.ids()[j - 1]);
    }
    assertEquals(k, reaching);
  }
}
