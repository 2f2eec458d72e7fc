package dev.moat.detect;

import java.util.List;

/**
 * Where cross-account linking state lives: per template bucket (an LSH band key of a prompt
 * skeleton, the hash of a system prompt, or a content phrase, {@code PhraseKeys}), which accounts
 * used it, how many of them were young, established, watched or flagged, and two content sketches
 * (distinct skeletons against requests) that tell a topic sweep from a text many people paste. One
 * interface for the embedded default ({@link LocalLinkStore}) and a fleet store shared by every
 * replica (Redis: {@code RedisLinkStore}), so that all replicas see one campaign.
 *
 * <p>Account sets are 256-bit linear-counting bitmaps (an account sets the bit its id hashes to):
 * within a few percent below about 200 accounts, saturating near 1,400, which is all a verdict
 * needs ("a handful" against "hundreds", and which share of them is flagged); the content sketches
 * are 256 bits each at two resolutions, and one word says when the bucket was used: 552 bytes per
 * bucket whatever the campaign's size.
 *
 * <p>Implementations must be thread-safe: every request of every account calls them.
 */
public interface LinkStore extends AutoCloseable {
  /** Longs per account set (256 bits). */
  int SET = 4;

  /** Offsets (in words) of the sets in a bucket: all accounts, established, young, flagged. */
  int ACCOUNTS = 0;

  int ESTABLISHED = SET;
  int YOUNG = 2 * SET;
  int FLAGGED = 3 * SET;

  /**
   * Accounts whose own behaviour put them on watch (per-account evidence only, never a link), so
   * that a bucket's watched share can be compared with the tier's base rate of watching.
   */
  int WATCHED = 4 * SET;

  /**
   * Accounts that hold conversations (at least 3 requests, over 30% of their recent ones later
   * turns or prompts too short to stand alone, {@code AccountState#conversing}): people and
   * products chat, a harvest mostly does not.
   */
  int CHATTY = 5 * SET;

  /**
   * Distinct clients (network fingerprints) the bucket's requests came from: one NAT for a class or
   * a venue, many for a campaign rotating proxies.
   */
  int CLIENTS = 6 * SET;

  /**
   * The content sketches, at two resolutions: {@link #CONTENT} counts every request, {@link
   * #CONTENT} + {@link #RESOLUTION} only requests whose skeleton hash is in a 1/16 sample, so that
   * the ratios below stay unbiased after the full-resolution sketches fill (a campaign's bucket
   * takes tens of thousands of requests). Each resolution holds four 256-bit sketches at these
   * offsets from its base: requests (one bit per request hash), distinct skeletons (one bit per
   * skeleton hash), follow-ups (requests with turn > 0) and cued requests (eliciting reasoning,
   * plans or agent traces).
   */
  int CONTENT = 7 * SET;

  /** Words from one resolution's sketches to the next. */
  int RESOLUTION = 4 * SET;

  /** Offsets of the four sketches within a resolution. */
  int REQUESTS = 0;

  int SKELETONS = SET;
  int FOLLOWUPS = 2 * SET;
  int CUED = 3 * SET;

  /** One word: bits 0-23 the UTC hours of day the bucket was used, bits 24-63 its days (mod 40). */
  int ACTIVITY = CONTENT + 2 * RESOLUTION;

  /**
   * Accounts that have sent requests at machine speed (five within two minutes, {@link
   * Activity#bursts}): scripts, harnesses, agents' tool loops. A campaign hiding among people paces
   * itself like one. Last in the layout (added 2026-12-03), so that a bucket written before it
   * reads with this set empty.
   */
  int BURSTY = ACTIVITY + 1;

  /**
   * Accounts whose requests carry many people's settings ({@link Activity#manyHands}, counted where
   * such accounts are rare): keys that many people use, a reseller's. Last in the layout (added
   * 2026-12-07, session 48), so that a bucket written before it reads with this set empty.
   */
  int HANDS = BURSTY + SET;

  /** Words per bucket in {@link #record}'s output. */
  int WORDS = HANDS + SET;

  /** Bits per bucket. */
  int BITS = 64 * WORDS;

  /**
   * Records one request in buckets {@code keys[0..count)}: sets bits {@code marks[0..markCount)}
   * (offsets in [0, {@link #BITS}), the same for every bucket: the account's bit in its sets, the
   * skeleton's and the request's bits in the sketches) and writes, for bucket {@code i}, its words
   * after the update to {@code out[WORDS*i .. WORDS*(i+1))}.
   */
  void record(int[] marks, int markCount, long[] keys, int count, long[] out);

