package dev.moat.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Per-account evidence for the group view (whether an account counts among the elevated accounts a
 * template's WATCHED set holds, {@link #elevates}) and the reasons it gives: the features that lift
 * an account's score most over its tier's typical account, and what else elevated it.
 *
 * <p>Thread-safe: stateless. {@link #elevates} runs per request and allocates nothing; the reasons
 * allocate, only when a level is raised.
 */
final class OwnReasons {
  private OwnReasons() {}

  /**
   * Requests an account has sent, at least, before the share of its recent requests that elicit can
   * elevate it ({@link #elevates}): a person's first few questions may all be "step by step".
   */
  static final int ELICITING_AFTER = 8;

  /**
   * The most requests, on average, per hour of the day in which an account has been active, for its
   * eliciting share to elevate it ({@link #mostlyElicits}).
   */
  static final long SESSION_MAX = 4;

  /**
   * Whether the account, with score bin {@code bin} at its latest request, counts among the
   * elevated accounts the group view reads: in the top tenth of its tier by the model's score
   * ({@link TierBaseline#elevated}), without a night ({@link Activity#sleepless}), or mostly
   * eliciting reasoning, plans or agent traces at a person's pace ({@link #mostlyElicits}), or
   * sending many people's settings where such accounts are rare ({@code hands}: {@link
   * ManyHands#counts}; a reseller's key, seen within hours where the night test needs a day). None
   * of these flags or watches an account: they feed the group view ({@link GroupEvidence}): the
   * aged view, which also asks of a template that it be a sweep, used around the clock, eliciting,
   * shared by accounts that do not burst, and elevated far above the deployment's base rate; and a
   * young sweep's strong grade (one request into it flags).
   *
   * <p>The eliciting share since 2026-12-05 (session 35): where a trace gives no account ages, a
   * campaign's accounts seen since observation began are established by tenure, the bundled model
   * scored a third generator's hydra 0.0 without metadata, and the night test needs a day; so a
   * campaign was served its first day (hydra 10.9-19.4% of its requests on twelve such worlds;
   * plugin/README "Mostly eliciting" for the figures with this). Campaign accounts ask for
   * reasoning in most requests, people in few (on that generator's seeds 5, 6, 9 and 10, stealth
   * read 0.25 or more and slow-drip 0.38 or more at their 5th percentile, developers 0.13 or less
   * at their 90th: {@link PhraseEvidence#MIN_ELICITING}).
   *
   * <p>Not kept (2026-12-07, session 45): an account elevated once it has sent 24 requests over 12
   * hours with no gap over an hour, to see a reseller's key sooner than the night test's day. A
   * product's service accounts run twelve unbroken hours at some point and stayed elevated, and the
   * third generator's worlds with every field had 21 to 69 agent-platform accounts flagged each by
   * the relay view (none before); the night test reads their whole week.
   */
  static boolean elevates(TierBaseline tier, int bin, AccountState s, boolean hands) {
    return tier.elevated(bin) || s.activity.sleepless() || mostlyElicits(s) || hands;
  }

  /**
   * Whether, from its {@link #ELICITING_AFTER}th request, at least half of the account's recent
   * requests elicit ({@link PhraseEvidence#MOSTLY_ELICITING}), and it has sent at most {@link
   * #SESSION_MAX} requests per hour of the day in which it has been active ({@link
   * Activity#activeHours}), on average: an eval harness or a script runs its chain-of-thought items
   * in sessions, dozens within an hour, often too slowly to burst (one a minute), where a campaign
   * hiding among people asks once or twice an hour, all day. Without the pace, 4 of {@code
   * NullModelTest}'s 9 eval runners were flagged; asking for 8 hours of the day instead kept them
   * out too, but on the usage generator with partial metadata, whose hydra asks in fewer hours at
   * first, it served 13.8% and 24.9% of its requests first (seeds 7 and 9), against 4.1% and 4.6%
   * with the pace and 15.2% and 39.2% with neither rule.
   */
  static boolean mostlyElicits(AccountState s) {
    return s.activity.requests() >= ELICITING_AFTER
        && PhraseEvidence.eliciting(s) >= PhraseEvidence.MOSTLY_ELICITING
        && s.activity.requests() <= SESSION_MAX * s.activity.activeHours();
  }

  /**
   * What put the account among the elevated accounts the group view counts ({@link #elevates}): a
   * night it does not have if so, a mostly eliciting history if so, then {@link #of(VerdictModel,
   * float[], float, TierBaseline)}.
   */
  static List<String> elevated(
      VerdictModel model,
      float[] x,
      float score,
      TierBaseline tier,
      AccountState s,
      boolean hands) {
    List<String> out = new ArrayList<>(5);
    Activity activity = s.activity;
    if (activity.sleepless()) {
      out.add(
          String.format(
              Locale.ROOT,
              "no night: its quietest six hours of the day (UTC) hold %.0f%% of its %d requests (a"
                  + " quarter where requests come evenly around the clock; a person's night holds"
                  + " few or none)",
              100.0 * activity.quietestSixHours() / activity.requests(),
              activity.requests()));
    }
    if (mostlyElicits(s)) {
      out.add(
          String.format(
              Locale.ROOT,
              "mostly elicits: %.0f%% of its recent requests ask for reasoning, plans or agent"
                  + " traces (a person's seldom reach half), %d requests in %d hours of the day",
              100.0 * PhraseEvidence.eliciting(s),
              activity.requests(),
              activity.activeHours()));
    }
    if (hands) {
      out.add(
          String.format(
              Locale.ROOT,
              "many hands: its requests came with at least %d distinct settings (system prompt,"
                  + " max_tokens and temperature together; one person's tools send one to a few)",
              activity.settingsSeen()));
    }
    out.addAll(of(model, x, score, tier));
    return out;
  }

  /**
   * A watch on the account's own behaviour: its score against its tier's watch threshold (by
   * log-odds where the score rounds towards 1, {@link TierBaseline#bin}), then {@link #of}.
   */
  static List<String> watched(
      VerdictModel model, float[] x, float score, float logit, int bin, TierBaseline tier) {
    List<String> why = new ArrayList<>(4);
    why.add(
        bin >= TierBaseline.SCORE_BINS
            ? String.format(
                Locale.ROOT,
                "own behaviour: score %.4f (log-odds %.1f) at or above its tier's watch"
                    + " threshold (log-odds %.1f)",
                score,
                logit,
                tier.thresholdLogit())
            : String.format(
                Locale.ROOT,
                "own behaviour: score %.2f at or above its tier's watch threshold %.2f",
                score,
                tier.threshold()));
    why.addAll(of(model, x, score, tier));
    return List.copyOf(why);
  }

  /** The three features that raise the score most over the account's tier's typical account. */
  static List<String> of(VerdictModel model, float[] x, float score, TierBaseline tier) {
    float[] typical = tier.typical();
    float[] probe = x.clone();
    Integer[] order = new Integer[Features.COUNT];
    double[] lift = new double[Features.COUNT];
    for (int i = 0; i < Features.COUNT; i++) {
      probe[i] = typical[i];
      lift[i] = score - model.score(probe);
      probe[i] = x[i];
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingDouble(i -> -lift[i]));
    List<String> out = new ArrayList<>(3);
    for (int k = 0; k < 3; k++) {
      int i = order[k];
      if (lift[i] > 0) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s %.2f (its tier's typical account %.2f, +%.2f)",
                Features.names().get(i),
                x[i],
                typical[i],
                lift[i]));
      }
    }
    return out;
  }
}
