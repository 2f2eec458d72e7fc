package dev.moat.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Flagged accounts kept as samples per template key, for a verdict's {@code linked_accounts}: a
 * direct-mapped table of 65,536 keys, the newest key of a slot winning it, so that a replay keeps
 * the same samples on every run (a size-bounded Caffeine cache evicted at random and on another
 * thread, which changed {@code linked_accounts} between runs of the same trace).
 *
 * <p>Thread-safe: slots are swapped atomically, and each key's list is guarded by itself.
 */
final class LinkSamples {
  private static final int SLOTS = 1 << 16;
  private static final int PER_KEY = 4;

  private final AtomicReferenceArray<Sample> slots = new AtomicReferenceArray<>(SLOTS);

  /** One key's sample accounts (guarded by itself). */
  private static final class Sample {
    final long key;
    final List<String> accounts = new ArrayList<>(PER_KEY);

    Sample(long key) {
      this.key = key;
    }
  }

  /** Keeps {@code account} as a sample of {@code key} if the key has fewer than four. */
  void add(long key, String account) {
    int at = slot(key);
    Sample s = slots.get(at);
    if (s == null || s.key != key) {
      s = new Sample(key);
      slots.set(at, s);
    }
    synchronized (s) {
      if (s.accounts.size() < PER_KEY && !s.accounts.contains(account)) {
        s.accounts.add(account);
      }
    }
  }

  /** Up to {@code max} samples of {@code key}, oldest first. */
  List<String> of(long key, int max) {
    Sample s = slots.get(slot(key));
    if (s == null || s.key != key) {
      return List.of();
    }
    synchronized (s) {
      return List.copyOf(s.accounts.subList(0, Math.min(max, s.accounts.size())));
    }
  }

  private static int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 48) & (SLOTS - 1);
  }
}
