package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The embedded {@link LinkStore}: buckets in a Caffeine cache bounded in size and expiring after a
 * period unused, each four bitmaps updated lock-free, and up to four sample flagged accounts.
 *
 * <p>Thread-safe.
 */
public final class LocalLinkStore implements LinkStore {
  private static final int SAMPLES = 4;

  private final Cache<Long, Bucket> buckets;

  /**
   * @param maximumBuckets how many buckets to keep (about 250 bytes each)
   * @param idleExpiry how long an unused bucket is kept
   * @param ticker the clock (a trace's clock in replay)
   */
  public LocalLinkStore(long maximumBuckets, Duration idleExpiry, Ticker ticker) {
    if (maximumBuckets < 1) {
      throw new IllegalArgumentException(
          Messages.invalid("maximumBuckets", maximumBuckets, ">= 1"));
    }
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(maximumBuckets)
            .expireAfterAccess(idleExpiry)
            .ticker(ticker)
            .build();
  }

  /** A million buckets, kept 30 days, on the system clock. */
  public static LocalLinkStore standard() {
    return new LocalLinkStore(1_000_000, Duration.ofDays(30), Ticker.systemTicker());
  }

  @Override
  public void record(
      int accountBit, boolean young, boolean established, long[] keys, int count, long[] out) {
    int word = accountBit >>> 6;
    long bit = 1L << accountBit;
    for (int i = 0; i < count; i++) {
      Bucket b = buckets.get(keys[i], k -> new Bucket());
      b.or(ACCOUNTS + word, bit);
      if (established) {
        b.or(ESTABLISHED + word, bit);
      }
      if (young) {
        b.or(YOUNG + word, bit);
      }
      int o = i * WORDS;
      for (int w = 0; w < WORDS; w++) {
        out[o + w] = b.bits.get(w);
      }
    }
  }

  @Override
  public void flag(String account, int accountBit, long[] keys, int count) {
    for (int i = 0; i < count; i++) {
      Bucket b = buckets.get(keys[i], k -> new Bucket());
      b.or(FLAGGED + (accountBit >>> 6), 1L << accountBit);
      synchronized (b) {
        if (b.samples.size() < SAMPLES && !b.samples.contains(account)) {
          b.samples.add(account);
        }
      }
    }
  }

  @Override
  public List<String> linkedAccounts(long key, int max) {
    Bucket b = buckets.getIfPresent(key);
    if (b == null) {
      return List.of();
    }
    synchronized (b) {
      return List.copyOf(b.samples.subList(0, Math.min(max, b.samples.size())));
    }
  }

  /** Approximate number of buckets held. */
  public long size() {
    return buckets.estimatedSize();
  }

  @Override
  public void close() {}

  private static final class Bucket {
    final AtomicLongArray bits = new AtomicLongArray(WORDS);
    final List<String> samples = new ArrayList<>(0);

    long or(int word, long bit) {
      long v = bits.get(word);
      if ((v & bit) != 0) {
        return v;
      }
      return bits.accumulateAndGet(word, bit, (a, b) -> a | b);
    }
  }
}
