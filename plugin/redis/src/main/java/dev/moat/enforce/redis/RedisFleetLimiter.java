package dev.moat.enforce.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.moat.enforce.FleetLimiter;
import dev.moat.redis.RedisSettings;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * {@link FleetLimiter} on Redis through Bucket4j's Jedis integration: one distributed bucket per
 * scope (compare-and-swap in Redis), from which each replica leases chunks of 1/300 of the limit
 * (at least 1) into a local counter. A lease below half a chunk is refilled on a background thread,
 * so admissions spend local permits and never wait on Redis, except the first lease of a scope,
 * taken synchronously.
 *
 * <p>Budgets per minute and per day are leased alike. Concurrent streams are slots: a replica
 * leases them (a Lua script over a hash of the replica's slots per scope; 1/200 of the limit at a
 * time, at least 1) and keeps up to a chunk of released ones for its next streams; a replica's
 * slots count only while its heartbeat key (30 s, refreshed every 10 s) lives, so a crashed
 * replica's slots return by themselves.
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
  private final Cache<String, FleetLease> leases;
  private final ScheduledExecutorService refills;
  private final Cache<String, StreamSlots> streams;
  private final String replica = java.util.UUID.randomUUID().toString();
  private final String heartbeatPrefix;
  private final AtomicLong downUntil = new AtomicLong();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong outages = new AtomicLong();

  /** A builder with the defaults: localhost:6379, prefix {@code moat:}, 250 ms, retry after 5 s. */
  public static Builder builder() {
    return new Builder();
  }

  private RedisFleetLimiter(Builder b) {
    String host = b.host;
    int port = b.port;
    String prefix = b.prefix;
    Duration timeout = b.timeout;
    Duration retryAfter = b.retryAfter;
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
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "moat-fleet-refill");
              t.setDaemon(true);
              return t;
            });
    this.streams =
        Caffeine.newBuilder().maximumSize(1_000_000).expireAfterAccess(Duration.ofHours(1)).build();
    this.heartbeatPrefix = prefix + "replica:";
    heartbeat(); // this replica's stream slots count while its heartbeat lives
    var unused =
        refills.scheduleWithFixedDelay(
            this::heartbeat, HEARTBEAT_TTL_MS / 3, HEARTBEAT_TTL_MS / 3, TimeUnit.MILLISECONDS);
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
  public boolean tryTake(String key, long limit, Duration period, long n) {
    if (limit <= 0 || n <= 0) {
      return true;
    }
    if (!usable()) {
      return true; // fail-open: local budgets only
    }
    FleetLease l = leases.get(key, k -> new FleetLease(limit, period));
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
    FleetLease l = leases.getIfPresent(key);
    if (l != null && n > 0) {
      l.available.addAndGet(n);
    }
  }

  private void scheduleRefill(String key, FleetLease l) {
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

  private void refill(String key, FleetLease l, long amount) {
    if (!usable()) {
      return;
    }
    try {
      BucketConfiguration config =
          BucketConfiguration.builder()
              .addLimit(
                  Bandwidth.builder().capacity(l.limit).refillGreedy(l.limit, l.period).build())
              .build();
      long got =
          buckets
              .builder()
              .build((prefix + key).getBytes(StandardCharsets.UTF_8), () -> config)
              .tryConsumeAsMuchAsPossible(amount);
      l.available.addAndGet(got);
      up();
    } catch (RuntimeException e) {
      down(e);
    }
  }

  @Override
  public void close() {
    refills.shutdownNow();
    redis.close();
  }

  @Override
  public boolean tryAcquireStream(String key, int limit) {
    if (limit <= 0) {
      return true;
    }
    StreamSlots s = streams.get(key, k -> new StreamSlots(limit));
    while (true) {
      long f = s.free.get();
      if (f <= 0) {
        break;
      }
      if (s.free.compareAndSet(f, f - 1)) {
        return true;
      }
    }
    if (!usable()) {
      s.unbacked.incrementAndGet(); // fail-open: local limits only
      return true;
    }
    try {
      Object got =
          redis.eval(
              FleetScripts.ACQUIRE,
              List.of(prefix + key),
              List.of(
                  replica, Integer.toString(s.chunk), Integer.toString(limit), heartbeatPrefix));
      long n = (Long) got;
      if (n <= 0) {
        return false;
      }
      s.free.addAndGet(n - 1);
      up();
      return true;
    } catch (RuntimeException e) {
      down(e);
      s.unbacked.incrementAndGet();
      return true;
    }
  }

  @Override
  public void releaseStream(String key) {
    StreamSlots s = streams.getIfPresent(key);
    if (s == null) {
      return;
    }
    while (true) {
      long u = s.unbacked.get();
      if (u <= 0) {
        break;
      }
      if (s.unbacked.compareAndSet(u, u - 1)) {
        return; // a slot admitted while failed open: nothing leased to return
      }
    }
    long free = s.free.incrementAndGet();
    if (free > s.chunk && s.returning.compareAndSet(false, true)) {
      try {
        refills.execute(() -> returnStreams(key, s));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        s.returning.set(false); // closed
      }
    }
  }

  /** Gives leased slots above one chunk back to the fleet. */
  private void returnStreams(String key, StreamSlots s) {
    try {
      while (true) {
        long f = s.free.get();
        long excess = f - s.chunk;
        if (excess <= 0) {
          return;
        }
        if (s.free.compareAndSet(f, f - excess)) {
          try {
            redis.eval(
                FleetScripts.RELEASE,
                List.of(prefix + key),
                List.of(replica, Long.toString(excess)));
            up();
          } catch (RuntimeException e) {
            down(e); // lost with the outage; the hash expires, or the replica's heartbeat does
          }
          return;
        }
      }
    } finally {
      s.returning.set(false);
    }
  }

  private void heartbeat() {
    if (!usable()) {
      return;
    }
    try {
      redis.psetex(heartbeatPrefix + replica, HEARTBEAT_TTL_MS, "1");
      up();
    } catch (RuntimeException e) {
      down(e);
    }
  }

  private static final long HEARTBEAT_TTL_MS = 30_000;

  private void up() {
    if (down.compareAndSet(true, false)) {
      log.info("fleet budgets: Redis is back; fleet-wide accounting resumes");
    }
  }

  private void down(RuntimeException e) {
    downUntil.set(System.nanoTime() + retryAfterNanos);
    if (down.compareAndSet(false, true)) {
      outages.incrementAndGet();
      log.warn(
          "fleet budgets: Redis unavailable ({}); admissions fall back to local budgets until it"
              + " returns",
          e.toString());
    }
  }

  /**
   * Builds a {@link RedisFleetLimiter}; each setter checks its value, as {@code
   * RedisLinkStore.builder()} does.
   *
   * <p>Not thread-safe; the limiter it builds is.
   */
  public static final class Builder {
    private String host = "localhost";
    private int port = 6379;
    private String prefix = "moat:";
    private Duration timeout = Duration.ofMillis(250);
    private Duration retryAfter = Duration.ofSeconds(5);

    private Builder() {}

    /** Where Redis listens; default localhost:6379. */
    public Builder address(String host, int port) {
      this.host = RedisSettings.host(host);
      this.port = RedisSettings.port(port);
      return this;
    }

    /** Key prefix shared by the fleet; default {@code moat:}. */
    public Builder prefix(String prefix) {
      this.prefix = RedisSettings.prefix(prefix);
      return this;
    }

    /** Connect and read timeout; default 250 ms. */
    public Builder timeout(Duration timeout) {
      this.timeout = RedisSettings.timeout(timeout);
      return this;
    }

    /** How long to stay failed open before trying Redis again; default 5 s. */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = RedisSettings.retryAfter(retryAfter);
      return this;
    }

    /** Connects; Redis need not be up yet (requests fail open until it is). */
    public RedisFleetLimiter build() {
      return new RedisFleetLimiter(this);
    }
  }
}
