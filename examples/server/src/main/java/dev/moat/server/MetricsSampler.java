package dev.moat.server;

import dev.moat.detect.Suspicion;
import dev.moat.detect.Verdict;
import dev.moat.enforce.AdmissionQueue;
import dev.moat.policy.Policy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Once a second, on its own thread ({@code moat-serve-sampler}): checks fleet mode's Redis ({@link
 * FleetHealth}), registers the per-tier counters of tiers a reload added, counts the detector's
 * watched and flagged accounts, and reads the server's meters into a {@link ChartHistory} sample.
 * Nothing here runs on a request's path: the counters it reads are the ones the server already
 * keeps (requests and tokens at a request's end, Moat's and the model's time per step in the two
 * timers), so the charts cost no work per token. Counting the watched and flagged accounts walks
 * the accounts the detector holds, once a second on this thread: linear in them (the detector's
 * {@code maximumAccounts} bounds it).
 *
 * <p>The keys of a sample: {@code served/tier/T}, {@code served/level/L} (requests that ended, 429s
 * excepted), {@code tokens/tier/T}, {@code tokens/level/L} (completion tokens), {@code rejected}
 * (429s), {@code delayed}, {@code queue_refused}, {@code capped}, {@code paced}, {@code flags}
 * (accounts flagged, counts), {@code watch}, {@code flag} (accounts at that level now), {@code
 * moat_ns}, {@code moat_tokens}, {@code step_ns}, {@code steps} (the two timers), {@code queue}
 * (waiting in the delay queue), {@code live} (generating now) and, in fleet mode, {@code degraded}
 * (1 or 0). Every tier of the policy and every level (0 and the policy's) has its keys from the
 * first sample, at zero until used.
 *
 * <p>Thread-safe: its task runs on its one thread; {@link #close} stops it.
 */
final class MetricsSampler implements AutoCloseable {
  static final long PERIOD_MS = 1000;

  private final ModelServer server;
  private final @Nullable FleetHealth fleet;
  private final ChartHistory history;
  private final LongSupplier clock;
  private final ScheduledExecutorService thread;
  private final AtomicLong failures = new AtomicLong();

  /**
   * A sampler of {@code server} (and {@code fleet}, if any) into {@code history}, with {@code
   * clock} for the samples' times (epoch ms); {@link #start} schedules it.
   */
  MetricsSampler(
      ModelServer server, @Nullable FleetHealth fleet, ChartHistory history, LongSupplier clock) {
    this.server = server;
    this.fleet = fleet;
    this.history = history;
    this.clock = clock;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "moat-serve-sampler");
              t.setDaemon(true);
              return t;
            });
  }

  /** Samples now, then once a second until {@link #close}. */
  void start() {
    var unused = thread.scheduleAtFixedRate(this::guarded, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /** One sample; a failure is logged and the next second tries again (never unscheduled). */
  private void guarded() {
    try {
      sample();
    } catch (RuntimeException e) {
      if (failures.getAndIncrement() == 0) {
        server.log().warn("metrics sampler failed (charts miss this second): {}", e.toString());
      }
    }
  }

  /** Checks the fleet, then reads the meters into one sample. */
  void sample() {
    long now = clock.getAsLong();
    if (fleet != null) {
      fleet.check(now);
    }
    Policy p = server.moat().policy();
    ServerMetrics m = server.metrics();
    m.knownTiers(p);
    long watch = 0;
    long flag = 0;
    for (Verdict v : (Iterable<Verdict>) server.detector().verdicts()::iterator) {
      if (v.level() == Suspicion.WATCH) {
        watch++;
      } else if (v.level() == Suspicion.FLAG) {
        flag++;
      }
    }
    m.detectorAccounts(watch, flag);

    Map<String, Double> v = new HashMap<>();
    for (String tier : p.tierNames()) {
      v.put("served/tier/" + tier, 0.0);
      v.put("tokens/tier/" + tier, 0.0);
    }
    v.put("served/level/0", 0.0);
    v.put("tokens/level/0", 0.0);
    for (int level : p.enforcement().levels().keySet()) {
      v.put("served/level/" + level, 0.0);
      v.put("tokens/level/" + level, 0.0);
    }
    MeterRegistry r = m.registry;
    for (Counter c : r.find("moat.requests").counters()) {
      if ("rejected".equals(c.getId().getTag("outcome"))) {
        v.merge("rejected", c.count(), Double::sum);
      } else {
        v.merge("served/tier/" + tag(c, "tier"), c.count(), Double::sum);
        v.merge("served/level/" + tag(c, "level"), c.count(), Double::sum);
      }
    }
    for (Counter c : r.find("moat.tokens").tag("kind", "completion").counters()) {
      v.merge("tokens/tier/" + tag(c, "tier"), c.count(), Double::sum);
      v.merge("tokens/level/" + tag(c, "level"), c.count(), Double::sum);
    }
    v.put("capped", sum(r, "moat.shaping", "cap"));
    v.put("paced", sum(r, "moat.shaping", "pace"));
    v.put("flags", sum(r, "moat.flags", null));
    v.putIfAbsent("rejected", 0.0);
    AdmissionQueue q = server.moat().queue();
    v.put("delayed", (double) q.queued());
    v.put("queue_refused", (double) (q.rejectedFull() + q.timedOut()));
    v.put("queue", (double) q.size());
    v.put("live", (double) server.live().size());
    v.put("watch", (double) watch);
    v.put("flag", (double) flag);
    v.put("moat_ns", m.moatNanos());
    v.put("moat_tokens", (double) m.moatTokens());
    v.put("step_ns", m.modelNanos());
    v.put("steps", (double) m.modelSteps());
    if (fleet != null) {
      v.put("degraded", fleet.degraded() ? 1.0 : 0.0);
    }
    history.add(new ChartHistory.Sample(now, v));
  }

  private static String tag(Meter m, String key) {
    String t = m.getId().getTag(key);
    return t == null ? "?" : t;
  }

  /** The sum of a counter's series, those with {@code action} if given. */
  private static double sum(MeterRegistry r, String name, @Nullable String action) {
    double s = 0;
    var search = action == null ? r.find(name) : r.find(name).tag("action", action);
    for (Counter c : search.counters()) {
      s += c.count();
    }
    return s;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
