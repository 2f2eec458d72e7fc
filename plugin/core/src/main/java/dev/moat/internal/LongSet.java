package dev.moat.internal;

/**
 * A set of {@code long}s with open addressing and linear probing, sized once: no allocation after
 * construction, O(1) expected {@link #add}. Holds at most {@code capacity} values; beyond that
 * {@link #add} reports every new value as already present (the caller then treats it as repeated,
 * the safe side for de-duplication). Not thread-safe.
 */
public final class LongSet {
  private static final long EMPTY = 0L;
  private final long[] slots;
  private final int mask;
  private final int capacity;
  private boolean hasZero;
  private int size;

  public LongSet(int capacity) {
    int n = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
    this.slots = new long[n];
    this.mask = n - 1;
    this.capacity = capacity;
  }

  /** Adds {@code v}; true if it was not present (and there was room). */
  public boolean add(long v) {
    if (v == EMPTY) {
      if (hasZero) {
        return false;
      }
      hasZero = true;
      return true;
    }
    int i = slot(v);
    if (slots[i] == v || size >= capacity) {
      return false;
    }
    slots[i] = v;
    size++;
    return true;
  }

  /** Whether {@link #add} would add {@code v} now (it is absent and there is room); no change. */
  public boolean wouldAdd(long v) {
    if (v == EMPTY) {
      return !hasZero;
    }
    return slots[slot(v)] != v && size < capacity;
  }

  /** The slot holding {@code v}, or the empty one where its probe ends. */
  private int slot(long v) {
    int i = (int) (mix(v) & mask);
    while (slots[i] != v && slots[i] != EMPTY) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    return z ^ (z >>> 33);
  }
}
