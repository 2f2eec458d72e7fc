package dev.moat.detect.redis;

import static dev.moat.detect.redis.LinkScripts.FLAG;
import static dev.moat.detect.redis.LinkScripts.MARK;
import static dev.moat.detect.redis.LinkScripts.RECORD;
import static dev.moat.detect.redis.LinkScripts.WATCH;

import dev.moat.detect.AccountMark;
import dev.moat.detect.AccountPin;
import dev.moat.detect.LinkStore;
import dev.moat.detect.LocalLinkStore;
import dev.moat.policy.Problems;
import dev.moat.redis.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The fleet {@link LinkStore}: linking state in Redis, so that every replica of a model server sees
 * one campaign. Each bucket is one Redis string of {@link LinkStore#BITS} bits (the account sets
 * and content sketches, by {@code SETBIT}), expiring after a period unused; flagged samples are a
 * short list beside it. A request costs one round trip: a Lua script records the account in all its
 * buckets and returns them, atomically; and one more for the account's {@link AccountMark}, its pin
 * and its watch, three strings read by one {@code MGET} ({@code AccountKeys}).
 *
 * <p>Failure: <b>fail-open to per-replica linking.</b> If Redis cannot be reached or answers with
 * an error, the call is answered from a local store instead (so per-account detection goes on and
 * the replica still links what it sees itself), a warning is logged at most once a minute, and
 * Redis is tried again after {@code retryAfter}. The detector never fails a request for Redis.
 *
 * <p>Thread-safe: Jedis's pooled client, one connection per call.
 */
public final class RedisLinkStore implements LinkStore {
  private static final Logger log = LoggerFactory.getLogger(RedisLinkStore.class);

  private final JedisPooled redis;
  private final String prefix;
  private final AccountKeys keys;
  private final long ttlSeconds;
  private final long retryAfterNanos;
  private final LinkStore fallback;
  private final AtomicLong downUntil = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong failures = new AtomicLong();
  private volatile @org.jspecify.annotations.Nullable String recordSha;
  private volatile @org.jspecify.annotations.Nullable String flagSha;
  private volatile @org.jspecify.annotations.Nullable String markSha;
  private volatile @org.jspecify.annotations.Nullable String watchSha;

