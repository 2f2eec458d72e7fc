package dev.moat.enforce.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.moat.enforce.FleetLimiter;
import dev.moat.internal.Messages;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * {@link FleetLimiter} on Redis through Bucket4j's Jedis integration: one distributed bucket per
 * scope (compare-and-swap in Redis), from which each replica leases chunks of 1/200 of the limit
 * (at least 1) into a local counter. A lease below half a chunk is refilled on a background thread,
 * so admissions spend local permits and never wait on Redis, except the first lease of a scope,
 * taken synchronously.
 *
 * <p>Failure: <b>fail-open</b>. While Redis is unreachable, {@link #tryTake} answers true (the
 * replica's local budgets still apply); each outage is counted and logged once (not per request),
 * and Redis is tried again after {@code retryAfter}. Accounting resumes with the next lease.
 *
 * <p>Thread-safe.
 */
public final class RedisFleetLimiter implements FleetLimiter {
  private static final Logger log = LoggerFactory.getLogger(RedisFleetLimiter.class);

  private final JedisPooled redis;
  private final ProxyManager<byte[]> buckets;
  private final String prefix;
  private final long retryAfterNanos;
  private final Cache<String, Lease> leases;
  private final ExecutorService refills;
  private final AtomicLong downUntil = new AtomicLong();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong outages = new AtomicLong();

  /**
   * @param host Redis host
   * @param port Redis port
   * @param prefix key prefix shared by the fleet
   * @param timeout connect and read timeout
   * @param retryAfter how long to stay failed open before trying Redis again
   */
  public RedisFleetLimiter(
      String host, int port, String prefix, Duration timeout, Duration retryAfter) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(Messages.invalid("port", port, "1 to 65535"));
    }
    this.redis =
        new JedisPooled(
            new HostAndPort(host, port),
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) timeout.toMillis())
                .build());
    this.buckets =
        Bucket4jJedis.casBasedBuilder(redis)
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                    Duration.ofMinutes(2)))
            .build();
    this.prefix = prefix;
    this.retryAfterNanos = retryAfter.toNanos();
    this.leases =
        Caffeine.newBuilder()
            .maximumSize(1_000_000)
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();
    this.refills =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "moat-fleet-refill");
              t.setDaemon(true);
              return t;
            });
  }

  /** Outages seen so far (each counted and logged once). */
  public long outages() {
    return outages.get();
  }

  /** Whether the last call to Redis succeeded (false while failed open). */
  public boolean connected() {
    return !down.get();
  }

  /** Whether Redis may be called now: up, or down long enough to try again. */
  private boolean usable() {
    return !down.get() || System.nanoTime() - downUntil.get() >= 0;
  }

  @Override
  public boolean tryTake(String key, long perMinute, long n) {
    if (perMinute <= 0 || n <= 0) {
      return true;
    }
    if (!usable()) {
      return true; // fail-open: local budgets only
    }
    Lease l = leases.get(key, k -> new Lease(perMinute));
    boolean refilled = false;
    while (true) {
      long a = l.available.get();
      if (a < n) {
        if (!refilled) {
          // Short (the first request of a scope, or a burst past the prefetch): one round trip.
          refill(key, l, Math.max(l.chunk, n - a));
          refilled = true;
          continue;
        }
        return !connected(); // the fleet budget is spent; or Redis failed just now: fail open
      }
      if (l.available.compareAndSet(a, a - n)) {
        if (a - n < l.chunk / 2) {
          scheduleRefill(key, l);
        }
        return true;
      }
    }
  }

  @Override
  public void giveBack(String key, long n) {
    Lease l = leases.getIfPresent(key);
    if (l != null && n > 0) {
      l.available.addAndGet(n);
    }
  }

  private void scheduleRefill(String key, Lease l) {
    if (l.refilling.compareAndSet(false, true)) {
      try {
        refills.execute(
            () -> {
              try {
                refill(key, l, l.chunk);
              } finally {
                l.refilling.set(false);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        l.refilling.set(false); // closed
      }
    }
  }

  private void refill(String key, Lease l, long amount) {
    if (!usable()) {
      return;
    }
    try {
      BucketConfiguration config =
          BucketConfiguration.builder()
              .addLimit(
                  Bandwidth.builder()
                      .capacity(l.perMinute)
                      .refillGreedy(l.perMinute, Duration.ofMinutes(1))
                      .build())
              .build();
      long got =
          buckets
              .builder()
              .build((prefix + key).getBytes(StandardCharsets.UTF_8), () -> config)
              .tryConsumeAsMuchAsPossible(amount);
      l.available.addAndGet(got);
      if (down.compareAndSet(true, false)) {
        log.info("fleet budgets: Redis is back; fleet-wide accounting resumes");
      }
    } catch (RuntimeException e) {
      downUntil.set(System.nanoTime() + retryAfterNanos);
      if (down.compareAndSet(false, true)) {
        outages.incrementAndGet();
        log.warn(
            "fleet budgets: Redis unavailable ({}); admissions fall back to local budgets until it"
                + " returns",
            e.toString());
      }
    }
  }

  @Override
  public void close() {
    refills.shutdownNow();
    redis.close();
  }

  /** A replica's lease on one scope's fleet budget. */
  private static final class Lease {
    final long perMinute;
    final long chunk;
    final AtomicLong available = new AtomicLong();
    final AtomicBoolean refilling = new AtomicBoolean();

    Lease(long perMinute) {
      this.perMinute = perMinute;
      this.chunk = Math.max(1, perMinute / 200);
    }
  }
}
