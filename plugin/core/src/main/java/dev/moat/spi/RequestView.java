package dev.moat.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a protection may read of one generation request: who asks, what was asked and how the host
 * samples. Read-only; a protection reads it once, in {@link Protection#begin}, and keeps what it
 * needs in its per-request state.
 *
 * <p>Implementations are immutable and thread-safe. Moat's own is {@code dev.moat.RequestContext},
 * built by the host at request start.
 */
public interface RequestView {
  /** The host's id for this request, for logs and the audit trail. */
  String requestId();

  /** The account that sent the request. */
  String account();

  /** The policy tier the request is served under. */
  String tier();

  /** The conversation or session id the host knows, or null. */
  @Nullable String session();

  /** The client network or device the host knows (an address prefix, say), or null. */
  @Nullable String client();

  /** Number of prompt tokens. */
  int promptLength();

  /** The {@code i}-th prompt token, {@code 0 <= i < promptLength()}. */
  int promptToken(int i);

  /** Size of the model's vocabulary: the length of one logits row. */
  int vocabSize();

  /** Token ids a protection must leave alone (end of sequence, chat markers). A copy. */
  int[] specialTokens();

  /** The host's sampling settings for this request. */
  SamplingParams sampling();

  /** The detector's probing score for the account at request start, in [0, 1]. */
  double probingScore();

  /** The coordinated group the account was flagged with, or null. */
  @Nullable String flaggedGroup();

  /** True when the host vouches for the caller (an internal service, say). */
  boolean trusted();
}
