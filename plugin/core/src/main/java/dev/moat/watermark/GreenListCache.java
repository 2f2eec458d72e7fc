package dev.moat.watermark;

import dev.moat.internal.Kernels;
import dev.moat.internal.PackedLists;
import dev.moat.internal.RecordCache;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Packed KGW green lists of hot contexts, shared by every request of the process, within a budget
 * in bytes. With {@code context_width} 1 a green list depends only on the key, gamma, the
 * vocabulary and the previous token, so a context that recurs needs no new hashing: a cached list
 * ({@link PackedLists#words} ints, 16 KB at a vocabulary of 128,256) replaces hashing every token
 * id with a shift per vector ({@link Kernels#kgwBiasFromList}), bit for bit the same logits.
 *
 * <p>The lists are {@link RecordCache} records (two slots per context, a doorkeeper against one-off
 * contexts, lock-free reads under a sequence lock); all sizes together never hold more than {@link
 * #budgetBytes()} ({@link #bytes()} reports what is held). The budget is the system property
 * {@value #BYTES_PROPERTY} (bytes; default {@value #DEFAULT_BYTES}, 0 turns caching off), read when
 * the process first watermarks.
 *
 * <p>Thread-safe and lock-free. Per token a lookup costs a copy of the list, no allocation.
 */
public final class GreenListCache {
  /** The system property that sets the shared cache's budget in bytes. */
  public static final String BYTES_PROPERTY = "moat.kgw.listCacheBytes";

  /** The default budget: 64 MiB. */
  public static final long DEFAULT_BYTES = 64L << 20;

  /** List sizes (vocabularies) one cache serves; a process runs one or two models. */
  static final int MAX_SIZES = RecordCache.MAX_SIZES;

  private final RecordCache records;
  private final ConcurrentHashMap<Integer, Sized> bySize = new ConcurrentHashMap<>();

  /** A cache with its own budget of {@code budgetBytes} (at least 0; 0 caches nothing). */
  public GreenListCache(long budgetBytes) {
    this.records = new RecordCache("green-list cache", budgetBytes);
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
    return RecordCache.configuredBytes(BYTES_PROPERTY, DEFAULT_BYTES);
  }

  /**
   * The lists for a vocabulary of {@code vocabSize} tokens ({@link PackedLists#words} ints each),
   * or null if caching is off, the budget holds no list of that size, or {@link #MAX_SIZES} other
   * sizes are served already. A map lookup: call it at request start.
   */
  public @Nullable Sized forVocabulary(int vocabSize) {
    int words = PackedLists.words(vocabSize);
    Sized s = bySize.get(words);
    if (s != null) {
      return s;
    }
    RecordCache.Table t = records.forRecords(words);
    return t == null ? null : bySize.computeIfAbsent(words, w -> new Sized(t));
  }

  /** The budget in bytes. */
  public long budgetBytes() {
    return records.budgetBytes();
  }

  /** Bytes of lists held (allocated), at most {@link #budgetBytes()}. */
  public long bytes() {
    return records.bytes();
  }

  /** Lookups that found their list. */
  public long hits() {
    return records.hits();
  }

  /** Lookups that did not. */
  public long misses() {
    return records.misses();
  }

  /** Lists written into a slot. */
  public long fills() {
    return records.fills();
  }

  @Override
  public String toString() {
    return records.toString();
  }

  /** The lists of one size. Thread-safe, lock-free. */
  public static final class Sized {
    private final RecordCache.Table table;

    Sized(RecordCache.Table table) {
      this.table = table;
    }

    /** Ints per list: {@link PackedLists#words} of the vocabulary. */
    public int words() {
      return table.ints();
    }

    /** Slots in this table. */
    public int slots() {
      return table.slots();
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
      return table.copy(seed, salt, dst);
    }

    /**
     * Offers the list of {@code (seed, salt)}, {@code src[0 .. words)}. Each context has two slots:
     * the list goes to an empty one, or else to one of the two (chosen by the context's hash) if
     * this context missed on it just before (the doorkeeper) and no writer holds it; otherwise it
     * is dropped. Allocates a slot's ints the first time, within the budget.
     */
    public void offer(long seed, long salt, int[] src) {
      table.offer(seed, salt, src);
    }
  }
}
