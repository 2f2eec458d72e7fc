package dev.moat.detect;

/**
 * The aged view of a template bucket ({@link GroupEvidence#judge}). A bucket that is not young is
 * coordinated too when it is a sweep, around the clock and elicits reasoning, plans or agent traces
 * (at least {@link GroupEvidence#HARVEST_CUED} of its requests: the other shape of harvesting,
 * single requests, is what people's chat looks like in a trace without turns, where it flagged 5 of
 * 2,000 casual users of the first simulator), its accounts were elevated on their own behaviour far
 * more often than the base rate ({@link GroupEvidence#WATCHED_P}; only those that never sent at
 * machine speed count, since 2026-12-06), and at most {@link GroupEvidence#BURSTY_MAX} of them ever
 * sent at machine speed (five requests within two minutes, {@link Activity#bursts}): a campaign on
 * aged accounts paces itself like people, while the established users that share a template for
 * benign reasons (an eval harness, an agent product's tool loops, developers' scripts) burst. Never
 * strong: two requests into such templates flag an account, and only requests at a person's pace
 * count (since 2026-12-06: a harness's requests into a template that a paced campaign shares are
 * still a harness's). Before this view (2026-12-03), stealth and split campaigns on aged accounts
 * were flagged only where they shared templates with a flagged one (0% in the first simulator); the
 * view without the pacing condition also flagged that simulator's 300 developers, who share a
 * coding tool's templates and burst. Since 2026-12-05 an account without a night, or one that
 * mostly elicits at a person's pace ({@link OwnReasons#elevates}), counts as elevated too, whatever
 * the model scores (plugin README, "No night").
 *
 * <p><b>A deployment's first hours</b> (since 2026-12-07, session 47). Around the clock is eight
 * hours of the day ({@link GroupEvidence#aroundTheClock}), which no template shows before eight
 * hours have been observed: a campaign already running when a detector starts cold was served until
 * then (the fourth generator's seed 128 `partial`: of the 12,084 hydra requests served before their
 * accounts' flags, 10,895 were the first day's, its first flags at 07:00). In a detector's first
 * eight hours of observation ({@link Tenure#coldHours}; one restored from a snapshot keeps when
 * observation began), a template used in as many hours of the day as have been observed, and in at
 * least {@link Tenure#COLD_MIN_HOURS}, is around the clock for this view if it is new to the store
 * too (used on at most two days: a replica started in a warm fleet reads the fleet's buckets, where
 * a template used for days in office hours is not new); a class or a workshop of an hour or two is
 * not. On that world hydra's requests served first went from 5.99% to 3.72% (its accounts must
 * still be elevated far above a night's base rate, which takes three to five hours), on seeds 117
 * and 115 from 3.39% and 5.23% to 2.52% and 4.27%; no benign account was newly flagged or cleared
 * on the third and fourth generators' 28 worlds (plugin README, "A deployment's first hours").
 *
 * <p>Thread-safe: stateless.
 */
final class AgedView {
  private AgedView() {}

  /**
   * Whether the bucket at {@code words[at ..)}, a sweep of about {@code k} accounts that are not
   * young, is an aged campaign's: elevated far above {@code baseWatched} (those that never burst),
   * steady, eliciting, and used around the clock (or, new to the store, in {@code cold} hours of
   * the day: {@link Tenure#coldHours}).
   */
  static boolean swept(long[] words, int at, double k, double baseWatched, int cold) {
    return GroupEvidence.watched(words, at, k, baseWatched, true)
        && GroupEvidence.steady(words, at, k)
        && aroundTheClock(words, at, k, cold)
        && GroupEvidence.share(words, at, LinkStore.CUED) >= GroupEvidence.HARVEST_CUED;
  }

  /**
   * {@link GroupEvidence#aroundTheClock}, or, in a detector's first hours ({@code cold} below
   * {@link Integer#MAX_VALUE}: {@link Tenure#coldHours}), used in {@code cold} hours of the day and
   * new to the store (on at most two days): the aged view's and, since session 48, the relay view's
   * ({@link RelayView#relayed}).
   */
  static boolean aroundTheClock(long[] words, int at, double k, int cold) {
    return GroupEvidence.aroundTheClock(words, at, k)
        || (GroupEvidence.hours(words, at) >= cold && GroupEvidence.days(words, at) <= 2);
  }
}
