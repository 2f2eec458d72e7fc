package dev.moat.policy;

import dev.moat.internal.Messages;
import java.util.Set;

/**
 * The policy's {@code detection} section: how the probing detector flags accounts.
 *
 * <pre>{@code
 * detection:
 *   threshold: 0.9          # flag at this score; default: the model's calibrated threshold
 *   refresh_tokens: 32      # verdict refresh interval inside a generation
 *   exempt_tiers: [internal]  # accounts of these tiers are scored but never flagged
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param threshold the flagging threshold in (0, 1), or -1 for the model's own
 * @param refreshTokens tokens between verdict refreshes, 1 to 4096
 * @param exemptTiers tiers never flagged
 */
public record DetectionSettings(double threshold, int refreshTokens, Set<String> exemptTiers) {
  /** The model's threshold, refresh every 32 tokens, no tier exempt. */
  public static final DetectionSettings DEFAULT = new DetectionSettings(-1, 32, Set.of());

  public DetectionSettings {
    if (threshold != -1 && !(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.threshold", threshold, "in (0, 1)"));
    }
    if (refreshTokens < 1 || refreshTokens > 4096) {
      throw new IllegalArgumentException(
          Messages.invalid("detection.refresh_tokens", refreshTokens, "1 to 4096"));
    }
    exemptTiers = Set.copyOf(exemptTiers);
  }
}
