package dev.moat.detect;

/**
 * The buckets a flagged account marks as flagged ({@link LinkStore#FLAGGED}), which the {@link
 * GroupEvidence#DOMINATED} grade and {@link PhraseEvidence} read. A flagged account marks only the
 * templates of its campaign's work: a request that elicits reasoning, plans or agent traces, or one
 * whose template a view of its own calls coordinated ({@link GroupEvidence#COORDINATED} or
 * stronger). Not its small talk (a campaign that mixes casual chatter in must not make everyday
 * templates look flagged-dominated), and not a request whose only evidence is that flagged accounts
 * already dominate its template: until 2026-12-06 that counted, so flagged resellers relaying their
 * customers' everyday templates kept those templates dominated by marking them again (a fourth
 * generator's seed 101: 288 casual users flagged).
 *
 * <p>Thread-safe: stateless. Allocates nothing; reads the buckets' words the request recorded.
 */
final class FlagMarks {
  private FlagMarks() {}

  /** Whether a flagged account's request with this {@code evidence} marks its buckets. */
  static boolean marks(int evidence, boolean cued, int words) {
    return words >= Detector.GROUP_MIN_WORDS && (evidence >= GroupEvidence.COORDINATED || cued);
  }

  /**
   * Marks {@code account} flagged in those of the request's buckets ({@code keys}, then {@code
   * phrases}; their words in {@code bits}) that do not count it yet, using {@code scratch} for the
   * keys.
   */
  static void mark(
      Detector d,
      AccountState s,
      String account,
      long[] keys,
      long[] phrases,
      long[] bits,
      long[] scratch) {
    int word = LinkStore.FLAGGED + (s.bit >>> 6);
    long mask = 1L << s.bit;
    int fresh = 0;
    for (int b = 0; b < d.bands; b++) {
      if ((bits[b * LinkStore.WORDS + word] & mask) == 0) {
        scratch[fresh++] = keys[b];
      }
    }
    for (int i = 0; i < phrases.length; i++) {
      if ((bits[(keys.length + i) * LinkStore.WORDS + word] & mask) == 0) {
        scratch[fresh++] = phrases[i];
      }
    }
    if (fresh > 0) {
      d.store.flag(account, s.bit, scratch, fresh);
    }
  }
}
