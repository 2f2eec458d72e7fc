package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The embedded {@link LinkStore}: a fixed-size, lock-free table of buckets in two {@code long[]}s
 * (an index of keys and meta words, 16 bytes per slot, and the buckets' {@link LinkStore#WORDS}
 * words, 520 bytes per slot), probed over four adjacent slots of the index. A new bucket takes an
 * empty or expired slot, else the slot of the four shared by the fewest accounts: memory is fixed
 * at construction whatever the traffic, and nothing is allocated per request. Sample flagged
 * accounts (only those) are kept in {@link LinkSamples}.
 *
 * <p>Why not a Caffeine cache of bucket objects, as everywhere else: a request touches nine
 * buckets, and on the 2-core reference machine nine cache lookups with their object graphs cost
 * 1.2-4.5 µs, the whole budget of a request (see {@code perf/RESULTS.md}); the table costs a few
 * hundred nanoseconds and no garbage.
 *
 * <p>Accuracy: the table is a sketch. When a slot is replaced while another thread still updates
 * its old bucket, that update can land in the new bucket: a bit of one account, rarely, never a
 * lost update of a live bucket (bits are set with atomic ORs).
 *
 * <p>Thread-safe.
 */
public final class LocalLinkStore implements LinkStore {
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  static final int STRIDE = 2 + WORDS; // a slot in the snapshot: key, stamp, sets
  private static final int STAMP_SHIFT = 16;
  private static final long WEIGHT_MASK = (1L << STAMP_SHIFT) - 1;
  private static final long TOUCHED = 0x5EED_1DEA_F00DL;
  private static final int PROBES = 4;

  /**
   * Per slot, its key and its meta word (the last-use stamp in minutes, above {@link #STAMP_SHIFT},
   * and the accounts in its account set below): the four slots a key may take are one or two cache
   * lines, where probing the buckets themselves touched four.
   */
  private final long[] index;

  /** Per slot, its bucket's {@link LinkStore#WORDS} words. */
  private final long[] data;

  private final int mask;
  private final Ticker ticker;
  private final long idleMinutes;

  /** Sample flagged accounts per template key. */
  private final LinkSamples samples = new LinkSamples();

  /** Accounts' marks ({@link AccountMark}): only flagged or cleared accounts have one. */
  private final Cache<String, AccountMark> marks;

  /**
   * When accounts' watch evidence was last seen ({@link #watch}), apart from their marks; stale
   * ones are ignored by readers (older than the decay period) and evicted by size.
   */
  private final Cache<String, Long> watches;

  /** Whether it keeps watches: not as a detector's own store, which no other replica reads. */
  private final boolean keepsWatches;

  /** Accounts' pins ({@link AccountPin}), apart from their marks: few, set by admins. */
  private final java.util.concurrent.ConcurrentHashMap<String, AccountPin> pins =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Pins held at most (ended ones are dropped first). */
  static final int MAX_PINS = 1 << 20;

  /**
   * @param buckets table size, rounded up to a power of two (536 bytes each)
   * @param idleExpiry how long an unused bucket is kept before its slot counts as free
   * @param ticker the clock (a trace's clock in replay)
   */
  public LocalLinkStore(int buckets, Duration idleExpiry, Ticker ticker) {
    this(buckets, idleExpiry, ticker, true);
  }

  private LocalLinkStore(int buckets, Duration idleExpiry, Ticker ticker, boolean keepsWatches) {
    this.keepsWatches = keepsWatches;
    if (buckets < PROBES || buckets > (1 << 24)) {
      throw new IllegalArgumentException(
          Messages.invalid("buckets", buckets, PROBES + " to " + (1 << 24)));
    }
    if (idleExpiry.isNegative() || idleExpiry.isZero()) {
      throw new IllegalArgumentException(Messages.invalid("idleExpiry", idleExpiry, "positive"));
    }
    int slots = Integer.highestOneBit(buckets - 1) << 1;
    this.index = new long[2 * slots];
    this.data = new long[slots * WORDS];
    this.mask = slots - 1;
    this.ticker = ticker;
    this.idleMinutes = Math.max(1, idleExpiry.toMinutes());
    this.marks = Caffeine.newBuilder().maximumSize(1 << 20).build();
    this.watches = Caffeine.newBuilder().maximumSize(1 << 20).build();
  }

  /**
   * The store a detector makes for itself when none is given ({@link Detector#builder()}): {@link
   * #standard()}, without watches (it has no other replica to tell).
   */
  static LocalLinkStore embedded() {
    return new LocalLinkStore(1 << 17, Duration.ofDays(30), Ticker.systemTicker(), false);
  }

