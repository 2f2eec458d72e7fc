package dev.moat.server;

import dev.moat.policy.Policy;
import dev.moat.sampling.RaceRecords;
import dev.moat.watermark.GreenListCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import org.slf4j.LoggerFactory;

/**
 * The server's metrics in Micrometer, scraped in Prometheus format from the admin port's {@code
 * /metrics}: requests by tier, level and outcome, tokens, flags, shaping actions, Moat's per-token
 * overhead and the model's step time (histograms), the detector's watched and flagged accounts, the
 * shared KGW green-list cache's bytes and lookups. The console's charts ({@link ConsoleCharts})
 * sample the same meters. Thread-safe.
 */
public final class ServerMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer moatToken;
  private final Timer modelStep;
  private final Counter modelCalls;

  /** Checks on sampled tokens that Moat's per-token work allocates nothing after warm-up. */
  final AllocationWatch allocation;

  /** Accounts the detector holds at watch and at flag, as last counted by the sampler. */
  private final AtomicLong watching = new AtomicLong();

  private final AtomicLong flagging = new AtomicLong();

  /** Shaping actions counted per tier ({@link #shaped}), registered at zero for known tiers. */
  static final List<String> SHAPING = List.of("reject", "cap", "pace");

  ServerMetrics() {
    moatToken =
        Timer.builder("moat.token.overhead")
            .description("Moat's work per generated token (processLogits, sampling, accept)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofMillis(10))
            .register(registry);
    modelStep =
        Timer.builder("moat.model.step")
            .description(
                "A model call's time per token it produced (a batch step's time over its rows)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(10_000))
            .maximumExpectedValue(Duration.ofSeconds(1))
            .register(registry);
    modelCalls =
        Counter.builder("moat.model.calls")
            .description(
                "Calls into the model: a prefill or a decode step (one per token without batching,"
                    + " one per batch step with it)")
            .register(registry);
    Counter allocating =
        Counter.builder("moat.token.allocating")
            .description(
                "Sampled tokens (one in 1,024 per generation, one batch step in 256) whose Moat work"
                    + " allocated more than 1 KB per token after the JIT's warm-up: the SIMD kernels"
                    + " running de-optimised")
            .register(registry);
    allocation =
        new AllocationWatch(
            TimeUnit.SECONDS.toNanos(120),
            allocating::increment,
            LoggerFactory.getLogger(AllocationWatch.class));
    GreenListCache lists = GreenListCache.shared();
    cache(
        registry,
        "moat.kgw.list.cache",
        "Bytes of KGW green lists the shared cache holds now",
        "The shared green-list cache's budget (system property moat.kgw.listCacheBytes)",
        "Watermarked steps whose green list was read from the shared cache, or hashed",
        lists,
        GreenListCache::bytes,
        GreenListCache::budgetBytes,
        GreenListCache::hits,
        GreenListCache::misses);
    RaceRecords races = RaceRecords.shared();
    cache(
        registry,
        "moat.gumbel.race.cache",
        "Bytes of keyed-race records (Gumbel's far tokens) the shared cache holds now",
        "The shared race-record cache's budget (system property moat.gumbel.raceCacheBytes)",
        "Keyed races whose far tokens were read from a record, or looked for in vain",
        races,
        RaceRecords::bytes,
        RaceRecords::budgetBytes,
        RaceRecords::hits,
        RaceRecords::misses);
    Gauge.builder("moat.detector.accounts", watching, AtomicLong::get)
        .description("Accounts the detector holds at this level now (counted once a second)")
        .tag("level", "watch")
        .register(registry);
    Gauge.builder("moat.detector.accounts", flagging, AtomicLong::get)
        .description("Accounts the detector holds at this level now (counted once a second)")
        .tag("level", "flag")
        .register(registry);
  }

  void moatToken(long nanos) {
    moatToken.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One token's share of a model call (with batching, the call's time over its rows). */
  void modelStep(long nanos) {
    modelStep.record(nanos, TimeUnit.NANOSECONDS);
  }

  void modelCalls(int calls) {
    modelCalls.increment(calls);
  }

  /** The model's time so far, summed over tokens, in seconds. */
  public double modelSeconds() {
    return modelStep.totalTime(TimeUnit.SECONDS);
  }

  /** Tokens the model produced so far (one model-step record each). */
  public long modelTokens() {
    return modelStep.count();
  }

  /** Model calls so far. */
  public long modelCalls() {
    return (long) modelCalls.count();
  }

  /** A request ended (or was refused): by tier, level and outcome. */
  void request(String tier, int level, String outcome) {
    Counter.builder("moat.requests")
        .tag("tier", tier)
        .tag("level", Integer.toString(level))
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  void tokens(String tier, int level, long prompt, long completion) {
    Counter.builder("moat.tokens")
        .tag("tier", tier)
        .tag("level", Integer.toString(level))
        .tag("kind", "prompt")
        .register(registry)
        .increment((double) prompt);
    Counter.builder("moat.tokens")
        .tag("tier", tier)
        .tag("level", Integer.toString(level))
        .tag("kind", "completion")
        .register(registry)
        .increment((double) completion);
  }

  /** A shaping action: delay, reject, cap (max_tokens lowered), pace. */
  void shaped(String tier, String action) {
    Counter.builder("moat.shaping")
        .tag("tier", tier)
        .tag("action", action)
        .register(registry)
        .increment();
  }

  void flagged(String tier) {
    Counter.builder("moat.flags").tag("tier", tier).register(registry).increment();
  }

  void escalated(String tier, int level) {
    Counter.builder("moat.escalations")
        .tag("tier", tier)
        .tag("to", Integer.toString(level))
        .register(registry)
        .increment();
  }

  /**
   * Registers, at zero, the per-tier counters that only an event would create (flags, shaping
   * actions, escalations to each level), so that dashboards and charts show a zero rather than no
   * data. Idempotent; called by the sampler once a second, so tiers added by a reload appear.
   */
  void knownTiers(Policy p) {
    for (String tier : p.tierNames()) {
      Counter.builder("moat.flags").tag("tier", tier).register(registry);
      for (String action : SHAPING) {
        Counter.builder("moat.shaping").tag("tier", tier).tag("action", action).register(registry);
      }
      for (int level : p.enforcement().levels().keySet()) {
        Counter.builder("moat.escalations")
            .tag("tier", tier)
            .tag("to", Integer.toString(level))
            .register(registry);
      }
    }
  }

  /** The detector's accounts at watch and at flag now, as counted by the sampler. */
  void detectorAccounts(long watch, long flag) {
    watching.set(watch);
    flagging.set(flag);
  }

  /** Moat's per-token work so far, in nanoseconds, over {@link #moatTokens()} tokens. */
  public double moatNanos() {
    return moatToken.totalTime(TimeUnit.NANOSECONDS);
  }

  /** Tokens whose Moat work was timed so far. */
  public long moatTokens() {
    return moatToken.count();
  }

  /** The model's steps so far, in nanoseconds, over {@link #modelSteps()} steps. */
  double modelNanos() {
    return modelStep.totalTime(TimeUnit.NANOSECONDS);
  }

  long modelSteps() {
    return modelStep.count();
  }

  String scrape() {
    return registry.scrape();
  }

  /**
   * A shared cache's gauges (bytes held, budget) and lookup counters (hit, miss). The meters hold
   * {@code cache} weakly: it must be the process's shared instance.
   */
  private static <T> void cache(
      PrometheusMeterRegistry registry,
      String name,
      String bytes,
      String budget,
      String lookups,
      T cache,
      ToLongFunction<T> held,
      ToLongFunction<T> limit,
      ToLongFunction<T> hits,
      ToLongFunction<T> misses) {
    Gauge.builder(name + ".bytes", cache, c -> held.applyAsLong(c))
        .description(bytes)
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(name + ".budget", cache, c -> limit.applyAsLong(c))
        .description(budget)
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder(name + ".lookups", cache, c -> hits.applyAsLong(c))
        .description(lookups)
        .tag("result", "hit")
        .register(registry);
    FunctionCounter.builder(name + ".lookups", cache, c -> misses.applyAsLong(c))
        .description(lookups)
        .tag("result", "miss")
        .register(registry);
  }
}
