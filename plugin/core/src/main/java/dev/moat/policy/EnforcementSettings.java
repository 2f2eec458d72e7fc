package dev.moat.policy;

import dev.moat.enforce.Budget;
import dev.moat.enforce.Escalation;
import dev.moat.enforce.Level;
import java.time.Duration;
import java.util.Map;

/**
 * The policy's enforcement: each tier's budget and escalation ladder, and the {@code enforcement}
 * section's levels and longest admission delay.
 *
 * <pre>{@code
 * tiers:
 *   free:
 *     budget: {requests_per_minute: 60, tokens_per_minute: 200000, tokens_per_day: 2000000,
 *              concurrent_streams: 4}
 *     escalation:
 *       rules: [{score: 0.5, level: 1}, {score: 0.9, level: 2}]   # rising scores, no overlap
 *       group_level: 2                                            # linked to a flagged campaign
 * enforcement:
 *   max_delay_ms: 2000
 *   levels:
 *     - {level: 1, logprobs_max: 5, logprobs_digits: 2}
 *     - {level: 2, budget_scale: 0.25, max_tokens: 1024, pacing_tokens_per_second: 20,
 *        logprobs_max: 0, logit_bias: refuse}
 *     - {level: 3, reject: true}
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param budgets each tier's budget (absent: unlimited)
 * @param escalations each tier's ladder (absent: always level 0)
 * @param levels levels 1 to 9 by id
 * @param maxDelay the longest wait a request is delayed for before it is rejected
 * @param noiseKey the id of the key that keys the levels' logit noise (never the material), or null
 */
public record EnforcementSettings(
    Map<String, Budget> budgets,
    Map<String, Escalation> escalations,
    Map<Integer, Level> levels,
    Duration maxDelay,
    @org.jspecify.annotations.Nullable String noiseKey) {
  /** No budgets, no ladders, no levels, delays up to 2 s. */
  public static final EnforcementSettings NONE =
      new EnforcementSettings(Map.of(), Map.of(), Map.of(), Duration.ofSeconds(2));

  /** Settings whose levels use no keyed noise. */
  public EnforcementSettings(
      Map<String, Budget> budgets,
      Map<String, Escalation> escalations,
      Map<Integer, Level> levels,
      Duration maxDelay) {
    this(budgets, escalations, levels, maxDelay, null);
  }

  public EnforcementSettings {
    budgets = Map.copyOf(budgets);
    escalations = Map.copyOf(escalations);
    levels = Map.copyOf(levels);
    for (Level l : levels.values()) {
      if (l.keyedNoiseKl() > 0 && noiseKey == null) {
        throw new IllegalArgumentException(
            dev.moat.internal.Messages.missing(
                "enforcement.noise_key", "the id of a key for the keyed noise of level " + l.id()));
      }
    }
  }

  /** The tier's ladder ({@link Escalation#NONE} if it has none). */
  public Escalation escalation(String tier) {
    return escalations.getOrDefault(tier, Escalation.NONE);
  }
}
