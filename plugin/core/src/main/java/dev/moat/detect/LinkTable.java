package dev.moat.detect;

import static dev.moat.detect.LinkStore.ACCOUNTS;
import static dev.moat.detect.LinkStore.SET;
import static dev.moat.detect.LinkStore.WORDS;

import dev.moat.internal.Messages;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@link LocalLinkStore}'s buckets: a fixed-size, lock-free table in two {@code long[]}s (an index
 * of keys and meta words, 16 bytes per slot, and the buckets' {@link LinkStore#WORDS} words, 552
 * bytes per slot), probed over four adjacent slots of the index. A new bucket takes an empty or
 * expired slot, else the slot of the four shared by the fewest accounts: memory is fixed at
 * construction whatever the traffic, and nothing is allocated per request.
 *
 * <p>Accuracy: the table is a sketch. When a slot is replaced while another thread still updates
 * its old bucket, that update can land in the new bucket: a bit of one account, rarely, never a
 * lost update of a live bucket (bits are set with atomic ORs).
 *
 * <p>Thread-safe.
 */
final class LinkTable {
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  static final int STRIDE = 2 + WORDS; // a slot in the snapshot: key, stamp, sets
  private static final int STAMP_SHIFT = 16;
  private static final long WEIGHT_MASK = (1L << STAMP_SHIFT) - 1;
  private static final long TOUCHED = 0x5EED_1DEA_F00DL;
  static final int PROBES = 4;

  /**
   * Per slot, its key and its meta word (the last-use stamp in minutes, above {@link #STAMP_SHIFT},
   * and the accounts in its account set below): the four slots a key may take are one or two cache
   * lines, where probing the buckets themselves touched four.
   */
  private final long[] index;

  /** Per slot, its bucket's {@link LinkStore#WORDS} words. */
  private final long[] data;

  private final int mask;
  private final long idleMinutes;

  /**
   * @param buckets table size, rounded up to a power of two
   * @param idleMinutes how long an unused bucket is kept before its slot counts as free
   */
  LinkTable(int buckets, long idleMinutes) {
    if (buckets < PROBES || buckets > (1 << 24)) {
      throw new IllegalArgumentException(
          Messages.invalid("buckets", buckets, PROBES + " to " + (1 << 24)));
    }
    int slots = Integer.highestOneBit(buckets - 1) << 1;
    this.index = new long[2 * slots];
    this.data = new long[slots * WORDS];
    this.mask = slots - 1;
    this.idleMinutes = idleMinutes;
  }

  /**
   * The slot holding {@code key}, claimed if absent (a replaced bucket's words cleared). Bits are
   * then set with atomic ORs, also in a slot just claimed: other threads may use it from the claim
   * on, and a plain write of its first words lost their updates (tried 2026-12-03, night: the
   * concurrency test's weights read 255 of 256 on JDK 25).
   */
  private int slot(long key, long now) {
    int start = (int) MinHash.mix(key) & mask;
    int victim = -1;
    long victimKey = 0;
    int victimWeight = Integer.MAX_VALUE;
    for (int p = 0; p < PROBES; p++) {
      int s = (start + p) & mask;
      long k = (long) LONGS.getAcquire(index, 2 * s);
      if (k == key) {
        touch(s, now);
        return s;
      }
      if (k == 0) {
        if (LONGS.compareAndSet(index, 2 * s, 0L, key)) {
          touch(s, now);
          return s;
        }
        k = (long) LONGS.getAcquire(index, 2 * s);
        if (k == key) {
          return s;
        }
      }
      int weight = weight((long) LONGS.getOpaque(index, 2 * s + 1), now);
      if (weight < victimWeight) {
        victim = s;
        victimKey = k;
        victimWeight = weight;
      }
    }
    // Replace the least shared (or an expired) bucket of the four.
    if (LONGS.compareAndSet(index, 2 * victim, victimKey, key)) {
      int base = victim * WORDS;
      for (int w = 0; w < WORDS; w++) {
        LONGS.setRelease(data, base + w, 0L);
      }
      LONGS.setRelease(index, 2 * victim + 1, now << STAMP_SHIFT);
      return victim;
    }
    // Another thread took the slot first: use it if it took it for this key, else retry.
    return (long) LONGS.getAcquire(index, 2 * victim) == key ? victim : slot(key, now);
  }

  /**
   * What a slot with meta word {@code meta} weighs as a victim: the accounts it counts, or -1 once
   * it has been idle past the expiry (taken first).
   */
  private int weight(long meta, long now) {
    return now - (meta >> STAMP_SHIFT) > idleMinutes ? -1 : (int) (meta & WEIGHT_MASK);
  }

  /**
   * The slot {@link #slot} would return for {@code key}, read with plain loads and without claiming
   * anything (a prediction: another thread may change the index before {@link #slot} runs), so that
   * its bucket's lines can be loaded ahead.
   */
  private int predict(long key, long now) {
    int start = (int) MinHash.mix(key) & mask;
    int victim = start;
    int victimWeight = Integer.MAX_VALUE;
    for (int p = 0; p < PROBES; p++) {
      int s = (start + p) & mask;
      long k = index[2 * s];
      if (k == key || k == 0) {
        return s;
      }
      int weight = weight(index[2 * s + 1], now);
      if (weight < victimWeight) {
        victim = s;
        victimWeight = weight;
      }
    }
    return victim;
  }

