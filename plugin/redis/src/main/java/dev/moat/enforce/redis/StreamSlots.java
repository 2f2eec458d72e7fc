package dev.moat.enforce.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica's slots of one scope's fleet-wide stream limit, leased from Redis in chunks.
 *
 * <p>Thread-safe: atomics only.
 */
final class StreamSlots {
  final int chunk;
  final AtomicLong free = new AtomicLong(); // leased from Redis and not in use
  final AtomicLong unbacked = new AtomicLong(); // admitted failed-open, not leased
  final AtomicBoolean returning = new AtomicBoolean();

  StreamSlots(int limit) {
    this.chunk = Math.max(1, limit / 200);
  }
}
