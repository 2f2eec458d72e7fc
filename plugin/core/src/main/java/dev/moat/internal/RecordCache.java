package dev.moat.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Fixed-length int records of hot contexts, keyed by a 64-bit seed and a salt, within a budget in
 * bytes: what the KGW green lists ({@code dev.moat.watermark.GreenListCache}) and the keyed race's
 * far tokens ({@code dev.moat.sampling.RaceRecords}) are cached in.
 *
 * <p>Memory: a record's ints are allocated the first time its slot is filled and reused from then
 * on; all record lengths together never hold more than {@link #budgetBytes()} ({@link #bytes()}
 * reports what is held).
 *
 * <p>Each record length has a table of {@code budget / record bytes} slots, and each context two
 * slots in it (two-choice hashing: a context finds an empty one where a single slot would collide).
 * A slot that holds a record is replaced only by a context that misses on it twice in a row (a
 * doorkeeper, so that one-off contexts do not evict hot ones). Readers copy a record out under the
 * slot's stamp (a sequence lock: odd while a writer fills the slot) and use the copy only if the
 * stamp did not move, so a reader never sees half a record, and never waits: a slot being written
 * is a miss.
 *
 * <p>Thread-safe and lock-free. A lookup costs a copy of the record, no allocation.
 */
public final class RecordCache {
  /** Record lengths a cache serves by default; a process runs one or two models. */
  public static final int MAX_SIZES = 4;

  /** Slots per table by default, at most. */
  public static final int MAX_SLOTS = 1 << 20;

  private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(long[].class);

  private final String what;
  private final long budget;
  private final int maxSizes;
  private final int maxSlots;
  private final AtomicLong used = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder fills = new LongAdder();
  private final ConcurrentHashMap<Integer, Table> bySize = new ConcurrentHashMap<>();

  /**
   * A cache with its own budget of {@code budgetBytes} (at least 0; 0 caches nothing).
   *
   * @param what what it holds, for messages and {@link #toString()} (e.g. "green-list cache")
   */
  public RecordCache(String what, long budgetBytes) {
    this(what, budgetBytes, MAX_SIZES, MAX_SLOTS);
  }

  /**
   * A cache that serves at most {@code maxSizes} record lengths (the first asked for), each in a
   * table of at most {@code maxSlots} slots (the slots' bookkeeping, 36 bytes each, is not counted
   * in the budget).
   */
  public RecordCache(String what, long budgetBytes, int maxSizes, int maxSlots) {
    if (budgetBytes < 0) {
      throw new IllegalArgumentException(
          what + " budget " + budgetBytes + " bytes: must be at least 0 (0 = off)");
    }
    if (maxSizes < 1 || maxSlots < 1) {
      throw new IllegalArgumentException(
          what + ": maxSizes " + maxSizes + " and maxSlots " + maxSlots + " must be at least 1");
    }
    this.what = what;
    this.budget = budgetBytes;
    this.maxSizes = maxSizes;
    this.maxSlots = maxSlots;
  }

