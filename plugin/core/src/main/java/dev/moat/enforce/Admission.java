package dev.moat.enforce;

import org.jspecify.annotations.Nullable;

/**
 * What the {@link Enforcer} decided for a request at its start. {@link Decision#ADMIT}: run it,
 * with at most {@link #maxTokens()} output tokens, and hand the admission back to {@link
 * Enforcer#finish} when it ends. {@link Decision#DELAY}: nothing was reserved; ask again after
 * {@link #waitNanos()} (schedule it, do not hold a thread). {@link Decision#REJECT}: refuse the
 * request; {@link #waitNanos()} is the retry-after.
 *
 * <p>Immutable and thread-safe; {@link Enforcer#finish} may be called once.
 */
public final class Admission {
  /** The three outcomes. */
  public enum Decision {
    ADMIT,
    DELAY,
    REJECT
  }

  private final Decision decision;
  private final int level;
  private final int maxTokens;
  private final long waitNanos;
  private final String reason;
  final Enforcer.@Nullable Reservation reservation;

  Admission(
      Decision decision,
      int level,
      int maxTokens,
      long waitNanos,
      String reason,
      Enforcer.@Nullable Reservation reservation) {
    this.decision = decision;
    this.level = level;
    this.maxTokens = maxTokens;
    this.waitNanos = waitNanos;
    this.reason = reason;
    this.reservation = reservation;
  }

  public Decision decision() {
    return decision;
  }

  public boolean admitted() {
    return decision == Decision.ADMIT;
  }

  /** The escalation level the request runs at. */
  public int level() {
    return level;
  }

  /** Output tokens the request may generate (the request's own, capped by its level). */
  public int maxTokens() {
    return maxTokens;
  }

  /** For DELAY, when to ask again; for REJECT, the retry-after; 0 when admitted. */
  public long waitNanos() {
    return waitNanos;
  }

  /** Why, in words: which budget of which scope, or which level. Never contains secrets. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return "Admission{"
        + decision
        + ", level "
        + level
        + ", maxTokens "
        + maxTokens
        + ", wait "
        + waitNanos
        + " ns, "
        + reason
        + "}";
  }
}
