package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.PackedLists;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The shared green-list cache: what it keeps and refuses, its byte budget, and readers racing
 * writers on the same slots (a reader must never take half of one list and half of another).
 */
class GreenListCacheTest {
  private static final int VOCAB = 4096; // 128 ints per list, 512 bytes

  /** A list whose every int is a function of its seed, so any torn copy is seen. */
  private static int[] listOf(long seed, int words) {
    int[] l = new int[words];
    for (int i = 0; i < words; i++) {
      l[i] = (int) ((seed * 0x9E3779B97F4A7C15L) >>> 32) + i;
    }
    return l;
  }

  @Test
  void aListOfferedIntoAnEmptySlotIsFoundUnderItsSeedAndSaltOnly() {
    GreenListCache c = new GreenListCache(1 << 20);
    GreenListCache.Sized s = c.forVocabulary(VOCAB);
    assertNotNull(s);
    assertSame(s, c.forVocabulary(VOCAB));
    assertEquals(PackedLists.words(VOCAB), s.words());
    assertEquals((1 << 20) / (4 * s.words()), s.slots());
    int[] out = new int[s.words()];
    assertFalse(s.copy(7, 1, out));
    s.offer(7, 1, listOf(7, s.words()));
    assertTrue(s.copy(7, 1, out));
    assertArrayEquals(listOf(7, s.words()), out);
    assertFalse(s.copy(7, 2, out), "another salt (key, gamma or vocabulary) is another list");
    assertEquals(1, c.hits());
    assertEquals(2, c.misses());
    assertEquals(1, c.fills());
    assertEquals(4L * s.words(), c.bytes());
  }

  @Test
  void anOccupiedSlotGoesOnlyToAContextThatMissesOnItTwiceInARow() {
    GreenListCache c = new GreenListCache(512); // one slot of 128 ints
    GreenListCache.Sized s = c.forVocabulary(VOCAB);
    assertNotNull(s);
    assertEquals(1, s.slots());
    int[] out = new int[s.words()];
    s.offer(1, 0, listOf(1, s.words()));
    s.offer(2, 0, listOf(2, s.words())); // a one-off context: recorded as challenger only
    assertTrue(s.copy(1, 0, out));
    s.offer(3, 0, listOf(3, s.words())); // another challenger replaces the first
    s.offer(2, 0, listOf(2, s.words())); // not twice in a row: still only a challenger
    assertTrue(s.copy(1, 0, out));
    s.offer(2, 0, listOf(2, s.words())); // twice in a row: replaces
    assertFalse(s.copy(1, 0, out));
    assertTrue(s.copy(2, 0, out));
    assertArrayEquals(listOf(2, s.words()), out);
    assertEquals(512, c.bytes(), "the slot's ints are reused, not allocated again");
  }

  @Test
  void twoContextsFitInTwoSlotsWhereverTheirHashesFall() {
    SplittableRandom r = new SplittableRandom(8);
    for (int pair = 0; pair < 40; pair++) {
      GreenListCache c = new GreenListCache(1024); // two slots of 128 ints
      GreenListCache.Sized s = c.forVocabulary(VOCAB);
      assertNotNull(s);
      assertEquals(2, s.slots());
      long x = r.nextLong();
      long y = r.nextLong();
      s.offer(x, 5, listOf(x, s.words()));
      s.offer(y, 5, listOf(y, s.words()));
      int[] out = new int[s.words()];
      // With one slot per context, half of the pairs would share a slot and one would miss.
      assertTrue(s.copy(x, 5, out) && s.copy(y, 5, out), "pair " + pair);
    }
  }

  @Test
  void theBudgetBoundsEverySizeTogetherAndZeroTurnsCachingOff() {
    assertNull(new GreenListCache(0).forVocabulary(VOCAB));
    assertNull(new GreenListCache(511).forVocabulary(VOCAB), "no room for one list");
    GreenListCache c = new GreenListCache(4096);
    List<GreenListCache.Sized> sizes = new ArrayList<>();
    for (int v : new int[] {VOCAB, 2 * VOCAB, 3 * VOCAB, 4 * VOCAB}) {
      GreenListCache.Sized s = c.forVocabulary(v);
      assertNotNull(s);
      sizes.add(s);
    }
    assertNull(c.forVocabulary(5 * VOCAB), "at most " + GreenListCache.MAX_SIZES + " sizes");
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      GreenListCache.Sized s = sizes.get(r.nextInt(sizes.size()));
      long seed = r.nextLong();
      s.offer(seed, 0, listOf(seed, s.words()));
      s.offer(seed, 0, listOf(seed, s.words()));
      assertTrue(c.bytes() <= 4096, "held " + c.bytes());
    }
    assertTrue(c.bytes() > 4096 - 4 * 4 * VOCAB / 32, "the budget is used: " + c.bytes());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new GreenListCache(-1));
    assertTrue(e.getMessage().contains("-1 bytes: must be at least 0"), e.getMessage());
  }

  @Test
  void aBadBudgetPropertyIsNamedWithItsValue() {
    String old = System.getProperty(GreenListCache.BYTES_PROPERTY);
    try {
      System.setProperty(GreenListCache.BYTES_PROPERTY, "64MB");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, GreenListCache::configuredBytes);
      assertEquals(
          "system property moat.kgw.listCacheBytes='64MB': must be a number of bytes >= 0",
          e.getMessage());
      System.setProperty(GreenListCache.BYTES_PROPERTY, "1048576");
      assertEquals(1 << 20, GreenListCache.configuredBytes());
      System.clearProperty(GreenListCache.BYTES_PROPERTY);
      assertEquals(GreenListCache.DEFAULT_BYTES, GreenListCache.configuredBytes());
    } finally {
      if (old == null) {
        System.clearProperty(GreenListCache.BYTES_PROPERTY);
      } else {
        System.setProperty(GreenListCache.BYTES_PROPERTY, old);
      }
    }
  }

  /**
   * Eight threads on a table of four slots and 64 contexts: every context misses twice in a row
   * often, so slots are rewritten all the time while others copy them. Every hit must be a whole
   * list of the seed asked for. Without the stamp's second read this fails within a few thousand
   * hits (lists of 128 ints are copied while being overwritten).
   */
  @Test
  void readersRacingWritersNeverTakeATornList() throws Exception {
    GreenListCache c = new GreenListCache(4 * 512);
    GreenListCache.Sized s = c.forVocabulary(VOCAB);
    assertNotNull(s);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong hits = new AtomicLong();
    List<Future<String>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      results.add(
          pool.submit(
              () -> {
                SplittableRandom r = new SplittableRandom(id);
                int[] out = new int[s.words()];
                start.await();
                for (int i = 0; i < 200_000; i++) {
                  long seed = r.nextInt(64);
                  if (s.copy(seed, 9, out)) {
                    hits.incrementAndGet();
                    int[] want = listOf(seed, s.words());
                    for (int w = 0; w < out.length; w++) {
                      if (out[w] != want[w]) {
                        return "seed " + seed + ": word " + w + " is " + out[w] + ", not "
                            + want[w];
                      }
                    }
                  } else {
                    s.offer(seed, 9, listOf(seed, s.words()));
                  }
                }
                return "";
              }));
    }
    start.countDown();
    for (Future<String> f : results) {
      assertEquals("", f.get(2, TimeUnit.MINUTES));
    }
    pool.shutdown();
    assertTrue(hits.get() > 10_000, "hits " + hits.get());
    assertTrue(c.fills() > 1_000, "fills " + c.fills());
    assertEquals(4 * 512, c.bytes());
  }
}