  private RedisLinkStore(Builder b) {
    this.redis =
        new JedisPooled(
            new HostAndPort(b.host, b.port),
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) b.timeout.toMillis())
                .socketTimeoutMillis((int) b.timeout.toMillis())
                .build());
    this.prefix = b.prefix;
    this.keys = new AccountKeys(b.prefix);
    this.ttlSeconds = Math.max(1, b.idleExpiry.toSeconds());
    this.retryAfterNanos = b.retryAfter.toNanos();
    this.fallback = b.fallback != null ? b.fallback : LocalLinkStore.standard();
    try {
      loadScripts();
    } catch (JedisException e) {
      failed(e); // start anyway, on the fallback: Redis may come up after us
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  private void loadScripts() {
    recordSha = redis.scriptLoad(RECORD);
    flagSha = redis.scriptLoad(FLAG);
    markSha = redis.scriptLoad(MARK);
    watchSha = redis.scriptLoad(WATCH);
  }

  /** Whether calls go to Redis now (false while failed over to the local store). */
  public boolean connected() {
    return useRedis();
  }

  private boolean useRedis() {
    long until = downUntil.get();
    return until == Long.MIN_VALUE || System.nanoTime() - until >= 0;
  }

  /** Calls that Redis failed and the local store answered instead, since start. */
  public long failures() {
    return failures.get();
  }

  private void failed(RuntimeException e) {
    failures.incrementAndGet();
    long now = System.nanoTime();
    downUntil.set(now + retryAfterNanos);
    long last = lastWarning.get();
    if ((last == Long.MIN_VALUE || now - last > 60_000_000_000L)
        && lastWarning.compareAndSet(last, now)) {
      log.warn(
          "Redis link store unavailable ({}); linking falls back to this replica's local state"
              + " and retries in {} ms",
          e.getMessage(),
          retryAfterNanos / 1_000_000);
    }
  }

  private Object eval(String script, List<byte[]> keys, List<byte[]> args) {
    if (recordSha == null || flagSha == null || markSha == null || watchSha == null) {
      loadScripts(); // Redis was down when this store started: load them now that it answers
    }
    try {
      return redis.evalsha(sha(script), keys, args);
    } catch (JedisDataException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
        throw e;
      }
      loadScripts(); // Redis restarted or was flushed: load again, once
      return redis.evalsha(sha(script), keys, args);
    }
  }

  private byte[] sha(String script) {
    String sha =
        script.equals(RECORD)
            ? recordSha
            : script.equals(FLAG) ? flagSha : script.equals(MARK) ? markSha : watchSha;
    return Objects.requireNonNull(sha, "script not loaded").getBytes(StandardCharsets.US_ASCII);
  }

  private byte[] bucket(long key) {
    return (prefix + "b:" + Long.toHexString(key)).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] samples(long key) {
    return (prefix + "s:" + Long.toHexString(key)).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(Object o) {
    return String.valueOf(o).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void record(int[] marks, int markCount, long[] keys, int count, long[] out) {
    for (int m = 0; m < markCount; m++) {
      LinkStore.checkMark(marks[m]);
    }
    if (useRedis()) {
      try {
        List<byte[]> k = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          k.add(bucket(keys[i]));
        }
        List<byte[]> args = new ArrayList<>(markCount + 1);
        args.add(ascii(ttlSeconds));
        for (int m = 0; m < markCount; m++) {
          args.add(ascii(marks[m]));
        }
        Object reply = eval(RECORD, k, args);
        List<?> values = (List<?>) reply;
        java.util.Arrays.fill(out, 0, count * WORDS, 0L);
        for (int i = 0; i < count; i++) {
          LinkScripts.decode((byte[]) values.get(i), out, i * WORDS);
        }
        return;
      } catch (JedisException | ClassCastException e) {
        failed(e instanceof JedisException je ? je : new JedisException(e));
      }
    }
    fallback.record(marks, markCount, keys, count, out);
  }

  @Override
  public void flag(String account, int accountBit, long[] keys, int count) {
    Objects.requireNonNull(account, "account");
    if (useRedis()) {
      try {
        List<byte[]> k = new ArrayList<>(2 * count);
        for (int i = 0; i < count; i++) {
          k.add(bucket(keys[i]));
        }
        for (int i = 0; i < count; i++) {
          k.add(samples(keys[i]));
        }
        eval(
            FLAG,
            k,
            List.of(
                ascii(accountBit),
                account.getBytes(StandardCharsets.UTF_8),
                ascii(ttlSeconds),
                ascii(4)));
        return;
      } catch (JedisException e) {
        failed(e);
      }
    }
    fallback.flag(account, accountBit, keys, count);
  }

  @Override
  public List<String> linkedAccounts(long key, int max) {
    if (useRedis()) {
      try {
        List<byte[]> raw = redis.lrange(samples(key), 0, max - 1L);
        List<String> out = new ArrayList<>(raw.size());
        for (byte[] b : raw) {
          out.add(new String(b, StandardCharsets.UTF_8));
        }
        return List.copyOf(out);
      } catch (JedisException e) {
        failed(e);
      }
    }
    return fallback.linkedAccounts(key, max);
  }

  /**
   * The account's fleet mark, pin and watch from Redis, in one round trip ({@code MGET} of the
   * three keys); while Redis is unavailable, this replica's own (from the local store). A value
   * that does not decode is logged, counted and read as absent.
   */
  @Override
  public @org.jspecify.annotations.Nullable AccountMark mark(String account) {
    Objects.requireNonNull(account, "account");
    if (useRedis()) {
      try {
        List<byte[]> raw = redis.mget(keys.mark(account), keys.pin(account), keys.watch(account));
        return keys.decode(account, raw, failures);
      } catch (JedisException e) {
        failed(e);
      }
    }
    return fallback.mark(account);
  }

  /**
   * Stores the account's watch time in Redis (one script call: a later time replaces an earlier
   * one; the key expires {@code keepMillis} after the write). Returns false while Redis is
   * unavailable, so that the detector tells the fleet again once it is back. Not kept in the local
   * store: only this replica reads that, and a watch read back from it during an outage would count
   * as known to the fleet, so the detector would not tell the fleet when Redis returns ({@code
   * RedisReplicasTest.aWatchRaisedWhileRedisIsDownReachesTheFleetWhenItIsBack}).
   */
  @Override
  public boolean watch(String account, long at, long keepMillis) {
    Objects.requireNonNull(account, "account");
    if (useRedis()) {
      try {
        eval(
            WATCH,
            List.of(keys.watch(account)),
            List.of(ascii(at), ascii(Math.max(1, keepMillis))));
        return true;
      } catch (JedisException e) {
        failed(e);
      }
    }
    return false;
  }

  /**
   * Stores the pin in Redis under its own key, expiring when the pin ends ({@code SET PX}), or
   * deletes it; kept in the local store too. Returns false while Redis is unavailable (the pin then
   * holds on this replica only).
   */
  @Override
  public boolean pin(String account, @org.jspecify.annotations.Nullable AccountPin pin) {
    Objects.requireNonNull(account, "account");
    fallback.pin(account, pin);
    if (useRedis()) {
      try {
        if (pin == null) {
          redis.del(keys.pin(account));
        } else {
          redis.psetex(
              keys.pin(account),
              pin.until() - pin.at(),
              pin.encode().getBytes(StandardCharsets.UTF_8));
        }
        return true;
      } catch (JedisException e) {
        failed(e);
      }
    }
    return false;
  }

  /**
   * Stores the mark in Redis (one script call, atomic with {@link LinkStore#mark}'s rule); kept in
   * the local store too. Returns false while Redis is unavailable, so that the detector tells the
   * fleet again once it is back: a flag raised during an outage is not lost.
   */
  @Override
  public boolean mark(String account, AccountMark mark, long guardMillis) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(mark, "mark");
    fallback.mark(account, mark, guardMillis);
    if (useRedis()) {
      try {
        eval(
            MARK,
            List.of(keys.mark(account)),
            List.of(
                mark.encode().getBytes(StandardCharsets.UTF_8), // without its pin: kept apart
                ascii(mark.flagged() ? 1 : 0),
                ascii(mark.at()),
                ascii(guardMillis),
                ascii(ttlSeconds * 1000)));
        return true;
      } catch (JedisException e) {
        failed(e);
      }
    }
    return false;
  }

  @Override
  public void close() {
    redis.close();
    fallback.close();
  }

  /**
   * Builds a {@link RedisLinkStore}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private String host = "localhost";
    private int port = 6379;
    private String prefix = "moat:";
    private Duration timeout = Duration.ofMillis(250);
    private Duration idleExpiry = Duration.ofDays(30);
    private Duration retryAfter = Duration.ofSeconds(5);
    private @org.jspecify.annotations.Nullable LinkStore fallback;

    private Builder() {}

    /** Where Redis listens; default localhost:6379. */
    public Builder address(String host, int port) {
      this.host = RedisSettings.host(host);
      this.port = RedisSettings.port(port);
      return this;
    }

    /** Key prefix, to share one Redis between deployments; default {@code moat:}. */
    public Builder prefix(String prefix) {
      this.prefix = RedisSettings.prefix(prefix);
      return this;
    }

    /** Connect and read timeout; default 250 ms (a request start waits at most this long). */
    public Builder timeout(Duration timeout) {
      this.timeout = RedisSettings.timeout(timeout);
      return this;
    }

    /** How long an unused bucket lives in Redis; default 30 days. */
    public Builder idleExpiry(Duration idleExpiry) {
      if (idleExpiry.isNegative() || idleExpiry.toSeconds() < 1) {
        throw new IllegalArgumentException(Problems.invalid("idleExpiry", idleExpiry, ">= 1 s"));
      }
      this.idleExpiry = idleExpiry;
      return this;
    }

    /** After a failure, how long to use the local store before trying Redis; default 5 s. */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = RedisSettings.retryAfter(retryAfter);
      return this;
    }

    /** The store answering while Redis is unavailable; a fresh local store if not set. */
    public Builder fallback(LinkStore fallback) {
      this.fallback = Objects.requireNonNull(fallback, "fallback");
      return this;
    }

    /** Connects (or starts failed over, if Redis is not up yet). */
    public RedisLinkStore build() {
      return new RedisLinkStore(this);
    }
  }
}
