package dev.moat;

import org.jspecify.annotations.Nullable;

/**
 * Where a running request reads its account's latest verdict, polled from {@link
 * MoatRequest#accept} on every token. {@link Serving} makes one from the detector's session; a host
 * with a detector of its own implements it.
 *
 * <p>Not thread-safe: one request's loop. {@link #onToken} is on the per-token path: it must not
 * allocate, lock or block (a counter, and now and then a volatile read).
 */
public interface VerdictFeed {
  /** Counts a token; true when the verdict was refreshed and the level should be re-read. */
  boolean onToken();

  /** The verdict's score for the escalation ladder, in [0, 1]. */
  double escalationScore();

  /** The flagged campaign group the account belongs to, or null. */
  @Nullable String flaggedGroup();
}
