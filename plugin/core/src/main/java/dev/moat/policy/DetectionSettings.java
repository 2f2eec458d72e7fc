package dev.moat.policy;

import dev.moat.internal.Messages;
import java.util.Set;

/**
 * The policy's {@code detection} section: how the probing detector watches and flags accounts.
 *
 * <pre>{@code
 * detection:
 *   threshold: 0.9          # the lowest score that may put an account on watch; default: the model's
 *   refresh_tokens: 32      # verdict refresh interval inside a generation
 *   exempt_tiers: [internal]  # accounts of these tiers are scored but never watched or flagged
 *   watch_budget: 0.01      # at most this share of a tier is watched on its own behaviour
 *   decay_hours: 72         # a level falls one step after this long without new evidence
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param threshold the floor of the watch threshold in (0, 1), or -1 for the model's own
 * @param refreshTokens tokens between verdict refreshes, 1 to 4096
 * @param exemptTiers tiers never watched or flagged
 * @param watchBudget the share of a tier's accounts watched on their own behaviour, in (0, 0.5]
 * @param decayHours hours without new evidence before a level falls one step, in [1/60, 8760]
 */
public record DetectionSettings(
    double threshold,
    int refreshTokens,
    Set<String> exemptTiers,
    double watchBudget,
    double decayHours) {
  /** The model's threshold, refresh every 32 tokens, no tier exempt, 1% watched, 72 h decay. */
  public static final DetectionSettings DEFAULT = new DetectionSettings(-1, 32, Set.of());

  /** The default watch budget and decay with the given threshold, refresh and exempt tiers. */
  public DetectionSettings(double threshold, int refreshTokens, Set<String> exemptTiers) {
    this(threshold, refreshTokens, exemptTiers, 0.01, 72);
  }

  public DetectionSettings {
    if (threshold != -1 && !(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.threshold", threshold, "in (0, 1)"));
    }
    if (refreshTokens < 1 || refreshTokens > 4096) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.refresh_tokens", refreshTokens, "1 to 4096"));
    }
    if (!(watchBudget > 0 && watchBudget <= 0.5)) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.watch_budget", watchBudget, WATCH_BUDGET_RULE));
    }
    if (!(decayHours >= 1 / 60.0 && decayHours <= 8760)) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.decay_hours", decayHours, DECAY_RULE));
    }
    exemptTiers = Set.copyOf(exemptTiers);
  }

  /** What {@code watch_budget} must be (one message for the loader and the constructor). */
  static final String WATCH_BUDGET_RULE = "a share in (0, 0.5]";

  /** What {@code decay_hours} must be. */
  static final String DECAY_RULE = "hours from 1/60 to 8760";
}
