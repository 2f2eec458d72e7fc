package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The embedded {@link LinkStore}: a fixed-size, lock-free table of buckets in one {@code long[]} (a
 * key, a last-use stamp and the bucket's {@link LinkStore#WORDS} words per slot, 504 bytes), probed
 * over four adjacent slots. A new bucket takes an empty or expired slot, else the slot of the four
 * shared by the fewest accounts: memory is fixed at construction whatever the traffic, and nothing
 * is allocated per request. Sample flagged accounts (only those) are kept in a small Caffeine
 * cache.
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
  private static final int STRIDE = 2 + WORDS; // key, stamp, sets
  private static final int PROBES = 4;
  private static final int SAMPLES = 4;

  private final long[] table;
  private final int mask;
  private final Ticker ticker;
  private final long idleMinutes;

  /**
   * Flagged accounts kept as samples per template key: a direct-mapped table, the newest key of a
   * slot winning it, so that a replay keeps the same samples on every run (a size-bounded Caffeine
   * cache evicted at random and on another thread, which changed {@code linked_accounts} between
   * runs of the same trace).
   */
  private final AtomicReferenceArray<Sample> samples = new AtomicReferenceArray<>(SAMPLE_SLOTS);

  private static final int SAMPLE_SLOTS = 1 << 16;

  /** One key's sample accounts (guarded by itself). */
  private static final class Sample {
    final long key;
    final List<String> accounts = new ArrayList<>(SAMPLES);

    Sample(long key) {
      this.key = key;
    }
  }

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
   * @param buckets table size, rounded up to a power of two (504 bytes each)
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
    this.table = new long[slots * STRIDE];
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
      int base = ((start + p) & mask) * STRIDE;
      long k = (long) LONGS.getAcquire(table, base);
      if (k == key) {
        LONGS.setOpaque(table, base + 1, now);
        return base;
      }
      if (k == 0) {
        if (LONGS.compareAndSet(table, base, 0L, key)) {
          LONGS.setOpaque(table, base + 1, now);
          return base;
        }
        k = (long) LONGS.getAcquire(table, base);
        if (k == key) {
          return base;
        }
      }
      long stamp = (long) LONGS.getOpaque(table, base + 1);
      int weight = now - stamp > idleMinutes ? -1 : accounts(base);
      if (weight < victimWeight) {
        victim = base;
        victimKey = k;
        victimWeight = weight;
      }
    }
    // Replace the least shared (or an expired) bucket of the four.
    if (LONGS.compareAndSet(table, victim, victimKey, key)) {
      for (int w = 0; w < WORDS; w++) {
        LONGS.setRelease(table, victim + 2 + w, 0L);
      }
      LONGS.setOpaque(table, victim + 1, now);
      return victim;
    }
    // Another thread took the slot first: use it if it took it for this key, else retry.
    return (long) LONGS.getAcquire(table, victim) == key ? victim : slot(key, now);
  }

  private int accounts(int base) {
    int n = 0;
    for (int w = 0; w < SET; w++) {
      n += Long.bitCount((long) LONGS.getOpaque(table, base + 2 + ACCOUNTS + w));
    }
    return n;
  }

  private long minutes() {
    return ticker.read() / 60_000_000_000L;
  }

  private static int sampleSlot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 48) & (SAMPLE_SLOTS - 1);
  }

  private static long nonZero(long key) {
    return key == 0 ? 1 : key;
  }

  private void or(int at, long bit) {
    if (((long) LONGS.getAcquire(table, at) & bit) == 0) {
      LONGS.getAndBitwiseOr(table, at, bit);
    }
  }

  @Override
  public void record(int[] marks, int markCount, long[] keys, int count, long[] out) {
    for (int m = 0; m < markCount; m++) {
      LinkStore.checkMark(marks[m]);
    }
    long now = minutes();
    for (int i = 0; i < count; i++) {
      int base = slot(nonZero(keys[i]), now) + 2;
      for (int m = 0; m < markCount; m++) {
        int mark = marks[m];
        or(base + (mark >>> 6), 1L << mark);
      }
      int o = i * WORDS;
      for (int w = 0; w < WORDS; w++) {
        out[o + w] = (long) LONGS.getAcquire(table, base + w);
      }
    }
  }

  @Override
  public void flag(String account, int accountBit, long[] keys, int count) {
    long now = minutes();
    long bit = 1L << accountBit;
    for (int i = 0; i < count; i++) {
      long key = nonZero(keys[i]);
      int at = slot(key, now) + 2 + FLAGGED + (accountBit >>> 6);
      if (((long) LONGS.getAcquire(table, at) & bit) == 0) {
        LONGS.getAndBitwiseOr(table, at, bit);
        // A new flagged account here (by its bit): keep it as a sample.
        int at2 = sampleSlot(key);
        Sample s = samples.get(at2);
        if (s == null || s.key != key) {
          s = new Sample(key);
          samples.set(at2, s);
        }
        synchronized (s) {
          if (s.accounts.size() < SAMPLES && !s.accounts.contains(account)) {
            s.accounts.add(account);
          }
        }
      }
    }
  }

  @Override
  public List<String> linkedAccounts(long key, int max) {
    long k = nonZero(key);
    Sample s = samples.get(sampleSlot(k));
    if (s == null || s.key != k) {
      return List.of();
    }
    synchronized (s) {
      return List.copyOf(s.accounts.subList(0, Math.min(max, s.accounts.size())));
    }
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
    for (int base = 0; base < table.length; base += STRIDE) {
      if ((long) LONGS.getAcquire(table, base) != 0) {
        n++;
      }
    }
    return n;
  }

  /** Writes the table (for {@link Detector#snapshot}); a sketch, read without locking. */
  void write(java.io.DataOutput out) throws java.io.IOException {
    out.writeInt(table.length);
    for (int i = 0; i < table.length; i++) {
      out.writeLong((long) LONGS.getOpaque(table, i));
    }
  }

  /** Installs a table {@link #write} wrote (read by the caller), of this store's size. */
  void load(long[] words) {
    if (words.length != table.length) {
      throw new IllegalArgumentException(
          Messages.invalid("link table words", words.length, String.valueOf(table.length)));
    }
    for (int i = 0; i < words.length; i++) {
      LONGS.setRelease(table, i, words[i]);
    }
  }

  /** The table's size in bytes. */
  public long bytes() {
    return 8L * table.length;
  }

  @Override
  public void close() {}
}
