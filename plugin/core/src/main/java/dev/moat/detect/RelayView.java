package dev.moat.detect;

import dev.moat.internal.Binomial;

/**
 * The relay view of a template bucket ({@link GroupEvidence#judge}): a sweep of first turns (at
 * most {@link GroupEvidence#HARVEST_FOLLOWUPS} later ones: a harvest does not converse in its
 * template, a developer's tool loop sends its results into its agent's as later turns) that nearly
 * always elicits ({@link #CUED}), used around the clock, whose accounts were elevated far above the
 * base rate, more than {@link GroupEvidence#BURSTY_MAX} of them sent at machine speed, and at least
 * {@link #CHATTY} hold conversations. A key that many people use (a reseller's, a team's) does
 * both; a harness (an eval run, a script) bursts but does not converse, and people converse but do
 * not burst. Resellers mixing a campaign's extraction into resold traffic share its templates with
 * each other this way, and the aged view, which asks that few of a template's accounts burst, does
 * not take them: on a fourth generator's seed 123, 2,552 of the 8,257 extraction requests served
 * before their account's flag fell in such templates, and on its seed 109, 17 of 31 resellers were
 * never flagged before this view (issue 15, session 42).
 *
 * <p>Its evidence is only for an account that is a relay itself (it has burst and converses), not
 * young, and for a request at a person's pace: a relay's customers are people, while an agent
 * product's tool loop, which bursts and has later turns too, sends its steps within seconds (on
 * that generator's seed 121, 4 of 21 agent-platform accounts were flagged without the pace, by
 * fetched pages in their tool results). It counts as {@link GroupEvidence#COORDINATED}: an
 * eliciting request into such a template is one hit.
 *
 * <p><b>Why its accounts must be elevated, and converse</b> (measured 2026-12-07, session 45;
 * neither change kept; the bar is {@link #CONVERSES} since session 47). A relay is a key used
 * around the clock at volume, elevated in the end whatever its template, but its hour-of-day spread
 * takes about a day to show: on the fourth generator's seed 109 the resellers were flagged 28 to 47
 * hours after their first request, and 18.2% of their extraction requests were served first.
 * Without {@link GroupEvidence#watched} here they were flagged 2.6 to 24 hours in, 5.7 at the
 * median (3.2% served first; seeds 111, 112, 122: 19.6%, 21.0%, 32.8% to 8.0%, 7.3%, 1.8%; no
 * benign account newly flagged on generator4's 22 worlds), but on the third generator's three
 * worlds with every field 468 to 617 developers a world were flagged (603 of 1,984 on seed 13), and
 * 35 to 71 agent-platform accounts: a coding tool's users there burst, hold short conversations and
 * paste code into eliciting templates, a relay's shape in all but elevation (17% and 35% of such
 * templates' accounts elevated against base rates of 12% and 13%; three resellers' templates at
 * their flags, 55% to 65%). Where a trace gives no turns, only prompts under six words read as
 * conversing, and the fourth generator's resellers read 0.13 to 0.15 there (its seed 110), under
 * the bar (30% then, a fifth now): with a bar of 10% without turns, their extraction served first
 * fell on seven of its eight such worlds (seed 110 43.4% to 35.4%, 124 28.6% to 19.8%), but the
 * third generator's seed 45 had 798 of 2,935 developers flagged (their "test" pings and one-line
 * asks). Neither generator's resellers return to an earlier conversation after another one in a way
 * its developers do not (the fourth's never on seed 109; the third's in 9% to 23% of their requests
 * on seed 13, its developers in up to 16%).
 *
 * <p><b>Many hands</b> (since 2026-12-07, session 46). A key that many people use carries their
 * tools' settings: an account whose requests came with eight or more distinct system prompts,
 * {@code max_tokens} and temperatures together ({@link Activity#manyHands}) counts as elevated on
 * its own behaviour within hours where such accounts are rare ({@link ManyHands}), and, where it
 * converses, with those that burst (so a relay that has not yet burst is a relay here, and is not a
 * paced account for the aged view). On the fourth generator's seed 109 resellers were then flagged
 * 3.3 to 23.1 hours in (median 5.7; 18.2% to 3.4% served first), on its 14 worlds that give the
 * settings 17.6% to 6.2% served first at the median, with no benign account newly flagged or
 * cleared on the 17 such worlds of both generators; the third generator's developers send one
 * setting each. Where a trace gives none of the three fields, or a reseller sends every request
 * alike, this sees nothing, and the limits above hold.
 *
 * <p><b>Shared hands</b> (since 2026-12-07, session 48). Elevation is judged against the share of
 * all accounts elevated, which where many accounts have no night or mostly elicit is a fifth or
 * more (the fourth generator's seed 122: 0.18 to 0.21), and against it a template that a handful of
 * relays share is not far above the base rate, though every one of them is elevated: 7 of 8
 * elevated at 0.2 is 1e-4, not the 1e-6 asked. That world's 7 resellers were flagged 41 to 57 hours
 * after their first requests, by other views, with 32.6% of their extraction served first. Many
 * hands are rarer than elevation by design ({@link ManyHands}: counted only while at most 2% of the
 * accounts show them), so for an account that shows them itself, a template whose accounts show
 * many hands far more often than all accounts do ({@link #handsShared}, against {@link
 * ManyHands#share}) is relays' too, the other conditions unchanged. On that world the resellers'
 * extraction served first fell from 32.6% to 1.8%; on generator4's 14 worlds with the settings from
 * a median of 5.8% to 5.3% (seed 112 8.9% to 6.0%), no benign account newly flagged or cleared on
 * any of the 20 worlds and 19 rows replayed (plugin README, "Shared hands"). The account's own many
 * hands are required: without that, a third generator's resellers, who carry developers' coding
 * tool's template with many hands, made it relays' for the developers who burst and converse in it
 * (343 of 1,984 developers flagged on seed 13, 296 of 2,025 on seed 44).
 *
 * <p><b>A detector's first hours</b> (since 2026-12-07, session 48). Relays' template asked to be
 * used in eight hours of the day as it always had, so a reseller already carrying a campaign when a
 * detector started cold was served until eight hours had been observed; the aged view had taken a
 * template new to the store and used in every hour observed (and at least three) as around the
 * clock since session 47, and the relay view now does too ({@link AgedView#aroundTheClock}). On
 * generator4's worlds with some metadata its resellers' extraction served first fell from 4.71% to
 * 2.57% (seed 121), 5.20% to 2.71% (125), 7.09% to 5.20% (111), 5.43% to 5.09% (115) and 7.29% to
 * 7.13% (128), on its worlds with every field not at all, with no benign account newly flagged or
 * cleared on the worlds replayed (plugin README, "Relays in a detector's first hours").
 *
 * <p>What it cannot see: relays that carry no conversations (an API reseller whose customers send
 * single requests looks like a harness), and a reseller whose extraction templates no other relay
 * shares (fewer than {@link GroupEvidence#MIN_ACCOUNTS} accounts in a bucket), nor relays' template
 * that paced accounts share with them in greater numbers (generator4's seed 106 {@code partial}:
 * buckets of 22 accounts, 5 of them relays, so neither a quarter with many hands nor half
 * conversing; its resellers' extraction served first 16.7% to 15.9%).
 *
 * <p>Thread-safe: stateless.
 */