  /**
   * Records that {@code account} used buckets {@code keys[0..count)} (its bit in the account set,
   * and in the young or established set) and writes each bucket's words as {@link #record(int[],
   * int, long[], int, long[])} does.
   *
   * @param accountBit the account's bit, {@link #bitOf}
   * @param young whether the account is young (created days ago)
   * @param established whether the account is established (created months ago)
   */
  default void record(
      int accountBit, boolean young, boolean established, long[] keys, int count, long[] out) {
    if (accountBit < 0 || accountBit > 255) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid("accountBit", accountBit, "0 to 255"));
    }
    int[] marks = new int[3];
    int n = 0;
    marks[n++] = 64 * ACCOUNTS + accountBit;
    if (established) {
      marks[n++] = 64 * ESTABLISHED + accountBit;
    }
    if (young) {
      marks[n++] = 64 * YOUNG + accountBit;
    }
    record(marks, n, keys, count, out);
  }

  /**
   * Marks {@code account} as flagged in buckets {@code keys[0..count)} and keeps it as a sample.
   */
  void flag(String account, int accountBit, long[] keys, int count);

  /** Up to {@code max} flagged accounts seen in bucket {@code key}, oldest first. */
  List<String> linkedAccounts(long key, int max);

  /**
   * The fleet's mark on {@code account} ({@link AccountMark}) with its pin ({@link
   * AccountMark#pin}), or null if it has neither. Called at each request start; the embedded store
   * answers from memory, a fleet store with one read.
   */
  default @org.jspecify.annotations.Nullable AccountMark mark(String account) {
    return null;
  }

  /**
   * Stores the fleet's mark on {@code account}. A flag does not replace a clearing less than {@code
   * guardMillis} older than the flag's evidence (an admin's clearing holds for the decay period
   * against a replica that had not yet seen it); anything else replaces the mark.
   *
   * @return false if the store could not be reached (the caller tells it again later); true when it
   *     holds the mark, or kept a clearing the mark may not replace
   */
  default boolean mark(String account, AccountMark mark, long guardMillis) {
    return true;
  }

  /**
   * Tells the fleet that {@code account} is watched, its evidence last seen at {@code at} (answered
   * by {@link #mark(String)} as {@link AccountMark#watchedAt}); the store may forget it {@code
   * keepMillis} later, when the watch has lapsed. A later time replaces an earlier one.
   *
   * @return false if the store could not be reached (the caller tells it again later)
   */
  default boolean watch(String account, long at, long keepMillis) {
    return true;
  }

  /**
   * Stores the fleet's pin on {@code account}, replacing any, or with {@code pin} null removes it;
   * the account's flag or clearing ({@link #mark(String, AccountMark, long)}) is kept apart and
   * unchanged. A store forgets a pin once it ends.
   *
   * @return false if the store could not be reached
   * @throws UnsupportedOperationException if the store keeps no pins
   */
  default boolean pin(String account, @org.jspecify.annotations.Nullable AccountPin pin) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " keeps no pins: pinning needs a store that does");
  }

  /** Whether {@code next} may replace {@code current} under {@link #mark}'s rule. */
  static boolean replaces(
      @org.jspecify.annotations.Nullable AccountMark current, AccountMark next, long guardMillis) {
    return current == null
        || current.flagged()
        || !next.flagged()
        || next.at() - current.at() >= guardMillis;
  }

  /** Releases connections; the local store holds none. */
  @Override
  void close();

  /** The bit (0 to 255) an account sets. */
  static int bitOf(String account) {
    return (int) (MinHash.mix(account.hashCode() * 0x9E3779B97F4A7C15L) >>> 56);
  }

  /** The linear-counting estimate of how many accounts set the bits of {@code words[at..at+4)}. */
  static double estimate(long[] words, int at) {
    return LinearCounting.estimate(words, at);
  }

  /**
   * The linear-counting estimate of distinct items in the {@code n}-word bitmap at {@code at}
   * (Whang et al. 1990); a full bitmap reads as {@code m ln m}, the sketch's ceiling.
   */
  static double estimate(long[] words, int at, int n) {
    int set = 0;
    for (int i = 0; i < n; i++) {
      set += Long.bitCount(words[at + i]);
    }
    int m = 64 * n;
    if (set == m) {
      return m * Math.log(m);
    }
    return -m * Math.log1p(-set / (double) m);
  }

  /** Checks a mark offset. */
  static void checkMark(int mark) {
    if (mark < 0 || mark >= BITS) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid("mark", mark, "0 to " + (BITS - 1)));
    }
  }
}
