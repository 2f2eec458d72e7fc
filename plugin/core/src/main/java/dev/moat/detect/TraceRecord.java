package dev.moat.detect;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request as the detector sees it: a line of the trace format (JSON Lines, one request per
 * line, sorted by {@code ts}), or what a server records at request start. Times are epoch
 * milliseconds.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ts when the request arrived (trace field {@code ts}, RFC 3339 UTC)
 * @param account the account it is billed to
 * @param accountCreated when that account was created ({@code account_created}), or -1 if unknown
 * @param tier the account's tier ({@code ""} if the trace has none)
 * @param client a network fingerprint such as {@code 203.0.113.0/24} or {@code asn:64512}, or null
 * @param conversation the conversation id, or null
 * @param turn the message's index in its conversation, 0 for the first (a trace that counts from 1
 *     is read the same: a later turn is one above the lowest its account has sent), or -1 if not
 *     given (any negative value reads so)
 * @param system the system prompt, or null
 * @param prompt the user message
 * @param maxTokens the requested output length (0 if not given)
 * @param temperature the requested temperature (-1 if not given)
 * @param topLogprobs how many log-probabilities per token were requested (0 = none)
 * @param outputTokens how many tokens were served
 */
public record TraceRecord(
    long ts,
    String account,
    long accountCreated,
    String tier,
    @Nullable String client,
    @Nullable String conversation,
    int turn,
    @Nullable String system,
    String prompt,
    int maxTokens,
    double temperature,
    int topLogprobs,
    int outputTokens) {
  public TraceRecord {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(prompt, "prompt");
  }
}
