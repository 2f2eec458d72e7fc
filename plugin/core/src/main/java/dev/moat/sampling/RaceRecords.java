package dev.moat.sampling;

import dev.moat.internal.Kernels;
import dev.moat.internal.RecordCache;
import dev.moat.internal.TokenHash;
import org.jspecify.annotations.Nullable;

/**
 * The far tokens of keyed races whose context recurs, shared by every request of the process within
 * a budget in bytes. A keyed race ({@link Sampler#raceKeyed}, the Gumbel watermark's pick) must
 * look at every token whose uniform could let it win from below the near tokens, and finding those
 * means hashing every token id ({@link Kernels#uniformsAtLeast}, about four times an in-cache pass
 * over the row at a vocabulary of 128,256). The uniforms depend only on the seed (the key and the
 * context) and the token id, not on the logits, so for a seed that recurs a record lists, once,
 * every token whose {@link TokenHash#uniformHigh} word is at least {@code 2^32 - 2^27} (one token
 * in 32), in 256 bands of that word from the highest down. A race whose cuts on the high words are
 * at or above the record's floor (1,992 of 2,000 races at 128,256 on the benchmark's Gaussian rows)
 * then reads the bands that reach its cut, a few hundred ids, instead of hashing the vocabulary;
 * the pick is the same token, bit for bit (the race's result does not depend on the order in which
 * it scores tokens, and it scores every token that could win).
 *
 * <p>A record holds {@code 2 + vocab/32 + 4·sqrt(vocab/32) + 16} ints (17 KB at a vocabulary of
 * 128,256); when more tokens pass, the lowest bands are dropped and the record's floor raised.
 * Records live in a {@link RecordCache} (two slots per context, a doorkeeper against one-off
 * contexts, lock-free reads): a record is made only when the cache would take it, so a context seen
 * once costs the plain race. The budget is the system property {@value #BYTES_PROPERTY} (bytes;
 * default {@value #DEFAULT_BYTES}, 0 turns caching off), read when the process first races keyed.
 *
 * <p>Thread-safe and lock-free.
 */
public final class RaceRecords {
  /** The system property that sets the shared cache's budget in bytes. */
  public static final String BYTES_PROPERTY = "moat.gumbel.raceCacheBytes";

  /** The default budget: 64 MiB. */
  public static final long DEFAULT_BYTES = 64L << 20;

  /** The least high word a record lists: {@code 2^32 - 2^27}, one token in 32. */
  static final int FLOOR = 0xF8000000;

  /** The high words {@code [FLOOR, 2^32)} fall in 256 bands of {@code 2^19}. */
  static final int BAND_SHIFT = 19;

  static final int BANDS = 256;

  /**
   * Vocabularies one cache serves (the first asked for): more than a process's models, so that
   * tests at many sizes in one JVM are served too.
   */
  static final int MAX_SIZES = 16;

  /** Records per vocabulary at most: 3,918 fit the default budget at 128,256. */
  static final int MAX_SLOTS = 1 << 16;

  private final RecordCache records;

  /** A cache with its own budget of {@code budgetBytes} (at least 0; 0 caches nothing). */
  public RaceRecords(long budgetBytes) {
    this.records = new RecordCache("race-record cache", budgetBytes, MAX_SIZES, MAX_SLOTS);
  }

  private static final class Shared {
    static final RaceRecords INSTANCE =
        new RaceRecords(RecordCache.configuredBytes(BYTES_PROPERTY, DEFAULT_BYTES));

    private Shared() {}
  }

  /** The process-wide cache every keyed race uses. */
  public static RaceRecords shared() {
    return Shared.INSTANCE;
  }

  /** Token ids a record of a vocabulary of {@code vocabSize} can hold. */
  static int capacity(int vocabSize) {
    int expected = vocabSize >>> 5;
    return expected + 4 * (int) Math.ceil(Math.sqrt(expected)) + 16;
  }

  /** The table for a vocabulary of {@code vocabSize}, or null (see {@link RecordCache}). */
  RecordCache.@Nullable Table forVocabulary(int vocabSize) {
    return records.forRecords(2 + capacity(vocabSize));
  }

  /**
   * Whether keyed races at a vocabulary of {@code vocabSize} can use records: the budget holds one
   * and the cache serves that vocabulary (it serves at most {@value #MAX_SIZES} sizes, the first
   * asked for).
   */
  public boolean serves(int vocabSize) {
    return forVocabulary(vocabSize) != null;
  }

  /** The band of a high word at or above {@link #FLOOR}: 255 for the highest. */
  static int band(int high) {
    return (high - FLOOR) >>> BAND_SHIFT;
  }

  /** The budget in bytes. */
  public long budgetBytes() {
    return records.budgetBytes();
  }

  /** Bytes of records held (allocated), at most {@link #budgetBytes()}. */
  public long bytes() {
    return records.bytes();
  }

  /** Keyed races that found their seed's record. */
  public long hits() {
    return records.hits();
  }

  /** Keyed races that did not. */
  public long misses() {
    return records.misses();
  }

  /** Records written into a slot. */
  public long fills() {
    return records.fills();
  }

  @Override
  public String toString() {
    return records.toString();
  }
}
