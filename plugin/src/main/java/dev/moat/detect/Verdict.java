package dev.moat.detect;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The detector's view of an account after a request: its score, whether it is flagged (and since
 * when), the campaign group it was linked to, and, once flagged, why: the features that moved the
 * score most against a typical benign account, flagged accounts sharing its template, and sample
 * prompts.
 *
 * <p>Immutable and thread-safe.
 *
 * @param account the account
 * @param score the classifier's score after this request, in [0, 1]
 * @param flagged whether the account is flagged (flags are sticky)
 * @param flaggedAt trace time (epoch ms) of the request at which it was flagged, or -1
 * @param group the campaign group it was linked to ({@code g-} and a template bucket), or null
 * @param requests requests seen from the account
 * @param requestsBeforeFlag requests served before the flag, or -1 if not flagged
 * @param reasons the top features behind the flag, or the link that carried it
 * @param linkedAccounts flagged accounts sharing its template (a sample)
 * @param samplePrompts the first prompts seen once flagged, truncated
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
    List<String> samplePrompts) {
  public Verdict {
    Objects.requireNonNull(account, "account");
    reasons = List.copyOf(reasons);
    linkedAccounts = List.copyOf(linkedAccounts);
    samplePrompts = List.copyOf(samplePrompts);
  }
}
