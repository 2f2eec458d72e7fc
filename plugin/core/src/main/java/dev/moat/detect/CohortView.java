package dev.moat.detect;

import java.util.Locale;

/**
 * Accounts created together: a bucket per hour of account creation ({@code account_created}, only
 * where a request gives it), holding the accounts created in that hour while they are in their
 * {@link #FRESH_MILLIS first day}. A hydra registers its accounts in waves and starts them within
 * hours; each then asks for a task of its own, so its templates hold a handful of its accounts in
 * their first hours, and the template views wait for them (a fourth generator's seed 109: the
 * wave's template buckets held 3 to 6 accounts each in its first hours, and the 538 accounts that
 * started in its first three hours were served 2,115 requests before their flags, 2.3% of all its
 * requests).
 *
 * <p>The null model: people sign up independently, so the accounts created in one hour are elevated
 * on their own behaviour ({@link OwnReasons#elevates}) about as often as the deployment's accounts
 * are. A cohort is {@link GroupEvidence#STRONG} when all of these hold:
 *
 * <ol>
 *   <li>at least {@link GroupEvidence#MIN_ACCOUNTS} accounts, at least {@link
 *       GroupEvidence#HARVEST_CUED} of its requests eliciting reasoning, plans or agent traces, and
 *       a sweep of distinct tasks from {@link ElicitingSweep#REQUESTS} requests (not a class
 *       pasting one homework, {@link GroupEvidence#pasted});
 *   <li>at least {@link GroupEvidence#MIN_WATCHED} and {@link #WATCHED_SHARE} of its accounts
 *       elevated, a binomial upper tail of at most {@link GroupEvidence#WATCHED_P} against the
 *       share of all accounts elevated (floored at 1e-4).
 * </ol>
 *
 * <p>Its evidence is taken only by an account whose own score at that request is at or above the
 * model's threshold and in its tier's top tenth ({@link #takes}): a person who signed up in a
 * wave's hour is not flagged for the wave. Without any such gate, 1 to 14 casual users and viral
 * sharers were flagged at their first request on each of seven of the fourth generator's eight
 * worlds with every field. With the tier's top tenth alone, or an account already elevated (the
 * first build), a person asking everyday questions step by step is flagged at its eighth request,
 * once that makes it elevated ({@code CohortViewTest}); where most of a tier scores about 0, its
 * top tenth is thin. A class behind its venue's network is not in it ({@link Cohorts}: youth
 * withheld).
 *
 * <p>Membership is for the first day after creation, not the first day seen: from the first request
 * seen, a wave registered before the detector started counts too (the fourth generator's seed 132:
 * hydra served first 2.04% to 1.83%), but so do the accounts of a campaign that registers about 15
 * an hour over days, and a casual user created in such an hour, scoring 0.995 at its one request,
 * was flagged (the third generator's seed 46; one on the usage generator's seed 5 too).
 *
 * <p>The share of elevated accounts is a quarter, not the template views' {@link
 * GroupEvidence#WATCHED_SHARE}: an account is elevated from its second request, so a wave's first
 * hours read low (seed 109: 17% of 99 accounts half an hour in, 30% of 127 an hour in, a tail of
 * 4e-10 then).
 *
 * <p>What it cannot see: a wave whose accounts do not score high on their own (seed 112's hydra, no
 * {@code max_tokens} and temperature 1.0: 7 of 238 elevated three hours in); accounts created over
 * days rather than hours (the third generator's hydra, about 15 an hour); a campaign on aged or
 * bought accounts; a trace without {@code account_created}.
 *
 * <p>Thread-safe: stateless.
 */
final class CohortView {
  /** How long after its creation an account belongs to its creation hour's bucket. */
  static final long FRESH_MILLIS = 24 * 3_600_000L;

  /** The least share of a cohort's accounts elevated on their own behaviour. */
  static final double WATCHED_SHARE = 0.25;

  private static final long HOUR = 3_600_000L;
  private static final long SALT = 0x436F686F72745669L;

  private CohortView() {}

  /** Whether a request at {@code now} of an account created at {@code created} is in a cohort. */
  static boolean fresh(long created, long now) {
    return created >= 0 && now - created < FRESH_MILLIS;
  }

  /**
   * Whether an account takes a strong cohort's evidence: its own {@code score} at this request (in
   * {@code bin} of its {@code tier}) at or above the model's {@code threshold} and in its tier's
   * top tenth.
   */
  static boolean takes(TierBaseline tier, int bin, float score, float threshold) {
    return score >= threshold && tier.elevated(bin);
  }

  /** The bucket key of the accounts created in the hour of {@code created}. */
  static long key(long created) {
    return MinHash.mix(SALT ^ Math.floorDiv(created, HOUR));
  }

  /** The cohort at {@code words[at .. at + LinkStore.WORDS)}, against {@code baseWatched}. */
  static int judge(long[] words, int at, double baseWatched) {
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    if (k < GroupEvidence.MIN_ACCOUNTS
        || !ElicitingSweep.elicits(words, at)
        || !GroupEvidence.sweep(words, at, ElicitingSweep.REQUESTS)) {
      return GroupEvidence.NONE;
    }
    return GroupEvidence.watched(words, at, k, baseWatched, false, WATCHED_SHARE)
        ? GroupEvidence.STRONG
        : GroupEvidence.NONE;
  }

  /** What the cohort's views read, for a flag's reasons (built once, at the flag). */
  static String describe(long[] words, int at, double baseWatched) {
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    return String.format(
        Locale.ROOT,
        "created together: ~%.0f accounts created in one hour, in their first day, %.0f%% elevated"
            + " on their own behaviour against %.1f%% of all accounts; %.0f%% of their ~%.0f+"
            + " requests eliciting reasoning or plans, ~%.0f%% distinct skeletons (a topic sweep)",
        k,
        Math.min(100, 100 * LinkStore.estimate(words, at + LinkStore.WATCHED) / Math.max(1, k)),
        100 * baseWatched,
        100 * GroupEvidence.share(words, at, LinkStore.CUED),
        LinkStore.estimate(words, at + LinkStore.CONTENT + LinkStore.REQUESTS),
        100 * GroupEvidence.share(words, at, LinkStore.SKELETONS));
  }
}