final class RelayView {
  /** The share of a bucket's accounts that hold conversations. */
  static final double CHATTY = 0.5;

  /**
   * The share of an account's recent requests ({@link AccountState#conversing}: later turns, and
   * prompts too short to stand alone) above which an account that gives turns holds conversations
   * ({@link #converses}). A fifth since 2026-12-07 (session 47; 0.3 before): the bar of 30% was set
   * while the fourth generator's conversations, counted from 1 beside requests without a turn, read
   * every first turn as a later one; read as they are, its resellers' keys converse by 0.25 to 0.32
   * over their week on seed 109 (median 0.29; its eval runners, IDE assistants, translation
   * pipelines and enterprise apps 0), and with 30% their extraction served first rose from 3.4% to
   * 6.6% there and from 9.1% to 23.3% on seed 112 (plugin README, "Requests without a turn").
   */
  static final float CONVERSES = 0.2f;

  /**
   * The same bar for an account that has given no turn, whose conversing is its short prompts
   * alone: 0.3 still, since with a fifth the third generator's seed 45 without metadata had 332 of
   * its developers flagged (session 47).
   */
  static final float CONVERSES_WITHOUT_TURNS = 0.3f;

  /**
   * Whether {@code s} holds conversations: it is then {@link LinkStore#CHATTY}, and, where it has
   * burst or shows many hands, a relay.
   */
  static boolean converses(AccountState s) {
    return s.conversing > (s.lowestTurn == Integer.MAX_VALUE ? CONVERSES_WITHOUT_TURNS : CONVERSES);
  }

