package dev.moat.detect;

import java.util.Locale;

/**
 * The phrase view of coordination (since 2026-12-03): a campaign that paraphrases every request
 * shares no template with its other accounts, but still asks for what its campaign asks for. A
 * request is linked when one of its content phrases ({@link PhraseKeys}) is a bucket that flagged
 * accounts dominate (at least {@link GroupEvidence#MIN_ACCOUNTS} accounts, {@link
 * GroupEvidence#MIN_FLAGGED} of them flagged, at least half); it is evidence against its account
 * only when it also elicits reasoning, a plan or an agent trace, and the account has never sent at
 * machine speed (agent products and eval harnesses ask about the same things, in tool loops and
 * bursts; a campaign hiding among people paces itself like one). {@link #FLAG_HITS} such requests
 * flag: two signals, what it asks (shared with a flagged campaign) and how (eliciting, paced).
 *
 * <p>Thread-safe: stateless.
 */
final class PhraseEvidence {
  /** Linked, eliciting, paced requests that flag an account. */
  static final int FLAG_HITS = 3;

  /**
   * Requests before this one, at least, so that its pace is known: five within two minutes make a
   * burst ({@link Activity#bursts}), and an account's first few cannot show it.
   */
  static final int PACE_KNOWN = 4;

  /** Such requests that watch it (one is a developer asking about a campaign's topic once). */
  static final int WATCH_HITS = 2;

  private PhraseEvidence() {}

  /**
   * The index (from 0) of the first of {@code count} phrase buckets, whose words start at bucket
   * {@code from} of {@code bits}, that flagged accounts dominate; -1 if none.
   */
  static int linked(long[] bits, int from, int count) {
    for (int i = 0; i < count; i++) {
      if (GroupEvidence.dominated(bits, (from + i) * LinkStore.WORDS)) {
        return i;
      }
    }
    return -1;
  }

  /** The reason a flag or watch by this view gives. */
  static String describe(long[] bits, int bucket, int hits, long requests) {
    int o = bucket * LinkStore.WORDS;
    return String.format(
        Locale.ROOT,
        "linked by what it asks: %d of its %d requests elicited reasoning, plans or agent traces,"
            + " at a person's pace, about content phrases that flagged accounts dominate (%.0f"
            + " flagged of %.0f accounts in the last one)",
        hits,
        requests,
        LinkStore.estimate(bits, o + LinkStore.FLAGGED),
        LinkStore.estimate(bits, o + LinkStore.ACCOUNTS));
  }
}
