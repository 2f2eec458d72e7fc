package dev.moat.detect;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Networks where new accounts start together: a class, a workshop or a hackathon behind its venue's
 * NAT. A venue's youth is not a campaign's. A class of hundreds of accounts created that morning
 * passes through the everyday templates that all users share, and its youth alone made such a
 * template a young sweep ({@link GroupEvidence#young}): on the usage generator's seed 10, 42 of a
 * class's 395 accounts were flagged that way within four minutes of each other, in a template
 * shared by about 600 accounts that everyday users keep in use around the clock.
 *
 * <p>For each network (client fingerprint) it counts the young accounts whose first request came
 * from it and the hours of the day (UTC) in which they did. A network is a <b>venue</b> once at
 * least {@link #MIN} young accounts started there, all within at most {@link #VENUE_HOURS} hours of
 * the day: classes, workshops and a campus's teaching day. A young account that started at a venue
 * has its youth withheld from the buckets it uses (it counts as of unknown age there, as an account
 * whose trace gives no age) while its own requests span fewer than {@link
 * GroupEvidence#YOUNG_HOURS} hours of the day. A network where new accounts keep starting around
 * the clock (an account factory, a large ISP's address pool) is no venue, and stops being one as
 * soon as its starts spread that far: its accounts' youth counts again from their next request.
 *
 * <p>What it costs: a campaign whose new accounts start in bulk on a few networks (a small proxy
 * pool, one address block), all within a few hours, shows no youth until each account has been
 * active in eight hours of the day; one that keeps creating accounts around the clock, for its
 * first {@link #VENUE_HOURS} hours. Where a trace gives no networks it changes nothing. Counts are
 * per detector, kept in its snapshot: replicas behind a balancer each see their share of a venue's
 * accounts (a class of 30 behind three replicas is ten at each).
 *
 * <p>One {@link AtomicLongArray} of {@link #SLOTS} slots (2 MiB) indexed by the network's hash,
 * each packing the hours (bits 16-39) with the count (bits 0-15, saturating): lock-free and O(1).
 * Networks that hash to one slot add up: their hours (less like a venue) and their counts (more
 * like one; two small networks whose new accounts start in the same hours can make one venue, which
 * withholds youth, never adds it).
 *
 * <p>Thread-safe: compare-and-set on one slot.
 */
final class Cohorts {
  /** Young accounts started on a network before it can be a venue. */
  static final int MIN = 10;

  /** The most hours of the day a venue's young accounts start in. */
  static final int VENUE_HOURS = 16;

  static final int SLOTS = 1 << 18;
  static final long HOUR = 3_600_000L;
  private static final long MAX_COUNT = 0xFFFF;

  private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

  /**
   * Whether a young account's youth is withheld from its buckets at this request. At its first
   * request ({@code first}) from a known {@code client} its start is counted there.
   */
  boolean withholds(
      AccountState s, @org.jspecify.annotations.Nullable String client, long now, boolean first) {
    if (first && client != null) {
      s.startSlot = start(client, now);
    }
    return s.startSlot >= 0
        && venue(s.startSlot)
        && s.activity.activeHours() < GroupEvidence.YOUNG_HOURS;
  }

  /** Counts a young account's first request from {@code client} at {@code now}; its slot. */
  int start(String client, long now) {
    int i = slot(client);
    long hour = 1L << (16 + Math.floorMod(Math.floorDiv(now, HOUR), 24L));
    while (true) {
      long v = slots.get(i);
      long next = ((v | hour) & ~MAX_COUNT) | Math.min(MAX_COUNT, (v & MAX_COUNT) + 1);
      if (slots.compareAndSet(i, v, next)) {
        return i;
      }
    }
  }

  /** Whether the network in {@code slot} is a venue (see the class comment). */
  boolean venue(int slot) {
    long v = slots.get(slot);
    return (v & MAX_COUNT) >= MIN && Long.bitCount(v >>> 16) <= VENUE_HOURS;
  }

  static int slot(String client) {
    return (int) (MinHash.mix(client.hashCode() * 0x9E3779B97F4A7C15L) >>> (64 - 18));
  }

  /** The slots, for a snapshot. */
  void write(java.io.DataOutput out) throws java.io.IOException {
    for (int i = 0; i < SLOTS; i++) {
      out.writeLong(slots.get(i));
    }
  }

  /** Reads what {@link #write} wrote (into a new detector's table). */
  static long[] read(java.io.DataInput in) throws java.io.IOException {
    long[] t = new long[SLOTS];
    for (int i = 0; i < SLOTS; i++) {
      t[i] = in.readLong();
      if ((t[i] >>> 40) != 0) {
        throw new java.io.IOException(
            "cohort slot " + i + ": bits above 40 set (" + Long.toHexString(t[i]) + ")");
      }
    }
    return t;
  }

  /** Installs what {@link #read} returned. */
  void load(long[] t) {
    for (int i = 0; i < SLOTS; i++) {
      slots.set(i, t[i]);
    }
  }
}
