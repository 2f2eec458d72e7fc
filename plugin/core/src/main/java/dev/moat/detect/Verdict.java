package dev.moat.detect;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The detector's view of an account after a request: its per-account score, its {@link Suspicion}
 * level (whether it is flagged, that is at the enforcement level, and since when), the campaign
 * group it was linked to, and why: the coordination evidence behind a flag, or the features that
 * set the account apart from its own tier's typical account, flagged accounts sharing its template,
 * and sample prompts.
 *
 * <p>Immutable and thread-safe.
 *
 * @param account the account
 * @param score the per-account classifier's score after this request, in [0, 1]: behaviour only,
 *     never enough for a flag on its own
 * @param flagged whether the account is at the enforcement level ({@link Suspicion#FLAG}) now
 * @param flaggedAt trace time (epoch ms) of the request at which it was first flagged, or -1
 * @param group the campaign group it was linked to ({@code g-} and a template bucket), or null
 * @param requests requests seen from the account
 * @param requestsBeforeFlag requests served before the first flag, or -1 if never flagged
 * @param reasons why it is watched or flagged; while an admin's pin holds, first that it is pinned
 * @param linkedAccounts flagged accounts sharing its template (a sample)
 * @param samplePrompts the first prompts seen once flagged, truncated
 * @param level the graduated level: none, watch or flag
 */
public record Verdict(
    String account,
    float score,
    boolean flagged,
    long flaggedAt,
    @Nullable String group,
    long requests,
    long requestsBeforeFlag,
    List<String> reasons,
    List<String> linkedAccounts,
    List<String> samplePrompts,
    Suspicion level) {
  public Verdict {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(level, "level");
    reasons = List.copyOf(reasons);
    linkedAccounts = List.copyOf(linkedAccounts);
    samplePrompts = List.copyOf(samplePrompts);
  }

  /** Whether the account is watched or flagged. */
  public boolean watched() {
    return level != Suspicion.NONE;
  }

  /**
   * The score an escalation ladder should read: 0 for none, 0.5 for watch, 1 for flag. A tier's
   * ladder with rules at 0.5 (its watch level: invisible measures) and 1.0 (enforcement) then
   * follows the detector's graduated verdict, and per-account evidence alone never reaches
   * enforcement.
   */
  public double escalationScore() {
    return switch (level) {
      case NONE -> 0;
      case WATCH -> 0.5;
      case FLAG -> 1;
    };
  }
}
