package dev.moat.detect;

import java.util.List;

/**
 * Where cross-account linking state lives: per template bucket (an LSH band key of a prompt
 * skeleton, or the hash of a system prompt), which accounts used it, how many of them were young or
 * established, and how many were flagged. One interface for the embedded default ({@link
 * LocalLinkStore}) and a fleet store shared by every replica (Redis: {@code RedisLinkStore}), so
 * that all replicas see one campaign.
 *
 * <p>Account sets are 256-bit linear-counting bitmaps (an account sets the bit its id hashes to):
 * within a few percent below about 200 accounts, saturating near 1,400, which is all a verdict
 * needs ("a handful" against "hundreds", and which share of them is flagged), in 128 bytes per
 * bucket whatever the campaign's size.
 *
 * <p>Implementations must be thread-safe: every request of every account calls them.
 */
public interface LinkStore extends AutoCloseable {
  /** Longs per account set (256 bits). */
  int SET = 4;

  /** Offsets of the sets in a bucket's words: all accounts, established, young, flagged. */
  int ACCOUNTS = 0;

  int ESTABLISHED = SET;
  int YOUNG = 2 * SET;
  int FLAGGED = 3 * SET;

  /** Words per bucket in {@link #record}'s output. */
  int WORDS = 4 * SET;

  /**
   * Records that {@code account} used buckets {@code keys[0..count)} and writes, for bucket {@code
   * i}, its four bitmaps after the update to {@code out[WORDS*i .. WORDS*i+3]}: accounts,
   * established accounts, young accounts, flagged accounts.
   *
   * @param accountBit the account's bit, {@link #bitOf}
   * @param young whether the account is young (created days ago)
   * @param established whether the account is established (created months ago)
   */
  void record(
      int accountBit, boolean young, boolean established, long[] keys, int count, long[] out);

  /**
   * Marks {@code account} as flagged in buckets {@code keys[0..count)} and keeps it as a sample.
   */
  void flag(String account, int accountBit, long[] keys, int count);

  /** Up to {@code max} flagged accounts seen in bucket {@code key}, oldest first. */
  List<String> linkedAccounts(long key, int max);

  /** Releases connections; the local store holds none. */
  @Override
  void close();

  /** The bit (0 to 255) an account sets. */
  static int bitOf(String account) {
    return (int) (MinHash.mix(account.hashCode() * 0x9E3779B97F4A7C15L) >>> 56);
  }

  /** The linear-counting estimate of how many accounts set the bits of {@code words[at..at+4)}. */
  static double estimate(long[] words, int at) {
    int set = 0;
    for (int i = 0; i < SET; i++) {
      set += Long.bitCount(words[at + i]);
    }
    if (set == 64 * SET) {
      return 64 * SET * Math.log(64 * SET);
    }
    return -64 * SET * Math.log1p(-set / (64.0 * SET));
  }
}