  /** 131,072 buckets (63 MB), kept 30 days unused, on the system clock. */
  public static LocalLinkStore standard() {
    return new LocalLinkStore(1 << 17, Duration.ofDays(30), Ticker.systemTicker());
  }

  /** The slot holding {@code key}, claimed if absent. */
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
      long meta = (long) LONGS.getOpaque(index, 2 * s + 1);
      int weight = now - (meta >> STAMP_SHIFT) > idleMinutes ? -1 : (int) (meta & WEIGHT_MASK);
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

  private long minutes() {
    return ticker.read() / 60_000_000_000L;
  }

  private static long nonZero(long key) {
    return key == 0 ? 1 : key;
  }

  /** Sets {@code bit} of word {@code at}; true if it was not set before (by this call). */
  private boolean or(int at, long bit) {
    return ((long) LONGS.getAcquire(data, at) & bit) == 0
        && ((long) LONGS.getAndBitwiseOr(data, at, bit) & bit) == 0;
  }

  @Override
  public void record(int[] marks, int markCount, long[] keys, int count, long[] out) {
    for (int m = 0; m < markCount; m++) {
      LinkStore.checkMark(marks[m]);
    }
    long now = minutes();
    // The buckets are scattered over tens of megabytes: each is a cache miss or several. Their
    // lines are loaded first, all at once (plain, independent loads the core overlaps), before the
    // atomic updates below, which would otherwise wait for one miss after another.
    long touched = 0;
    for (int i = 0; i < count; i++) {
      touched += index[2 * ((int) MinHash.mix(nonZero(keys[i])) & mask)];
    }
    for (int i = 0; i < count; i++) {
      int s = slot(nonZero(keys[i]), now);
      out[i * WORDS] = s; // the slot, until the bucket's words are copied there below
      for (int w = 0; w < WORDS; w += 8) {
        touched += data[s * WORDS + w];
      }
    }
    if (touched == TOUCHED) {
      Thread.onSpinWait(); // never in practice: only so that the loads above are not dropped
    }
    for (int i = 0; i < count; i++) {
      int s = (int) out[i * WORDS];
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

  @Override
  public void flag(String account, int accountBit, long[] keys, int count) {
    long now = minutes();
    long bit = 1L << accountBit;
    for (int i = 0; i < count; i++) {
      long key = nonZero(keys[i]);
      int at = slot(key, now) * WORDS + FLAGGED + (accountBit >>> 6);
      if (or(at, bit)) {
        samples.add(key, account); // a new flagged account here (by its bit)
      }
    }
  }

  @Override
  public List<String> linkedAccounts(long key, int max) {
    return samples.of(nonZero(key), max);
  }

  @Override
  public @Nullable AccountMark mark(String account) {
    AccountMark m = marks.getIfPresent(account);
    Long w = keepsWatches ? watches.getIfPresent(account) : null;
    if (pins.isEmpty() && w == null) {
      return m;
    }
    return AccountMark.of(m, pins.get(account), w == null ? Long.MIN_VALUE : w);
  }

  @Override
  public boolean watch(String account, long at, long keepMillis) {
    Objects.requireNonNull(account, "account");
    if (keepsWatches) {
      watches.asMap().merge(account, at, Math::max);
    }
    return true;
  }

  @Override
  public boolean pin(String account, @Nullable AccountPin pin) {
    Objects.requireNonNull(account, "account");
    if (pin == null) {
      pins.remove(account);
      return true;
    }
    pins.values().removeIf(p -> !p.holds(pin.at())); // admins' pace: a scan is fine
    if (pins.size() >= MAX_PINS && !pins.containsKey(account)) {
      throw new IllegalStateException(
          Messages.invalid("pins held", pins.size(), "fewer than " + MAX_PINS + " to add one"));
    }
    pins.put(account, pin);
    return true;
  }

  /** The pins held, ended ones included (for {@link Detector#snapshot}). */
  java.util.Map<String, AccountPin> pins() {
    return java.util.Map.copyOf(pins);
  }

  @Override
  public boolean mark(String account, AccountMark mark, long guardMillis) {
    Objects.requireNonNull(mark, "mark");
    marks
        .asMap()
        .compute(
            Objects.requireNonNull(account, "account"),
            (k, cur) -> LinkStore.replaces(cur, mark, guardMillis) ? mark.withoutPin() : cur);
    return true;
  }

  /** Buckets in use (a scan of the table; for measurements and tests). */
  public long size() {
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
  public long bytes() {
    return 8L * (index.length + data.length);
  }

  @Override
  public void close() {}
}
