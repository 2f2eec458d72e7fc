package dev.moat.detect;

import java.util.Locale;

/**
 * What a template bucket's views read ({@link GroupEvidence}), in words, for a flag's reasons.
 *
 * <p>Thread-safe: stateless. Allocates its string; called once, at a flag.
 */
final class GroupReasons {
  private GroupReasons() {}

  private static double pct(long[] words, int set, double k) {
    return Math.min(100, Math.max(0, 100 * LinkStore.estimate(words, set) / Math.max(1, k)));
  }

  /** The first reason of a flag by coordination: the account's hits, of its {@code n} requests. */
  static String coordinated(AccountState s, long n) {
    return String.format(
        Locale.ROOT,
        "coordinated: evidence %d from its %d requests (an eliciting request into a template"
            + " that many accounts share as a topic sweep counts 1, into one where every view"
            + " agrees 2, or 1 from an account with 8 requests before that does not elicit);"
            + " %d of its %d requests into such templates counted (a quarter must)",
        s.groupHits,
        n,
        s.templateCounted,
        s.templateRequests);
  }

  /** {@link #describe(long[], int, double, double)}, or a creation hour's ({@link CohortView}). */
  static String describe(
      long[] words, int at, boolean cohort, double baseWatched, double baseYoung) {
    return cohort
        ? CohortView.describe(words, at, baseWatched)
        : describe(words, at, baseWatched, baseYoung);
  }

  /** What the bucket's views read, for a flag's reasons (built once, at the flag). */
  static String describe(long[] words, int at, double baseWatched, double baseYoung) {
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    double requests = LinkStore.estimate(words, at + LinkStore.CONTENT + LinkStore.REQUESTS);
    return String.format(
            Locale.ROOT,
            "template shared by ~%.0f accounts (%.0f%% young against %.0f%% of all accounts,"
                + " %.0f%% established, %.0f%% elevated on their own behaviour against %.1f%% of all"
                + " accounts, %.0f%% flagged); ~%.0f%% of its ~%.0f+ requests are distinct skeletons"
                + " (a topic sweep)",
            k,
            pct(words, at + LinkStore.YOUNG, k),
            100 * baseYoung,
            pct(words, at + LinkStore.ESTABLISHED, k),
            pct(words, at + LinkStore.WATCHED, k),
            100 * baseWatched,
            pct(words, at + LinkStore.FLAGGED, k),
            100 * GroupEvidence.share(words, at, LinkStore.SKELETONS),
            requests)
        + String.format(
            Locale.ROOT,
            "; %.0f%% follow-ups, %.0f%% eliciting reasoning or plans; %.0f%% of its accounts sent"
                + " at machine speed; used in %d hours of the day on %d days",
            100 * GroupEvidence.share(words, at, LinkStore.FOLLOWUPS),
            100 * GroupEvidence.share(words, at, LinkStore.CUED),
            pct(words, at + LinkStore.BURSTY, k),
            Long.bitCount(words[at + LinkStore.ACTIVITY] & 0xFFFFFFL),
            GroupEvidence.days(words, at))
        + (LinkStore.estimate(words, at + LinkStore.HANDS) < 1
            ? ""
            : String.format(
                Locale.ROOT,
                "; %.0f%% of its accounts sent many people's settings (many hands)",
                pct(words, at + LinkStore.HANDS, k)));
  }
}
