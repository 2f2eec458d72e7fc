package dev.moat.watermark;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Packed KGW green lists of hot contexts, shared by every request of the process, within a budget
 * in bytes. With {@code context_width} 1 a green list depends only on the key, gamma, the
 * vocabulary and the previous token, so a context that recurs needs no new hashing: a cached list
 * ({@link PackedLists#words} ints, 16 KB at a vocabulary of 128,256) replaces hashing every token
 * id with a shift per vector ({@link Kernels#kgwBiasFromList}), bit for bit the same logits.
 *
 * <p>Memory: a list's ints are allocated the first time its slot is filled and reused from then on;
 * all sizes together never hold more than {@link #budgetBytes()} ({@link #bytes()} reports what is
 * held). The budget is the system property {@value #BYTES_PROPERTY} (bytes; default {@value
 * #DEFAULT_BYTES}, 0 turns caching off), read when the process first watermarks.
 *
 * <p>Each list size has a table of {@code budget / list bytes} slots, and each context two slots in
 * it (two-choice hashing: a context finds an empty one where a single slot would collide). A slot
 * that holds a list is replaced only by a context that misses on it twice in a row (a doorkeeper,
 * so that one-off contexts do not evict hot ones). Readers copy a list out under the slot's stamp
 * (a sequence lock: odd while a writer fills the slot) and use the copy only if the stamp did not
 * move, so a reader never sees half a list, and never waits: a slot being written is a miss.
 *
 * <p>Thread-safe and lock-free. Per token a lookup costs a copy of the list, no allocation.
 */
public final class GreenListCache {
  /** The system property that sets the shared cache's budget in bytes. */
  public static final String BYTES_PROPERTY = "moat.kgw.listCacheBytes";

  /** The default budget: 64 MiB. */
  public static final long DEFAULT_BYTES = 64L << 20;

  /** List sizes (vocabularies) one cache serves; a process runs one or two models. */
  static final int MAX_SIZES = 4;

  private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(long[].class);

  private final long budget;
  private final AtomicLong used = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder fills = new LongAdder();
  private final ConcurrentHashMap<Integer, Sized> bySize = new ConcurrentHashMap<>();

  /** A cache with its own budget of {@code budgetBytes} (at least 0; 0 caches nothing). */
  public GreenListCache(long budgetBytes) {
    if (budgetBytes < 0) {
      throw new IllegalArgumentException(
          "green-list cache budget " + budgetBytes + " bytes: must be at least 0 (0 = off)");
    }
    this.budget = budgetBytes;
  }

  private static final class Shared {
    static final GreenListCache INSTANCE = new GreenListCache(configuredBytes());

    private Shared() {}
  }

  /** The process-wide cache every KGW watermark uses. */
  public static GreenListCache shared() {
    return Shared.INSTANCE;
  }

  static long configuredBytes() {
    String v = System.getProperty(BYTES_PROPERTY);
    if (v == null || v.isBlank()) {
      return DEFAULT_BYTES;
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
        "system property " + BYTES_PROPERTY + "='" + v + "': must be a number of bytes >= 0");
  }

  /**
   * The lists for a vocabulary of {@code vocabSize} tokens, or null if caching is off, the budget
   * holds no list of that size, or {@link #MAX_SIZES} other sizes are served already. A map lookup:
   * call it at request start.
   */
  public @Nullable Sized forVocabulary(int vocabSize) {
    int words = PackedLists.words(vocabSize);
    long slots = budget / (4L * words);
    if (slots == 0) {
      return null;
    }
    Sized s = bySize.get(words);
    if (s != null || bySize.size() >= MAX_SIZES) {
      return s;
    }
    return bySize.computeIfAbsent(words, w -> new Sized(w, (int) Math.min(slots, 1 << 20)));
  }

  /** The budget in bytes. */
  public long budgetBytes() {
    return budget;
  }

  /** Bytes of lists held (allocated), at most {@link #budgetBytes()}. */
  public long bytes() {
    return used.get();
  }

  /** Lookups that found their list. */
  public long hits() {
    return hits.sum();
  }

  /** Lookups that did not. */
  public long misses() {
    return misses.sum();
  }

  /** Lists written into a slot. */
  public long fills() {
    return fills.sum();
  }

  @Override
  public String toString() {
    return "green-list cache: "
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

  /** The table of one list size. Thread-safe, lock-free. */
  public final class Sized {
    private final int words;
    private final int slots;
    private final long[] stamps;
    private final long[] seeds;
    private final long[] salts;
    private final long[] challengers;
    private final int[] @Nullable [] lists;

    Sized(int words, int slots) {
      this.words = words;
      this.slots = slots;
      this.stamps = new long[slots];
      this.seeds = new long[slots];
      this.salts = new long[slots];
      this.challengers = new long[slots];
      this.lists = new int[slots][];
    }

    /** Ints per list: {@link PackedLists#words} of the vocabulary. */
    public int words() {
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
     * Copies the list of {@code (seed, salt)} into {@code dst} and returns true, or returns false
     * if it is not cached (or its slot is being written); {@code dst} then holds anything.
     *
     * @param salt what else the list depends on (the key, gamma, the vocabulary), mixed in one
     *     value by the caller
     * @param dst at least {@link #words()} ints
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
      int[] list = lists[i];
      if ((s & 1) != 0 || list == null || seeds[i] != seed || salts[i] != salt) {
        return false;
      }
      System.arraycopy(list, 0, dst, 0, words);
      VarHandle.acquireFence(); // the reads above happen before the stamp's second read
      return (long) STAMP.getVolatile(stamps, i) == s;
    }

    /**
     * Offers the list of {@code (seed, salt)}, {@code src[0 .. words)}. Each context has two slots:
     * the list goes to an empty one, or else to one of the two (chosen by the context's hash) if
     * this context missed on it just before (the doorkeeper) and no writer holds it; otherwise it
     * is dropped. Allocates a slot's ints the first time, within the budget.
     */
    public void offer(long seed, long salt, int[] src) {
      long h = hash(seed, salt);
      int a = first(h);
      int b = second(h, a);
      long sa = (long) STAMP.getVolatile(stamps, a);
      long sb = (long) STAMP.getVolatile(stamps, b);
      if (holds(a, sa, seed, salt) || holds(b, sb, seed, salt)) {
        return; // another request filled it meanwhile
      }
      if (sa == 0) {
        fill(a, sa, seed, salt, src);
      } else if (sb == 0) {
        fill(b, sb, seed, salt, src);
      } else {
        int victim = (h & (1L << 16)) == 0 ? a : b;
        long id = seed ^ Long.rotateLeft(salt, 17);
        if (challengers[victim] != id) {
          challengers[victim] = id; // a racy hint: the worst a lost write does is delay a fill
          return;
        }
        fill(victim, victim == a ? sa : sb, seed, salt, src);
      }
    }

    private boolean holds(int i, long s, long seed, long salt) {
      return s != 0 && seeds[i] == seed && salts[i] == salt;
    }

    /** Writes slot {@code i} if its stamp is still the even {@code s}. */
    private void fill(int i, long s, long seed, long salt, int[] src) {
      if ((s & 1) != 0) {
        return;
      }
      int[] list = lists[i];
      long reserved = 0;
      if (list == null) {
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
      if (list == null) {
        list = new int[words];
        lists[i] = list;
      }
      seeds[i] = seed;
      salts[i] = salt;
      System.arraycopy(src, 0, list, 0, words);
      STAMP.setRelease(stamps, i, s + 2);
      fills.increment();
    }
  }
}
