package dev.moat.enforce.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica's lease on one scope's fleet budget: permits taken from Redis in chunks of {@code
 * 1/}{@value #SHARE} of the limit and handed out locally. A replica refills below half a chunk, so
 * it holds under 1.5 chunks unspent: 0.5% of the limit, and 1.5% over three replicas. That is what
 * a fleet budget can fall short of its limit by, measured over one period.
 *
 * <p>Thread-safe: atomics only.
 */
final class FleetLease {
  /** A chunk is this fraction of the limit (at least 1 permit). */
  static final int SHARE = 300;

  final long limit;
  final Duration period;
  final long chunk;
  final AtomicLong available = new AtomicLong();
  final AtomicBoolean refilling = new AtomicBoolean();

  FleetLease(long limit, Duration period) {
    this.limit = limit;
    this.period = period;
    this.chunk = Math.max(1, limit / SHARE);
  }
}
