package dev.moat.enforce.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica's lease on one scope's fleet budget: permits taken from Redis in chunks of 1/200 of the
 * limit and handed out locally.
 *
 * <p>Thread-safe: atomics only.
 */
final class FleetLease {
  final long limit;
  final Duration period;
  final long chunk;
  final AtomicLong available = new AtomicLong();
  final AtomicBoolean refilling = new AtomicBoolean();

  FleetLease(long limit, Duration period) {
    this.limit = limit;
    this.period = period;
    this.chunk = Math.max(1, limit / 200);
  }
}
