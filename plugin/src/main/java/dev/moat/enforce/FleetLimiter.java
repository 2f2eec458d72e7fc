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
   * Takes {@code n} permits of scope {@code key}'s fleet budget of {@code perMinute} a minute from
   * this replica's lease; false if the lease has too few now (a refill is on its way).
   */
  boolean tryTake(String key, long perMinute, long n);

  /** Returns permits taken and not used (a rollback, or output tokens not generated). */
  void giveBack(String key, long n);

  @Override
  void close();
}
