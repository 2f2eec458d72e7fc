package dev.moat.enforce;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.moat.internal.Messages;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Admission control: per-tier {@link Budget}s applied to each account, each client fingerprint and
 * each campaign group, scaled by the request's escalation {@link Level}, in Bucket4j's lock-free
 * local buckets held in a Caffeine cache (bounded, expiring when idle). A request reserves one
 * request and its prompt plus output tokens in every scope at admission; {@link #finish} returns
 * what it did not use and its concurrent-stream slot. Reservations across scopes are all or
 * nothing: a scope that refuses rolls back the ones before it.
 *
 * <p>When a budget is short, the request is delayed if its wait is at most {@code maxDelay}
 * (nothing reserved: the host asks again then, from a scheduler), and rejected with that wait as
 * the retry-after otherwise, or at once if it could never fit. Once per request, never per token.
 *
 * <p>Thread-safe.
 */
public final class Enforcer {
  private static final long MINUTE = 60_000_000_000L;

  private volatile Config config;
  private final TimeMeter clock;
  private final @Nullable FleetLimiter fleet;
  private final Cache<String, Scope> scopes;

  private Enforcer(Builder b) {
    this.config = new Config(b.budgets, b.levels, b.maxDelay);
    dev.moat.time.Clock c = b.clock;
    this.clock =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return c.nanoTime();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
    this.fleet = b.fleet;
    this.scopes =
        Caffeine.newBuilder()
            .maximumSize(b.maximumScopes)
            .expireAfterAccess(b.idleExpiry)
            .ticker(c::nanoTime)
            .executor(Runnable::run)
            .build();
  }

  /**
   * A builder: no budgets and no levels, delays of up to 2 s, 1M scopes idle for a day, the system
   * clock, no fleet.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** An enforcer on the system clock: 1M scopes, idle for a day, delays of up to 2 s. */
  public static Enforcer of(Map<String, Budget> budgets, Map<Integer, Level> levels) {
    return builder().budgets(budgets).levels(levels).build();
  }

  /**
   * Builds an {@link Enforcer}; each setting is checked as it is given, with a message naming it.
   * Not thread-safe (a builder is used by one thread).
   */
  public static final class Builder {
    private Map<String, Budget> budgets = Map.of();
    private Map<Integer, Level> levels = Map.of();
    private Duration maxDelay = Duration.ofSeconds(2);
    private dev.moat.time.Clock clock = dev.moat.time.Clock.SYSTEM;
    private long maximumScopes = 1_000_000;
    private Duration idleExpiry = Duration.ofDays(1);
    private @Nullable FleetLimiter fleet;

    private Builder() {}

    /** Each tier's budget (tiers not listed are unlimited). */
    public Builder budgets(Map<String, Budget> budgets) {
      this.budgets = Map.copyOf(budgets);
      return this;
    }

    /** The escalation levels by id (level 0 is implicit). */
    public Builder levels(Map<Integer, Level> levels) {
      this.levels = Map.copyOf(levels);
      return this;
    }

    /** The longest wait a request is delayed for before it is rejected; 0 rejects at once. */
    public Builder maxDelay(Duration maxDelay) {
      if (maxDelay.isNegative()) {
        throw new IllegalArgumentException(Messages.invalid("maxDelay", maxDelay, ">= 0"));
      }
      this.maxDelay = maxDelay;
      return this;
    }

    /** The time source of the buckets and of the scopes' idle expiry (a test's in tests). */
    public Builder clock(dev.moat.time.Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Most scopes (account, client, group) held; the least recently used go first. */
    public Builder maximumScopes(long maximumScopes) {
      if (maximumScopes < 1) {
        throw new IllegalArgumentException(
            Messages.invalid("maximumScopes", maximumScopes, ">= 1"));
      }
      this.maximumScopes = maximumScopes;
      return this;
    }

    /** How long an unused scope's buckets are kept. */
    public Builder idleExpiry(Duration idleExpiry) {
      if (idleExpiry.isNegative() || idleExpiry.isZero()) {
        throw new IllegalArgumentException(Messages.invalid("idleExpiry", idleExpiry, "> 0"));
      }
      this.idleExpiry = idleExpiry;
      return this;
    }

    /**
     * Fleet-wide budgets: each scope's limits are also held across every replica sharing {@code
     * fleet} (local budgets still apply on each replica, and alone while the fleet store is down).
     */
    public Builder fleet(FleetLimiter fleet) {
      this.fleet = Objects.requireNonNull(fleet, "fleet");
      return this;
    }

    public Enforcer build() {
      return new Enforcer(this);
    }
  }

  /**
   * Replaces the budgets and levels (a policy reload). Buckets keep what they hold: each scope
   * moves to its new limits at its next request, its tokens carried over in proportion.
   */
  public void update(Map<String, Budget> budgets, Map<Integer, Level> levels, Duration maxDelay) {
    this.config = new Config(budgets, levels, maxDelay);
  }

  /** Budgets, levels and the longest delay, replaced as one. */
  private static final class Config {
    final Map<String, Budget> budgets;
    final Map<Integer, Level> levels;
    final long maxDelayNanos;

    Config(Map<String, Budget> budgets, Map<Integer, Level> levels, Duration maxDelay) {
      if (maxDelay.isNegative()) {
        throw new IllegalArgumentException(Messages.invalid("max_delay", maxDelay, ">= 0"));
      }
      this.budgets = Map.copyOf(budgets);
      this.levels = Map.copyOf(levels);
      this.maxDelayNanos = maxDelay.toNanos();
    }
  }

  /** The level definition ({@link Level#NONE} for 0), or an error naming the defined ones. */
  public Level level(int id) {
    if (id == 0) {
      return Level.NONE;
    }
    Map<Integer, Level> levels = config.levels;
    Level l = levels.get(id);
    if (l == null) {
      throw new IllegalArgumentException(
          Messages.invalid("level", id, "0 or one of the defined levels " + levels.keySet()));
    }
    return l;
  }

  /**
   * Decides a request at its start.
   *
   * @param tier the account's tier
   * @param account the account
   * @param client its network fingerprint, or null
   * @param group its campaign group (from the detector), or null
   * @param level its escalation level
   * @param promptTokens the prompt's length in tokens
   * @param maxTokens the output tokens it asks for
   */
  public Admission admit(
      String tier,
      String account,
      @Nullable String client,
      @Nullable String group,
      int level,
      int promptTokens,
      int maxTokens) {
    Objects.requireNonNull(account, "account");
    if (promptTokens < 0 || maxTokens < 0) {
      throw new IllegalArgumentException(
          Messages.invalid("promptTokens/maxTokens", promptTokens + "/" + maxTokens, ">= 0"));
    }
    Config cfg = config;
    Level l = level(level);
    if (l.reject()) {
      return new Admission(
          Admission.Decision.REJECT,
          level,
          0,
          MINUTE,
          "level " + level + " rejects requests",
          null);
    }
    int allowed = l.maxTokens() > 0 ? Math.min(maxTokens, l.maxTokens()) : maxTokens;
    Budget base = cfg.budgets.getOrDefault(tier, Budget.UNLIMITED);
    if (base.unlimited()) {
      return new Admission(Admission.Decision.ADMIT, level, allowed, 0, "unlimited tier", null);
    }
    Budget b = l.budgetScale() == 1 ? base : base.scaled(l.budgetScale());
    long cost = (long) promptTokens + allowed;
    long perRequestCap = Math.min(cap(b.tokensPerMinute()), cap(b.tokensPerDay()));
    if (cost > perRequestCap) {
      return new Admission(
          Admission.Decision.REJECT,
          level,
          allowed,
          MINUTE,
          "the request needs "
              + cost
              + " tokens, more than the budget allows at once ("
              + perRequestCap
              + ")",
          null);
    }
    Scope[] taken = new Scope[3];
    String[] keys = {
      "a:" + tier + ":" + account,
      client == null ? null : "c:" + tier + ":" + client,
      group == null ? null : "g:" + tier + ":" + group
    };
    String[] names = {"account", "client", "group"};
    for (int i = 0; i < 3; i++) {
      if (keys[i] == null) {
        continue;
      }
      Scope s = scope(keys[i], b);
      long wait = s.reserve(b, cost);
      if (wait != 0) {
        for (int j = 0; j < i; j++) {
          if (taken[j] != null) {
            taken[j].release(cost, b);
          }
        }
        String why = names[i] + " " + (wait < 0 ? "concurrent streams" : "rate") + " budget";
        long w = wait < 0 ? 1_000_000_000L : wait;
        boolean delay = wait > 0 && wait <= cfg.maxDelayNanos;
        return new Admission(
            delay ? Admission.Decision.DELAY : Admission.Decision.REJECT,
            level,
            allowed,
            w,
            why,
            null);
      }
      taken[i] = s;
    }
    FleetLimiter fleetLimiter = fleet;
    if (fleetLimiter != null) {
      String refused = FleetPermits.take(fleetLimiter, keys, b, cost);
      if (refused != null) {
        for (Scope s : taken) {
          if (s != null) {
            s.release(cost, b);
          }
        }
        long w = FLEET_RETRY_NANOS;
        boolean delay = w <= cfg.maxDelayNanos;
        return new Admission(
            delay ? Admission.Decision.DELAY : Admission.Decision.REJECT,
            level,
            allowed,
            w,
            refused + " fleet budget",
            null);
      }
    }
    return new Admission(
        Admission.Decision.ADMIT,
        level,
        allowed,
        0,
        "within budget",
        new Reservation(taken, keys, allowed, b));
  }

  private static final long FLEET_RETRY_NANOS = 10_000_000L;

  /**
   * Ends an admitted request: returns the reserved output tokens it did not generate and its stream
   * slot. Idempotent; a request not admitted is ignored.
   */
  public void finish(Admission admission, long outputTokens) {
    Reservation r = admission.reservation;
    if (r == null || !r.done.compareAndSet(false, true)) {
      return;
    }
    long unused = Math.max(0, r.allowed - Math.max(0, outputTokens));
    FleetLimiter f = fleet;
    if (f != null) {
      for (String k : r.keys) {
        if (k != null) {
          FleetPermits.give(f, k, r.budget, unused, false);
        }
      }
    }
    for (Scope s : r.scopes) {
      if (s != null) {
        if (unused > 0) {
          s.tokens.addTokens(unused);
        }
        if (r.budget.concurrentStreams() > 0) {
          s.streams.decrementAndGet();
        }
      }
    }
  }

  /** Streams in flight for an account of a tier (for tests and metrics). */
  public int streams(String tier, String account) {
    Scope s = scopes.getIfPresent("a:" + tier + ":" + account);
    return s == null ? 0 : s.streams.get();
  }

  private static long cap(long v) {
    return v == 0 ? Long.MAX_VALUE : v;
  }

  private Scope scope(String key, Budget b) {
    Scope s = scopes.get(key, k -> new Scope(b, clock));
    if (!s.budget.equals(b)) {
      s.reconfigure(b); // a level change or a reload keeps the tokens used, in proportion
    }
    return s;
  }

  /** What an admitted request holds. */
  static final class Reservation {
    final Scope[] scopes;
    final @Nullable String[] keys;
    final long allowed;
    final Budget budget;
    final AtomicBoolean done = new AtomicBoolean();

    Reservation(Scope[] scopes, @Nullable String[] keys, long allowed, Budget budget) {
      this.scopes = scopes;
      this.keys = keys;
      this.allowed = allowed;
      this.budget = budget;
    }
  }
}
