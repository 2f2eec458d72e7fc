package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalLinkStoreTest {
  @Test
  void meetsTheContract() {
    LinkStoreContract.check(LocalLinkStore.standard());
    LinkStoreContract.checkPins(LocalLinkStore.standard());
    LinkStoreContract.checkWatches(LocalLinkStore.standard());
  }

  /** Concurrent records of one bucket lose no bit: every thread's accounts are all there. */
  @Test
  void concurrentUpdatesLoseNothing() throws Exception {
    LocalLinkStore store = LocalLinkStore.standard();
    long[] keys = {42L, 43L};
    int threads = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t * 32;
      Thread th =
          new Thread(
              () -> {
                long[] out = new long[2 * LinkStore.WORDS];
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int rep = 0; rep < 200; rep++) {
                  for (int b = first; b < first + 32; b++) {
                    store.record(b, (b & 1) == 0, false, keys, 2, out);
                    store.flag("a" + b, b, keys, 1);
                  }
                }
              });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (Thread t : ts) {
      t.join();
    }
    long[] out = new long[2 * LinkStore.WORDS];
    store.record(0, false, false, keys, 2, out);
    for (int w = 0; w < LinkStore.SET; w++) {
      assertEquals(-1L, out[LinkStore.ACCOUNTS + w], "all 256 account bits, word " + w);
      assertEquals(0x5555555555555555L, out[LinkStore.YOUNG + w], "even bits young, word " + w);
      assertEquals(-1L, out[LinkStore.FLAGGED + w], "all flagged, word " + w);
      assertEquals(-1L, out[LinkStore.WORDS + LinkStore.ACCOUNTS + w], "second bucket");
    }
    assertEquals(4, store.linkedAccounts(42L, 10).size());
    // The index counts each account once however the threads raced: eviction reads that count.
    assertEquals(256, store.counted(42L));
    assertEquals(256, store.counted(43L));
  }

  /**
   * A table written and loaded again (a snapshot) evicts as the original would: the counts that
   * eviction reads are rebuilt from the buckets' account sets, and the last-use stamps kept.
   */
  @Test
  void aLoadedTableEvictsAsTheOriginalWould() throws Exception {
    AtomicLong now = new AtomicLong();
    long[] out = new long[LinkStore.WORDS];
    for (long fresh = 5; fresh < 40; fresh++) {
      LocalLinkStore original = new LocalLinkStore(4, Duration.ofMinutes(10), now::get);
      for (int a = 0; a < 3; a++) {
        original.record(a, false, false, new long[] {1}, 1, out);
      }
      for (long k = 2; k <= 4; k++) {
        original.record(7, false, false, new long[] {k}, 1, out);
      }
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      original.write(new java.io.DataOutputStream(bytes), LinkStore.WORDS);
      java.io.DataInputStream in =
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()));
      long[] words = new long[in.readInt()];
      for (int i = 0; i < words.length; i++) {
        words[i] = in.readLong();
      }
      LocalLinkStore loaded = new LocalLinkStore(4, Duration.ofMinutes(10), now::get);
      loaded.load(words);
      assertEquals(3, loaded.counted(1));
      assertEquals(1, loaded.counted(2));
      loaded.record(9, false, false, new long[] {fresh}, 1, out); // evicts one of 2, 3, 4
      assertEquals(3, loaded.counted(1), "the bucket shared by three kept, new key " + fresh);
      assertEquals(1, loaded.counted(fresh));
      assertEquals(4, loaded.size());
    }
  }

  /**
   * The same flags in the same order keep the same sample accounts, past the samples' capacity
   * (65,536 keys): a replay's {@code linked_accounts} are the same on every run. (With a
   * size-bounded Caffeine cache, evicting at random on another thread, two stores disagreed.)
   */
  @Test
  void samplesAreTheSameForTheSameFlags() {
    LocalLinkStore a = LocalLinkStore.standard();
    LocalLinkStore b = LocalLinkStore.standard();
    int keys = 200_000;
    long[] one = new long[1];
    for (LocalLinkStore s : List.of(a, b)) {
      for (int k = 0; k < keys; k++) {
        one[0] = 0x9E3779B97F4A7C15L * (k + 1);
        s.flag("acct-" + k, k & 255, one, 1);
        s.flag("acct-" + (k + 7), (k + 7) & 255, one, 1);
      }
    }
    int kept = 0;
    for (int k = 0; k < keys; k++) {
      long key = 0x9E3779B97F4A7C15L * (k + 1);
      List<String> x = a.linkedAccounts(key, 4);
      assertEquals(x, b.linkedAccounts(key, 4), "key " + k);
      kept += x.isEmpty() ? 0 : 1;
    }
    assertTrue(kept > 5_000 && kept <= 65_536, "keys with samples: " + kept);
  }

  /** A full neighbourhood gives way to the new bucket by evicting the least shared or idle one. */
  @Test
  void boundedTableEvictsTheLeastSharedAndExpiresIdleBuckets() {
    AtomicLong now = new AtomicLong();
    Ticker ticker = now::get;
    LocalLinkStore store = new LocalLinkStore(4, Duration.ofMinutes(10), ticker);
    long[] out = new long[LinkStore.WORDS];
    // Four buckets fill the table; the first is shared by 3 accounts, the others by 1.
    for (int a = 0; a < 3; a++) {
      store.record(a, false, false, new long[] {1}, 1, out);
    }
    for (long k = 2; k <= 4; k++) {
      store.record(7, false, false, new long[] {k}, 1, out);
    }
    assertEquals(4, store.size());
    store.record(9, false, false, new long[] {5}, 1, out); // evicts one of 2, 3, 4
    assertEquals(4, store.size());
    store.record(9, false, false, new long[] {1}, 1, out);
    assertEquals(
        4,
        Long.bitCount(out[0])
            + Long.bitCount(out[1])
            + Long.bitCount(out[2])
            + Long.bitCount(out[3]),
        "bucket 1 kept");
    // After the idle expiry, a new bucket takes an expired slot even if it was widely shared.
    now.addAndGet(Duration.ofMinutes(11).toNanos());
    store.record(9, false, false, new long[] {6}, 1, out);
    store.record(9, false, false, new long[] {6}, 1, out);
    assertEquals(
        1,
        Long.bitCount(out[0])
            + Long.bitCount(out[1])
            + Long.bitCount(out[2])
            + Long.bitCount(out[3]));
    assertTrue(store.bytes() > 0);
    assertThrows(
        IllegalArgumentException.class,
        () -> new LocalLinkStore(2, Duration.ofDays(1), Ticker.systemTicker()));
  }

  /**
   * A slot taken from another bucket holds only the new bucket's first request: its marks, a weight
   * of its accounts, none of the old bucket's bits (claimed slots are written whole, not cleared
   * and then updated).
   */
  @Test
  void aClaimedSlotHoldsOnlyItsFirstRequestsMarks() {
    LocalLinkStore store = new LocalLinkStore(4, Duration.ofDays(1), () -> 0L);
    long[] out = new long[LinkStore.WORDS];
    int[] every = new int[LinkStore.BITS / 7];
    for (int i = 0; i < every.length; i++) {
      every[i] = 7 * i;
    }
    for (long k = 1; k <= 4; k++) {
      store.record(every, every.length, new long[] {k}, 1, out); // four full buckets
    }
    int[] marks = {
      64 * LinkStore.ACCOUNTS + 5, 64 * LinkStore.CONTENT + 200, 64 * LinkStore.BURSTY
    };
    store.record(marks, marks.length, new long[] {99}, 1, out); // evicts one of them
    long[] expected = new long[LinkStore.WORDS];
    for (int m : marks) {
      expected[m >>> 6] |= 1L << m;
    }
    assertArrayEquals(expected, out);
    assertEquals(1, store.counted(99));
    store.record(new int[] {64 * LinkStore.ACCOUNTS + 6}, 1, new long[] {99}, 1, out);
    assertEquals(2, store.counted(99));
    // A flag that claims a slot sets its flagged bit and nothing else.
    store.flag("acct", 9, new long[] {100}, 1);
    store.record(new int[0], 0, new long[] {100}, 1, out);
    long[] flagged = new long[LinkStore.WORDS];
    flagged[LinkStore.FLAGGED] = 1L << 9;
    assertArrayEquals(flagged, out);
    assertEquals(0, store.counted(100));
  }
}
