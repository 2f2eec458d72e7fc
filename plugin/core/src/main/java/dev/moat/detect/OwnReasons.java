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
