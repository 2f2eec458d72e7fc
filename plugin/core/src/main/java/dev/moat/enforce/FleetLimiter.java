package dev.moat.enforce;

/**
 * Fleet-wide permits: budgets shared by every replica of a server, so that a campaign spread over
 * replicas meets one limit. Permits are leased from the fleet store in chunks and spent locally, so
 * an admission never waits on the store (except for the first lease of a scope); what a replica
 * leased and did not spend is the fleet's error, bounded by a chunk per replica and scope.
 *
 * <p>Implementations must be thread-safe and must fail open: when the store is unreachable, {@link
 * #tryTake} answers true (local budgets still apply), the outage is counted and logged once.
 */
public interface FleetLimiter extends AutoCloseable {
  /**
   * Takes {@code n} permits of scope {@code key}'s fleet budget of {@code limit} per {@code period}
   * (refilled continuously) from this replica's lease; false if the lease has too few now (a refill
   * is on its way).
   */
  boolean tryTake(String key, long limit, java.time.Duration period, long n);

  /** {@link #tryTake(String, long, java.time.Duration, long)} for a budget per minute. */
  default boolean tryTake(String key, long perMinute, long n) {
    return tryTake(key, perMinute, java.time.Duration.ofMinutes(1), n);
  }

  /** Returns permits taken and not used (a rollback, or output tokens not generated). */
  void giveBack(String key, long n);

  /**
   * Takes one of scope {@code key}'s {@code limit} concurrent-stream slots across the fleet; false
   * if all are held. Every true is matched by one {@link #releaseStream}.
   */
  boolean tryAcquireStream(String key, int limit);

  /** Returns a slot {@link #tryAcquireStream} gave. */
  void releaseStream(String key);

  @Override
  void close();
}