  /**
   * Stamps slot {@code s} as used now, keeping its weight; no write while the stamp already reads
   * this minute (most hits), so that a hot bucket's index line is not written per request.
   */
  private void touch(int s, long now) {
    int at = 2 * s + 1;
    long meta;
    do {
      meta = (long) LONGS.getOpaque(index, at);
      if (meta >> STAMP_SHIFT == now) {
        return;
      }
    } while (!LONGS.weakCompareAndSet(
        index, at, meta, (now << STAMP_SHIFT) | (meta & WEIGHT_MASK)));
  }

  /** The accounts in slot {@code s}'s account set, counted from its words (for {@link #load}). */
  private int accounts(int s) {
    int n = 0;
    for (int w = 0; w < SET; w++) {
      n += Long.bitCount((long) LONGS.getOpaque(data, s * WORDS + ACCOUNTS + w));
    }
    return n;
  }

  static long nonZero(long key) {
    return key == 0 ? 1 : key;
  }

  /** Sets {@code bit} of word {@code at}; true if it was not set before (by this call). */
  private boolean or(int at, long bit) {
    return ((long) LONGS.getAcquire(data, at) & bit) == 0
        && ((long) LONGS.getAndBitwiseOr(data, at, bit) & bit) == 0;
  }

  /** {@link LinkStore#record}, at {@code now} (minutes); the marks are checked by the caller. */
  void record(int[] marks, int markCount, long[] keys, int count, long[] out, long now) {
    // The buckets are scattered over tens of megabytes: each is a cache miss or several. Their
    // lines are loaded first, all at once (plain, independent loads the core overlaps), before any
    // atomic update below: each of those waits for every load before it, so that a miss after one
    // would be a miss after another. First the index's lines, then, from them, the lines of the
    // bucket each key is predicted to take.
    long touched = 0;
    for (int i = 0; i < count; i++) {
      touched += index[2 * ((int) MinHash.mix(nonZero(keys[i])) & mask)];
    }
    for (int i = 0; i < count; i++) {
      int base = predict(nonZero(keys[i]), now) * WORDS;
      for (int w = 0; w < WORDS; w += 8) {
        touched += data[base + w];
      }
      touched += data[base + WORDS - 1];
    }
    if (touched == TOUCHED) {
      Thread.onSpinWait(); // never in practice: only so that the loads above are not dropped
    }
    for (int i = 0; i < count; i++) {
      int s = slot(nonZero(keys[i]), now);
      int base = s * WORDS;
      for (int m = 0; m < markCount; m++) {
        int mark = marks[m];
        if (or(base + (mark >>> 6), 1L << mark) && (mark >>> 6) < ACCOUNTS + SET) {
          LONGS.getAndAdd(index, 2 * s + 1, 1L); // one more account: the slot's weight
        }
      }
      int o = i * WORDS;
      for (int w = 0; w < WORDS; w++) {
        out[o + w] = (long) LONGS.getAcquire(data, base + w);
      }
    }
  }

  /**
   * Sets {@code bit} of word {@code word} in {@code key}'s bucket (claimed if absent), at {@code
   * now} (minutes); true if it was not set before (by this call).
   */
  boolean set(long key, int word, long bit, long now) {
    return or(slot(nonZero(key), now) * WORDS + word, bit);
  }

  /** Buckets in use (a scan of the table; for measurements and tests). */
  long size() {
    long n = 0;
    for (int i = 0; i < index.length; i += 2) {
      if ((long) LONGS.getAcquire(index, i) != 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * Writes the table (for {@link Detector#snapshot}): per slot its key, its last-use stamp and its
   * words, the layout of the single array the table was before its keys moved to an index of their
   * own (so files written before load unchanged), with the first {@code bucketWords} words of each
   * bucket (fewer than {@link LinkStore#WORDS}: an earlier layout); a sketch, read without locking.
   */
  void write(java.io.DataOutput out, int bucketWords) throws java.io.IOException {
    int slots = mask + 1;
    out.writeInt(slots * (2 + bucketWords));
    for (int s = 0; s < slots; s++) {
      out.writeLong((long) LONGS.getOpaque(index, 2 * s));
      out.writeLong((long) LONGS.getOpaque(index, 2 * s + 1) >> STAMP_SHIFT);
      for (int w = 0; w < bucketWords; w++) {
        out.writeLong((long) LONGS.getOpaque(data, s * WORDS + w));
      }
    }
  }

  /** Installs a table {@link #write} wrote (read by the caller), of this store's size. */
  void load(long[] words) {
    int slots = mask + 1;
    if (words.length != slots * STRIDE) {
      throw new IllegalArgumentException(
          Messages.invalid("link table words", words.length, String.valueOf(slots * STRIDE)));
    }
    for (int s = 0; s < slots; s++) {
      int from = s * STRIDE;
      for (int w = 0; w < WORDS; w++) {
        LONGS.setRelease(data, s * WORDS + w, words[from + 2 + w]);
      }
      LONGS.setRelease(index, 2 * s + 1, (words[from + 1] << STAMP_SHIFT) | accounts(s));
      LONGS.setRelease(index, 2 * s, words[from]);
    }
  }

  /**
   * The accounts slot {@code key}'s index counts (the weight eviction reads), or -1 if the key has
   * no slot; for tests.
   */
  int counted(long key) {
    int start = (int) MinHash.mix(nonZero(key)) & mask;
    for (int p = 0; p < PROBES; p++) {
      int s = (start + p) & mask;
      if ((long) LONGS.getAcquire(index, 2 * s) == nonZero(key)) {
        return (int) ((long) LONGS.getOpaque(index, 2 * s + 1) & WEIGHT_MASK);
      }
    }
    return -1;
  }

  /** The table's size in bytes. */
  long bytes() {
    return 8L * (index.length + data.length);
  }
}