  /**
   * The share of a bucket's requests that elicit: a campaign's template asks for reasoning every
   * time, while a passage that many populations paste (a document, retrieved context, a fetched
   * page) is asked about in many ways. On a fourth generator's seed 123 the resellers' extraction
   * requests fell in relays' sweeps eliciting 94% or more (their tenth percentile), the benign
   * populations' requests in such sweeps eliciting at most 40% (their medians; an agent product's
   * fetched pages, support bots' passages, translation pipelines' articles).
   */
  static final double CUED = 0.8;

  private RelayView() {}

  /**
   * Whether the bucket at {@code words[at ..)} with about {@code k} accounts is relays' sweep: its
   * accounts elevated far above {@code baseWatched}, or, where {@code baseHands} is not negative
   * (the account judged shows many hands itself), many hands shared far above {@code baseHands};
   * around the clock, or in a detector's first hours in {@code cold} hours ({@link
   * AgedView#aroundTheClock}).
   */
  static boolean relayed(
      long[] words, int at, double k, double baseWatched, double baseHands, int cold) {
    return GroupEvidence.sweep(words, at)
        && !GroupEvidence.steady(words, at, k)
        && LinkStore.estimate(words, at + LinkStore.CHATTY) >= CHATTY * k
        && AgedView.aroundTheClock(words, at, k, cold)
        && GroupEvidence.share(words, at, LinkStore.CUED) >= CUED
        && GroupEvidence.share(words, at, LinkStore.FOLLOWUPS) <= GroupEvidence.HARVEST_FOLLOWUPS
        && (GroupEvidence.watched(words, at, k, baseWatched, false)
            || handsShared(words, at, k, baseHands));
  }

  /**
   * The least share of a bucket's accounts that must show many hands for {@link #handsShared}: a
   * template that a few relays carry among many other accounts (a coding tool's, which developers
   * send into too) is not relays'. On the third and fourth generators' 17 worlds with settings it
   * moved nothing; on the usage generator it kept resellers' extraction served first at 2.75% and
   * 14.06% on seeds 3 and 9 {@code partial} (2.73% and 14.25% without it).
   */
  static final double HANDS_SHARE = 0.25;

  /**
   * At least {@link GroupEvidence#MIN_WATCHED} of the bucket's accounts, and {@link #HANDS_SHARE}
   * of them, show many hands, far more than {@code baseHands} of {@code k} would give (binomial
   * upper tail at most {@link GroupEvidence#WATCHED_P}, the base rate taken at least 1e-4); never
   * where {@code baseHands} is negative.
   */
  static boolean handsShared(long[] words, int at, double k, double baseHands) {
    if (baseHands < 0) {
      return false;
    }
    double h = LinkStore.estimate(words, at + LinkStore.HANDS);
    if (h < GroupEvidence.MIN_WATCHED || h < HANDS_SHARE * k) {
      return false;
    }
    int n = (int) Math.round(Math.max(k, h));
    int hits = (int) Math.min(n, Math.round(h));
    return Binomial.log10UpperTail(n, hits, Math.max(1e-4, baseHands))
        <= Math.log10(GroupEvidence.WATCHED_P);
  }
}
