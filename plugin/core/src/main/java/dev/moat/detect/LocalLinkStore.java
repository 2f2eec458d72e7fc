package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The embedded {@link LinkStore}: its buckets in a fixed-size, lock-free table ({@link LinkTable}:
 * 568 bytes a bucket, memory fixed at construction whatever the traffic, nothing allocated per
 * request); sample flagged accounts (only those) in {@link LinkSamples}; marks, watches and pins in
 * bounded maps.
 *
 * <p>Why not a Caffeine cache of bucket objects, as everywhere else: a request touches nine to
 * thirteen buckets, and on the 2-core reference machine nine cache lookups with their object graphs
 * cost 1.2-4.5 µs, the whole budget of a request (see {@code perf/RESULTS.md}); the table costs a
 * few hundred nanoseconds a bucket and no garbage.
 *
 * <p>Thread-safe.
 */
public final class LocalLinkStore implements LinkStore {
  static final int STRIDE = LinkTable.STRIDE;

  private final LinkTable table;
  private final Ticker ticker;

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
   * @param buckets table size, rounded up to a power of two (568 bytes each)
   * @param idleExpiry how long an unused bucket is kept before its slot counts as free
   * @param ticker the clock (a trace's clock in replay)
   */
  public LocalLinkStore(int buckets, Duration idleExpiry, Ticker ticker) {
    this(buckets, idleExpiry, ticker, true);
  }

  private LocalLinkStore(int buckets, Duration idleExpiry, Ticker ticker, boolean keepsWatches) {
    this.keepsWatches = keepsWatches;
    if (idleExpiry.isNegative() || idleExpiry.isZero()) {
      throw new IllegalArgumentException(Messages.invalid("idleExpiry", idleExpiry, "positive"));
    }
    this.table = new LinkTable(buckets, Math.max(1, idleExpiry.toMinutes()));
    this.ticker = ticker;
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

  /** 131,072 buckets (74 MB), kept 30 days unused, on the system clock. */
  public static LocalLinkStore standard() {
    return new LocalLinkStore(1 << 17, Duration.ofDays(30), Ticker.systemTicker());
  }

  private long minutes() {
    return ticker.read() / 60_000_000_000L;
  }

  @Override
  public void record(int[] marks, int markCount, long[] keys, int count, long[] out) {
    for (int m = 0; m < markCount; m++) {
      LinkStore.checkMark(marks[m]);
    }
    table.record(marks, markCount, keys, count, out, minutes());
  }

  @Override
  public void flag(String account, int accountBit, long[] keys, int count) {
    long now = minutes();
    long bit = 1L << accountBit;
    for (int i = 0; i < count; i++) {
      if (table.set(keys[i], FLAGGED + (accountBit >>> 6), bit, now)) {
        samples.add(LinkTable.nonZero(keys[i]), account); // a new flagged account (by its bit)
      }
    }
  }

  @Override
  public List<String> linkedAccounts(long key, int max) {
    return samples.of(LinkTable.nonZero(key), max);
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
    return table.size();
  }

  /**
   * Writes the table (for {@link Detector#snapshot}), with the first {@code bucketWords} words of
   * each bucket: {@link LinkTable#write}.
   */
  void write(java.io.DataOutput out, int bucketWords) throws java.io.IOException {
    table.write(out, bucketWords);
  }

  /** Installs a table {@link #write} wrote (read by the caller), of this store's size. */
  void load(long[] words) {
    table.load(words);
  }

  /** The accounts {@code key}'s slot counts, or -1 if the key has no slot; for tests. */
  int counted(long key) {
    return table.counted(key);
  }

  /** The table's size in bytes. */
  public long bytes() {
    return table.bytes();
  }

  @Override
  public void close() {}
}
