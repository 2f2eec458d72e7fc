package dev.moat.detect;

import org.jspecify.annotations.Nullable;

/**
 * A trace line's fields as a parser reads them, with the format's defaults for the optional ones:
 * shared by the fast path ({@link TraceLine}) and the full parser ({@link TraceReader}).
 *
 * <p>Not thread-safe: one per parse.
 */
final class TraceFields {
  long ts;
  @Nullable String account;
  long created;
  @Nullable String tier;
  @Nullable String client;
  @Nullable String conversation;
  int turn;
  @Nullable String system;
  @Nullable String prompt;
  int maxTokens;
  double temperature;
  int topLogprobs;
  int outputTokens;

  TraceFields() {
    clear();
  }

  /**
   * Back to the defaults: no time, no account, no prompt; tier "", no temperature and no turn (-1).
   */
  void clear() {
    ts = Long.MIN_VALUE;
    account = null;
    created = -1;
    tier = "";
    client = null;
    conversation = null;
    turn = -1;
    system = null;
    prompt = null;
    maxTokens = 0;
    temperature = -1;
    topLogprobs = 0;
    outputTokens = 0;
  }

  /** Whether the required fields are there: a time, a non-empty account, a tier and a prompt. */
  boolean complete() {
    return ts != Long.MIN_VALUE
        && account != null
        && !account.isEmpty()
        && tier != null
        && prompt != null;
  }

  /** The record; call only when {@link #complete()}. */
  TraceRecord record() {
    if (account == null || tier == null || prompt == null) {
      throw new IllegalStateException("incomplete trace fields");
    }
    return new TraceRecord(
        ts,
        account,
        created,
        tier,
        client,
        conversation,
        turn,
        system,
        prompt,
        maxTokens,
        temperature,
        topLogprobs,
        outputTokens);
  }
}
