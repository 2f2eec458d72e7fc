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
 * flag, if they are at least {@link #MIN_SHARE} of its requests from the first on: two signals,
 * what it asks (shared with a flagged campaign) and how (eliciting, paced, and mostly that).
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

  /**
   * And their least share of the account's requests from the first of them on: a developer who now
   * and then asks, with "step by step", about a topic a campaign sweeps (3 of 77 requests on the
   * third generator's seed 6, flagged before this share was asked for) is not working for it. Low,
   * because resellers carry mostly genuine traffic and some paraphrasing accounts chat a lot: at
   * 10% the same seed 5 flagged 490 of its 591 stealth accounts and 1 of 30 resellers, at 5% 586
   * and 10, with no share 587 and 12.
   */
  static final double MIN_SHARE = 0.05;

  private PhraseEvidence() {}

  /**
   * Counts a linked request, the account's {@code n}th, at {@code now}: evidence for both levels.
   */
  static void count(AccountState s, long n, long now) {
    if (s.phraseHits == 0) {
      s.phraseFrom = n;
    }
    s.phraseHits++;
    s.watchEvidence = now;
    s.flagEvidence = now;
  }

  /** Whether {@code hits} such requests of the {@code since} from the first of them on flag. */
  static boolean flags(int hits, long since) {
    return hits >= FLAG_HITS && hits >= MIN_SHARE * since;
  }

  /** Whether they watch. */
  static boolean watches(int hits, long since) {
    return hits >= WATCH_HITS && hits >= MIN_SHARE * since;
  }

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
        "linked by what it asks: %d of its %d requests from the first such one on elicited"
            + " reasoning, plans or agent traces, at a person's pace, about content phrases that"
            + " flagged accounts dominate (%.0f flagged of %.0f accounts in the last one)",
        hits,
        requests,
        LinkStore.estimate(bits, o + LinkStore.FLAGGED),
        LinkStore.estimate(bits, o + LinkStore.ACCOUNTS));
  }
}