  /**
   * Reads a budget in bytes from the system property {@code property}, {@code dflt} when it is
   * unset or blank.
   *
   * @throws IllegalArgumentException naming the property and its value when it is not a number of
   *     bytes at least 0
   */
  public static long configuredBytes(String property, long dflt) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      long b = Long.parseLong(v.trim());
      if (b >= 0) {
        return b;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "system property " + property + "='" + v + "': must be a number of bytes >= 0");
  }

  /**
   * The table of records of {@code ints} ints, or null if caching is off, the budget holds no
   * record of that length, or as many other lengths as it serves are served already. A map lookup:
   * call it at request start.
   */
  public @Nullable Table forRecords(int ints) {
    long slots = budget / (4L * ints);
    if (slots == 0) {
      return null;
    }
    Table s = bySize.get(ints);
    if (s != null || bySize.size() >= maxSizes) {
      return s;
    }
    return bySize.computeIfAbsent(ints, w -> new Table(w, (int) Math.min(slots, maxSlots)));
  }

  /** The budget in bytes. */
  public long budgetBytes() {
    return budget;
  }

  /** Bytes of records held (allocated), at most {@link #budgetBytes()}. */
  public long bytes() {
    return used.get();
  }

  /** Lookups that found their record. */
  public long hits() {
    return hits.sum();
  }

  /** Lookups that did not. */
  public long misses() {
    return misses.sum();
  }

  /** Records written into a slot. */
  public long fills() {
    return fills.sum();
  }

  @Override
  public String toString() {
    return what
        + ": "
        + bytes()
        + " of "
        + budget
        + " bytes, "
        + hits()
        + " hits, "
        + misses()
        + " misses, "
        + fills()
        + " fills";
  }

  /** The table of one record length. Thread-safe, lock-free. */
  public final class Table {
    private final int words;
    private final int slots;
    private final long[] stamps;
    private final long[] seeds;
    private final long[] salts;
    private final long[] challengers;
    private final int[] @Nullable [] records;

    Table(int words, int slots) {
      this.words = words;
      this.slots = slots;
      this.stamps = new long[slots];
      this.seeds = new long[slots];
      this.salts = new long[slots];
      this.challengers = new long[slots];
      this.records = new int[slots][];
    }

    /** Ints per record. */
    public int ints() {
      return words;
    }

    /** Slots in this table. */
    public int slots() {
      return slots;
    }

    private long hash(long seed, long salt) {
      long h = (seed ^ salt) * 0x9E3779B97F4A7C15L;
      return h ^ (h >>> 29);
    }

    /** The first of a context's two slots: from the high half of its hash. */
    private int first(long h) {
      return (int) (((h >>> 32) * slots) >>> 32);
    }

    /** The second: from the low half, and never the first unless there is one slot. */
    private int second(long h, int first) {
      int i = (int) (((h & 0xFFFFFFFFL) * slots) >>> 32);
      return i != first || slots == 1 ? i : (first + 1) % slots;
    }

    /**
     * Copies the record of {@code (seed, salt)} into {@code dst} and returns true, or returns false
     * if it is not held (or its slot is being written); {@code dst} then holds anything.
     *
     * @param salt what else the record depends on (for a green list: the key, gamma, the
     *     vocabulary), mixed in one value by the caller
     * @param dst at least {@link #ints()} ints
     */
    public boolean copy(long seed, long salt, int[] dst) {
      long h = hash(seed, salt);
      int a = first(h);
      if (copyFrom(a, seed, salt, dst) || copyFrom(second(h, a), seed, salt, dst)) {
        hits.increment();
        return true;
      }
      misses.increment();
      return false;
    }

    private boolean copyFrom(int i, long seed, long salt, int[] dst) {
      long s = (long) STAMP.getAcquire(stamps, i);
      int[] rec = records[i];
      if ((s & 1) != 0 || rec == null || seeds[i] != seed || salts[i] != salt) {
        return false;
      }
      System.arraycopy(rec, 0, dst, 0, words);
      VarHandle.acquireFence(); // the reads above happen before the stamp's second read
      return (long) STAMP.getVolatile(stamps, i) == s;
    }

    /**
     * Offers the record of {@code (seed, salt)}, {@code src[0 .. words)}. Each context has two
     * slots: the record goes to an empty one, or else to one of the two (chosen by the context's
     * hash) if this context missed on it just before (the doorkeeper) and no writer holds it;
     * otherwise it is dropped. Allocates a slot's ints the first time, within the budget.
     */
    public void offer(long seed, long salt, int[] src) {
      long h = hash(seed, salt);
      int a = first(h);
      int b = second(h, a);
      long sa = (long) STAMP.getVolatile(stamps, a);
      long sb = (long) STAMP.getVolatile(stamps, b);
      int i = target(h, a, b, sa, sb, seed, salt);
      if (i >= 0) {
        fill(i, i == a ? sa : sb, seed, salt, src);
      }
    }

    /**
     * Whether a record of {@code (seed, salt)} should be made and {@link #offer offered} now,
     * before the caller spends anything on it: true when it is not held and one of its slots is
     * empty, or when this context missed on its victim slot just before (the doorkeeper); otherwise
     * this miss is recorded as the victim's challenger and it returns false. An offer that follows
     * a true answer fills the slot unless another writer got there first.
     */
    public boolean wanted(long seed, long salt) {
      long h = hash(seed, salt);
      int a = first(h);
      int b = second(h, a);
      return target(
              h,
              a,
              b,
              (long) STAMP.getVolatile(stamps, a),
              (long) STAMP.getVolatile(stamps, b),
              seed,
              salt)
          >= 0;
    }

    /**
     * The slot a record of {@code (seed, salt)} would go to, or -1: none when it is held already
     * (another request filled it meanwhile) or when this is its first miss on a full pair (then it
     * becomes the victim's challenger: a racy hint, the worst a lost write does is delay a fill).
     */
    private int target(long h, int a, int b, long sa, long sb, long seed, long salt) {
      if (holds(a, sa, seed, salt) || holds(b, sb, seed, salt)) {
        return -1;
      }
      if (sa == 0) {
        return a;
      }
      if (sb == 0) {
        return b;
      }
      int victim = (h & (1L << 16)) == 0 ? a : b;
      long id = seed ^ Long.rotateLeft(salt, 17);
      if (challengers[victim] != id) {
        challengers[victim] = id;
        return -1;
      }
      return victim;
    }

    private boolean holds(int i, long s, long seed, long salt) {
      return s != 0 && seeds[i] == seed && salts[i] == salt;
    }

    /** Writes slot {@code i} if its stamp is still the even {@code s}. */
    private void fill(int i, long s, long seed, long salt, int[] src) {
      if ((s & 1) != 0) {
        return;
      }
      int[] rec = records[i];
      long reserved = 0;
      if (rec == null) {
        long bytes = 4L * words;
        if (used.addAndGet(bytes) > budget) {
          used.addAndGet(-bytes);
          return;
        }
        reserved = bytes;
      }
      if (!STAMP.compareAndSet(stamps, i, s, s + 1)) {
        used.addAndGet(-reserved);
        return;
      }
      // The slot is ours: readers that look now see an odd stamp, or a changed one after.
      if (rec == null) {
        rec = new int[words];
        records[i] = rec;
      }
      seeds[i] = seed;
      salts[i] = salt;
      System.arraycopy(src, 0, rec, 0, words);
      STAMP.setRelease(stamps, i, s + 2);
      fills.increment();
    }
  }
}
