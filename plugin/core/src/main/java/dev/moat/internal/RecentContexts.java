package dev.moat.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded, lock-free memory of recently watermarked contexts shared by all requests of a tier
 * (de-duplication across requests). Direct-mapped: each context seed owns one slot chosen by its
 * hash, and a newer seed with the same slot evicts it, so memory is fixed ({@code 8 * slots} bytes)
 * and the history is approximate: a context may be forgotten early, never remembered wrongly (a
 * slot holds an exact seed).
 *
 * <p>Thread-safe: one volatile read and at most one volatile write per call, no locks.
 */
public final class RecentContexts {
  private final AtomicLongArray slots;
  private final int mask;

  /** Room for {@code capacity} contexts (rounded up to a power of two). */
  public RecentContexts(int capacity) {
    int n = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
    this.slots = new AtomicLongArray(n);
    this.mask = n - 1;
  }

  /**
   * Records {@code seed}; true if it was not remembered (the caller should watermark), false if it
   * was seen recently. Seed 0 is treated as never seen (it marks an empty slot).
   */
  public boolean firstSeen(long seed) {
    if (remembered(seed)) {
      return false;
    }
    remember(seed);
    return true;
  }

  /** Whether {@code seed} is remembered; no change (seed 0 never is). */
  public boolean remembered(long seed) {
    return seed != 0 && slots.get(slot(seed)) == seed;
  }

  /** Records {@code seed}, evicting whatever shared its slot. */
  public void remember(long seed) {
    slots.set(slot(seed), seed);
  }

  private int slot(long seed) {
    return (int) ((seed ^ (seed >>> 29) ^ (seed >>> 47)) & mask);
  }
}
