package dev.moat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import dev.moat.internal.MoatVersion;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.Protection;
import dev.moat.state.ActivityLedger;
import dev.moat.time.Clock;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moat inside one model server: the policy, the keys and the shared state; a factory of {@link
 * MoatRequest}s.
 *
 * <pre>{@code
 * Moat moat = Moat.builder()
 *     .policyFile(Path.of("moat-policy.yaml"), Duration.ofSeconds(2))   // validated, hot-reloaded
 *     .keys(WatermarkKeys.fromEnvironment("MOAT_WATERMARK_KEYS"))
 *     .build();
 * }</pre>
 *
 * <p>Policy reloads are atomic: a new policy is parsed, validated and compiled completely before it
 * replaces the old one, a policy that fails keeps the old one in force (and is reported, once per
 * change of the file), and requests already running finish under the policy they started with.
 *
 * <p>Thread-safe: one instance serves all requests of a server.
 */
public final class Moat implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Moat.class);

  private final WatermarkKeys keys;
  private final Map<String, List<Protection>> extras;
  private final ActivityLedger accounts;
  private final ActivityLedger sessions;
  private volatile CompiledPolicy compiled;
  private final @Nullable PolicyWatch watch; // hot reload of a policy file
  private final dev.moat.enforce.Enforcer enforcer;
  private final dev.moat.enforce.@Nullable BigramProxy proxy;
  private final LazyQueue queue;
  private final RequestStarter starter;

  private Moat(Builder b, CompiledPolicy initial) {
    this.keys = b.keys;
    this.proxy = b.proxy;
    this.queue = new LazyQueue(b.queueCapacity, b.queuePerAccount, b.queueMaxWait);
    Map<String, List<Protection>> x = new HashMap<>();
    b.extras.forEach((tier, list) -> x.put(tier, List.copyOf(list)));
    this.extras = Map.copyOf(x);
    Clock clock = b.clock;
    Ticker ticker = clock::nanoTime;
    this.accounts = new ActivityLedger(b.maximumAccounts, b.accountIdleExpiry, ticker);
    this.sessions = new ActivityLedger(b.maximumAccounts, b.accountIdleExpiry, ticker);
    this.compiled = initial;
    dev.moat.policy.EnforcementSettings e = initial.policy().enforcement();
    this.enforcer =
        fleetOrNot(
            dev.moat.enforce.Enforcer.builder()
                .clock(clock)
                .budgets(e.budgets())
                .levels(e.levels())
                .maxDelay(e.maxDelay())
                .maximumScopes(3 * b.maximumAccounts)
                .idleExpiry(b.accountIdleExpiry),
            b.fleet);
    this.starter = new RequestStarter(keys, extras, accounts, sessions, enforcer, b.audit);
    Path file = b.policyFile;
    this.watch = file == null ? null : new PolicyWatch(file, b.reloadInterval, this::reloadPolicy);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The version of Moat's code, as the build recorded it (e.g. {@code 0.1.0-SNAPSHOT}); key
   * commitments record the same string.
   */
  public static String version() {
    return MoatVersion.get();
  }

  private static dev.moat.enforce.Enforcer fleetOrNot(
      dev.moat.enforce.Enforcer.Builder b, dev.moat.enforce.@Nullable FleetLimiter fleet) {
    return (fleet != null ? b.fleet(fleet) : b).build();
  }

  /**
   * Starts Moat's part of a request under the current policy.
   *
   * @throws IllegalArgumentException if the tier is not defined by the policy
   * @throws PolicyException if the request carries overrides but is not trusted, or its tier does
   *     not allow them
   */
  public MoatRequest begin(RequestContext request) {
    return starter.start(compiled, request, null);
  }

  /** The policy in force. */
  public Policy policy() {
    return compiled.policy();
  }

  /** Per-account activity. */
  public ActivityLedger accounts() {
    return accounts;
  }

  /** Per-session activity (requests that named a session). */
  public ActivityLedger sessions() {
    return sessions;
  }

  /** The ids of the watermark keys held (never the keys). */
  public java.util.Set<String> keyIds() {
    return keys.ids();
  }

  /**
   * Re-reads the policy file now. On success the new policy is in force when this returns; on
   * failure the old one stays and the exception lists every problem.
   *
   * @throws IllegalStateException if this Moat was not built from a policy file
   */
  public Policy reloadPolicy() throws IOException {
    PolicyWatch w = watch;
    if (w == null) {
      throw new IllegalStateException("this Moat was built with a fixed policy, not a policy file");
    }
    Path file = w.file();
    synchronized (this) {
      FileStamp stamp = FileStamp.of(file);
      Policy p = PolicyLoader.load(file, keys.ids());
      CompiledPolicy next = CompiledPolicy.of(p, keys, extras, proxy);
      Policy old = compiled.policy();
      install(next);
      w.seen(stamp);
      if (!p.equals(old)) {
        log.info("moat policy reloaded source={} tiers={}", file, p.tierNames());
      }
      return p;
    }
  }

  /** Replaces the policy with one built in code (validated and compiled first). */
  public void setPolicy(Policy policy) {
    CompiledPolicy next = CompiledPolicy.of(policy, keys, extras, proxy);
    synchronized (this) {
      install(next);
    }
    log.info("moat policy replaced source={} tiers={}", policy.source(), policy.tierNames());
  }

  /** Puts a compiled policy in force; budgets keep their buckets (they move to the new limits). */
  private void install(CompiledPolicy next) {
    dev.moat.policy.EnforcementSettings e = next.policy().enforcement();
    enforcer.update(e.budgets(), e.levels(), e.maxDelay());
    compiled = next;
  }

  /**
   * Admission control for a request at its start: its tier's budget for its account, client and
   * campaign group ({@link RequestContext#flaggedGroup}), at the escalation level its probing score
   * and group give. Admit, delay (ask again after the wait, from a scheduler) or reject (with a
   * retry-after). An admitted request is started with {@link #begin(RequestContext, Admission)}.
   */
  public dev.moat.enforce.Admission admit(RequestContext request) {
    int level = compiled.levelFor(request);
    return enforcer.admit(
        request.tier(),
        request.account(),
        request.client(),
        request.flaggedGroup(),
        level,
        request.promptTokens().length,
        request.sampling().maxTokens());
  }

  /**
   * {@link #admit} through the fair, bounded delay queue ({@link dev.moat.enforce.AdmissionQueue}):
   * a delayed request waits its turn, without a thread, and the future completes with {@code ADMIT}
   * or {@code REJECT} (a full queue, or a wait past the queue's longest, rejects with a
   * retry-after).
   */
  public java.util.concurrent.CompletableFuture<dev.moat.enforce.Admission> admitQueued(
      RequestContext request) {
    return queue().admit(request.account(), () -> admit(request));
  }

  /** The delay queue (made on first use), for its counters. */
  public dev.moat.enforce.AdmissionQueue queue() {
    return queue.get();
  }

  /**
   * Starts an admitted request: as {@link #begin(RequestContext)}, at the admission's level, and
   * returning what it did not use to the budgets when it finishes. The host caps generation at
   * {@link dev.moat.enforce.Admission#maxTokens()}.
   *
   * @throws IllegalArgumentException if the admission is not {@code ADMIT}
   */
  public MoatRequest begin(RequestContext request, dev.moat.enforce.Admission admission) {
    if (!admission.admitted()) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "admission", admission.decision(), "ADMIT (" + admission.reason() + ")"));
    }
    return starter.start(compiled, request, admission);
  }

  /** Stops the reload thread. Requests may still be started and finished. */
  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    queue.close();
  }

  /**
   * Builds a {@link Moat}. Not thread-safe. Exactly one of {@link #policy} or {@link #policyFile}
   * is required.
   */
  public static final class Builder {
    private @Nullable Policy policy;
    private @Nullable Path policyFile;
    private @Nullable Duration reloadInterval;
    private WatermarkKeys keys = WatermarkKeys.empty();
    private long maximumAccounts = 1_000_000;
    private dev.moat.enforce.@Nullable FleetLimiter fleet;
    private Duration accountIdleExpiry = Duration.ofDays(2);
    private Clock clock = Clock.SYSTEM;
    private java.util.function.Consumer<dev.moat.enforce.LevelChange> audit =
        dev.moat.enforce.LevelChange.LOG;
    private final Map<String, List<Protection>> extras = new HashMap<>();
    private dev.moat.enforce.@Nullable BigramProxy proxy;
    private int queueCapacity = 10_000;
    private int queuePerAccount = 100;
    private Duration queueMaxWait = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Adds protections written by the host (implementations of the SPI) to a tier, after the
     * policy's own protections of the same stage. They survive policy reloads.
     */
    public Builder addProtection(String tier, Protection protection) {
      extras.computeIfAbsent(tier, t -> new ArrayList<>()).add(Objects.requireNonNull(protection));
      return this;
    }

    /** A fixed policy built in code. */
    public Builder policy(Policy policy) {
      if (policyFile != null) {
        throw new IllegalStateException("policy cannot be combined with policyFile");
      }
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /**
     * A policy file, re-read when it changes (checked every {@code reloadInterval}; null for no
     * automatic reload, {@link Moat#reloadPolicy()} still works).
     */
    public Builder policyFile(Path file, @Nullable Duration reloadInterval) {
      if (policy != null) {
        throw new IllegalStateException("policyFile cannot be combined with policy");
      }
      if (reloadInterval != null && (reloadInterval.isNegative() || reloadInterval.isZero())) {
        throw new IllegalArgumentException(
            Messages.invalid("reloadInterval", reloadInterval, "positive"));
      }
      this.policyFile = Objects.requireNonNull(file);
      this.reloadInterval = reloadInterval;
      return this;
    }

    public Builder keys(WatermarkKeys keys) {
      this.keys = Objects.requireNonNull(keys);
      return this;
    }

    /** Most accounts (and, separately, sessions) whose activity is kept; default 1,000,000. */
    public Builder maximumAccounts(long maximumAccounts) {
      if (maximumAccounts < 1) {
        throw new IllegalArgumentException(
            Messages.invalid("maximumAccounts", maximumAccounts, ">= 1"));
      }
      this.maximumAccounts = maximumAccounts;
      return this;
    }

    /**
     * How long an account's or session's activity is kept after its last request; default 2 days.
     */
    public Builder accountIdleExpiry(Duration expiry) {
      if (expiry.isNegative() || expiry.isZero()) {
        throw new IllegalArgumentException(
            Messages.invalid("accountIdleExpiry", expiry, "positive"));
      }
      this.accountIdleExpiry = expiry;
      return this;
    }

    /**
     * Fleet-wide budgets and stream slots ({@code dev.moat.enforce.redis.RedisFleetLimiter} in
     * {@code moat-redis}): each scope's limits hold across every replica sharing {@code fleet};
     * local budgets still apply, and alone while the fleet store is down (fail-open).
     */
    public Builder fleet(dev.moat.enforce.FleetLimiter fleet) {
      this.fleet = Objects.requireNonNull(fleet, "fleet");
      return this;
    }

    /**
     * The time source of account expiry and budgets; the system's by default, a test's in tests.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where escalation changes go; default {@link dev.moat.enforce.LevelChange#LOG} (SLF4J). */
    public Builder audit(java.util.function.Consumer<dev.moat.enforce.LevelChange> audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    /**
     * The proxy student of the levels' anti-distillation sampling ({@code anti_distillation_kl}); a
     * policy that asks for it without one fails to build.
     */
    public Builder proxyStudent(dev.moat.enforce.BigramProxy proxy) {
      this.proxy = Objects.requireNonNull(proxy, "proxy");
      return this;
    }

    /**
     * The delay queue's bounds ({@link #admitQueued}): requests waiting at most in all (default
     * 10,000) and per account (default 100), and the longest a request waits (default 30 s).
     */
    public Builder admissionQueue(int capacity, int perAccount, Duration maxWait) {
      new dev.moat.enforce.AdmissionQueue(capacity, perAccount, maxWait).close(); // validates
      this.queueCapacity = capacity;
      this.queuePerAccount = perAccount;
      this.queueMaxWait = maxWait;
      return this;
    }

    /**
     * Validates and compiles the policy against the keys.
     *
     * @throws PolicyException if the policy is invalid or names unknown keys
     * @throws IOException if the policy file cannot be read
     */
    public Moat build() throws IOException {
      Policy p = policy;
      if (p == null) {
        if (policyFile == null) {
          throw new IllegalStateException(
              Messages.missing("policy", "policy(...) or policyFile(...)"));
        }
        p = PolicyLoader.load(policyFile, keys.ids());
      }
      return new Moat(this, CompiledPolicy.of(p, keys, extras, proxy));
    }
  }
}
