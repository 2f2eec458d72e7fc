package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinkingPrimitivesTest {
  @Test
  void skeletonsRemoveFillersAndKeepTheWording() {
    assertEquals(
        "write a python function that sorts 0 integers in \"_\" order.",
        PromptSkeleton.of(
            "Write a  Python function\nthat sorts 37 integers in 'descending' order.", 10_000));
    assertEquals(
        PromptSkeleton.of(
            "Write a Python function that sorts 512 integers in \"ascending\" order.", 10_000),
        PromptSkeleton.of(
            "write a python function that sorts 7 integers in 'random' order.", 10_000));
    assertEquals(
        "fetch <url> and mail <email> with token <id>",
        PromptSkeleton.of(
            "Fetch https://example.com/a?b=1 and mail ops@example.com with token a1b2c3d4e5f6a7b8c9d0",
            10_000));
    assertEquals("version 0 of the api", PromptSkeleton.of("Version 3.14.1 of the API", 10_000));
    assertEquals("abc", PromptSkeleton.of("abcdef", 3));
    assertNotEquals(
        PromptSkeleton.of("How do I reverse a linked list?", 10_000),
        PromptSkeleton.of("What is the capital of France?", 10_000));
  }

  @Test
  void minHashEstimatesJaccardWithinItsStatedError() {
    MinHash mh = MinHash.standard();
    SplittableRandom r = new SplittableRandom(1);
    // Texts of 60 distinct words; b shares the first k words' shingles with a.
    for (int trial = 0; trial < 200; trial++) {
      int shared = r.nextInt(61);
      List<String> a = new ArrayList<>();
      List<String> b = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String w = "w" + r.nextLong();
        a.add(w);
        b.add(i < shared ? w : "v" + r.nextLong());
      }
      // Shingles of 3 words: a has 58, the shared prefix gives max(0, shared - 2) in common.
      int common = Math.max(0, shared - 2);
      double jaccard = common / (double) (58 + 58 - common);
      double est =
          MinHash.similarity(mh.signature(String.join(" ", a)), mh.signature(String.join(" ", b)));
      // 64 hashes: the estimate's standard error is at most 0.0625; 5 of them bound it.
      assertEquals(jaccard, est, 0.32, "trial " + trial);
    }
    assertEquals(1.0, MinHash.similarity(mh.signature("a b c d"), mh.signature("a b c d")));
    assertEquals(1.0, MinHash.similarity(mh.signature("hi"), mh.signature("hi")));
  }

  /**
   * LSH: pairs at Jaccard 0.8 share a band in at least 90% of 300 trials (the formula says 0.98),
   * pairs at 0.1 in at most 10% (formula: 0.002).
   */
  @Test
  void bandsCollideForNearDuplicatesAndNotForStrangers() {
    SplittableRandom r = new SplittableRandom(2);
    int near = 0;
    int far = 0;
    for (int trial = 0; trial < 300; trial++) {
      near += shareABand(pair(r, 0.8)) ? 1 : 0;
      far += shareABand(pair(r, 0.1)) ? 1 : 0;
    }
    assertTrue(near >= 270, "near pairs sharing a band: " + near);
    assertTrue(far <= 30, "far pairs sharing a band: " + far);
    assertThrows(IllegalArgumentException.class, () -> new MinHash(63, 16, 3));
  }

  /** Two texts over 200 shingles whose shingle sets have about the given Jaccard similarity. */
  private static String[] pair(SplittableRandom r, double jaccard) {
    // With s shared of n each: J = s / (2n - s), so s = 2nJ / (1 + J). Words as 1-word shingles.
    int n = 200;
    int s = (int) Math.round(2 * n * jaccard / (1 + jaccard));
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String w = "x" + r.nextLong();
      a.append(w).append(' ');
      b.append(i < s ? w : "y" + r.nextLong()).append(' ');
    }
    return new String[] {a.toString().strip(), b.toString().strip()};
  }

  private static boolean shareABand(String[] p) {
    MinHash one = new MinHash(64, 16, 1);
    long[] x = one.signature(p[0]);
    long[] y = one.signature(p[1]);
    for (int band = 0; band < one.bands(); band++) {
      if (one.bandKey(x, band) == one.bandKey(y, band)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Band keys live on in snapshots and fleet stores: a faster signature must give the same ones.
   * These were computed before the shingle window became a counted ring (2026-12-01).
   */
  @Test
  void bandKeysOfFixedTextsNeverChange() {
    String[] texts = {
      "hi",
      "two words",
      "write a python function that sorts 0 integers in \"_\" order.",
      "a b c d e f g h i j k"
    };
    int[][] shapes = {{32, 8, 3}, {64, 16, 1}, {32, 8, 4}};
    long[][] expected = {
      {4633410214106363413L, -2603992773291207069L, 5430162181036285010L, 269288922291761882L},
      {-4300725896063883897L, -8609878387873908869L, 4254473290179656393L, 5971948326651161465L},
      {4633410214106363413L, -2603992773291207069L, -3770444188938193184L, -4694005745762628159L}
    };
    for (int s = 0; s < shapes.length; s++) {
      MinHash mh = new MinHash(shapes[s][0], shapes[s][1], shapes[s][2]);
      for (int t = 0; t < texts.length; t++) {
        long[] sig = mh.signature(texts[t]);
        long h = 0;
        for (int band = 0; band < mh.bands(); band++) {
          h = h * 31 + mh.bandKey(sig, band);
        }
        assertEquals(expected[s][t], h, texts[t] + " with shingles of " + shapes[s][2]);
      }
    }
  }
}
