package dev.moat.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The reasons per-account evidence gives: the features that lift an account's score most over its
 * tier's typical account.
 *
 * <p>Thread-safe: stateless (allocates; called only when a level is raised).
 */
final class OwnReasons {
  private OwnReasons() {}

  /**
   * What put the account among the elevated accounts the group view counts: a night it does not
   * have ({@link Activity#sleepless}) if so, then {@link #of(VerdictModel, float[], float,
   * TierBaseline)}.
   */
  static List<String> elevated(
      VerdictModel model, float[] x, float score, TierBaseline tier, Activity activity) {
    List<String> out = new ArrayList<>(4);
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
    out.addAll(of(model, x, score, tier));
    return out;
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
