package dev.moat.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The console's live charts: a ring of the last {@code window} samples of the server's meters (one
 * a second: ten minutes by default), rendered for {@code GET /admin/metrics/history} as per-second
 * series the page draws with uPlot.
 *
 * <p>A sample is the meters' values at one instant, by key: cumulative counts ({@code
 * served/tier/free}, {@code tokens/level/2}, {@code rejected}, {@code moat_ns}, ...) and gauges
 * ({@code queue}, {@code watch}, ...); see {@link MetricsSampler} for what each key reads. A
 * chart's point at sample {@code i} is computed from samples {@code i - 1} and {@code i}: a count's
 * rate per second, a gauge's value, or a ratio of two counts' increments (Moat's nanoseconds over
 * the model step's, for Moat's share of a step); a ratio over an interval with no increment is null
 * (a gap, not a zero). A key absent from a sample is a count not yet registered, so zero.
 *
 * <p>Thread-safe: {@link #add} and {@link #json} take the ring's lock; {@link #json} copies the
 * ring and renders outside it.
 */
final class ChartHistory {
  /** Samples kept by default: ten minutes and one, at one a second. */
  static final int WINDOW = 601;

  /** One sample: when (epoch ms) and the meters' values by key. */
  record Sample(long atMillis, Map<String, Double> values) {
    double get(String key) {
      Double v = values.get(key);
      return v == null ? 0 : v;
    }
  }

  private enum Kind {
    /** A count's increment per second. */
    RATE,
    /** A gauge's value at the later sample. */
    GAUGE,
    /** {@code scale} times a count's increment over another count's increment. */
    RATIO
  }

  private record Series(String name, String key, Kind kind, String over, double scale) {
    static Series rate(String name, String key) {
      return new Series(name, key, Kind.RATE, "", 1);
    }

    static Series gauge(String name, String key) {
      return new Series(name, key, Kind.GAUGE, "", 1);
    }

    static Series ratio(String name, String key, String over, double scale) {
      return new Series(name, key, Kind.RATIO, over, scale);
    }
  }

  /**
   * A chart: fixed series, or ({@code prefix} not empty) one rate series per key under {@code
   * prefix}, named by the rest of the key.
   */
  private record Chart(String id, String title, String unit, String prefix, List<Series> fixed) {}

  private static final List<Chart> CHARTS =
      List.of(
          new Chart("requests_tier", "Requests by tier", "req/s", "served/tier/", List.of()),
          new Chart("requests_level", "Requests by level", "req/s", "served/level/", List.of()),
          new Chart("tokens_tier", "Tokens by tier", "tokens/s", "tokens/tier/", List.of()),
          new Chart("tokens_level", "Tokens by level", "tokens/s", "tokens/level/", List.of()),
          new Chart(
              "detection",
              "Flags and watch levels",
              "accounts",
              "",
              List.of(
                  Series.gauge("watched now", "watch"),
                  Series.gauge("flagged now", "flag"),
                  Series.gauge("flags raised", "flags"))),
          new Chart(
              "shaping",
              "429s and delays",
              "req/s",
              "",
              List.of(
                  Series.rate("429", "rejected"),
                  Series.rate("delayed", "delayed"),
                  Series.rate("queue refused", "queue_refused"),
                  Series.rate("max_tokens capped", "capped"),
                  Series.rate("paced", "paced"))),
          new Chart(
              "moat_share",
              "Moat's share of the model step",
              "%",
              "",
              List.of(Series.ratio("Moat / model", "moat_ns", "step_ns", 100))),
          new Chart(
              "per_token",
              "Time per token",
              "µs",
              "",
              List.of(
                  Series.ratio("Moat", "moat_ns", "moat_tokens", 1e-3),
                  Series.ratio("model step", "step_ns", "steps", 1e-3))),
          new Chart(
              "queue",
              "Queue depth",
              "requests",
              "",
              List.of(Series.gauge("delay queue", "queue"), Series.gauge("generating", "live"))),
          new Chart(
              "fleet",
              "Fleet mode's Redis",
              "degraded",
              "",
              List.of(Series.gauge("degraded", "degraded"))));

  private final Sample[] ring;
  private int next; // the slot the next sample goes to
  private int size;

  ChartHistory(int window) {
    if (window < 2) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("window", window, ">= 2"));
    }
    this.ring = new Sample[window];
  }

  /** Appends a sample, dropping the oldest once the ring is full. */
  synchronized void add(Sample s) {
    ring[next] = s;
    next = (next + 1) % ring.length;
    size = Math.min(size + 1, ring.length);
  }

  /** The samples held, oldest first. */
  synchronized List<Sample> samples() {
    List<Sample> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(next - size + i + ring.length) % ring.length]);
    }
    return out;
  }

  /**
   * The charts: {@code t} (epoch seconds of each interval's end) and per chart its id, title, unit
   * and series, each a name and one value (or null) per entry of {@code t}. A chart none of whose
   * keys any sample has (the fleet's, without {@code --redis}) is left out.
   */
  ObjectNode json() {
    List<Sample> s = samples();
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("interval_ms", MetricsSampler.PERIOD_MS);
    r.put("window_s", (ring.length - 1) * MetricsSampler.PERIOD_MS / 1000);
    ArrayNode t = r.putArray("t");
    for (int i = 1; i < s.size(); i++) {
      t.add(s.get(i).atMillis() / 1000.0);
    }
    ArrayNode charts = r.putArray("charts");
    for (Chart c : CHARTS) {
      List<Series> series = c.prefix().isEmpty() ? c.fixed() : byPrefix(s, c.prefix());
      if (series.stream().noneMatch(x -> s.stream().anyMatch(y -> y.values().containsKey(x.key)))) {
        continue;
      }
      ObjectNode o = charts.addObject();
      o.put("id", c.id());
      o.put("title", c.title());
      o.put("unit", c.unit());
      ArrayNode list = o.putArray("series");
      for (Series x : series) {
        ObjectNode so = list.addObject();
        so.put("name", x.name());
        ArrayNode values = so.putArray("values");
        for (int i = 1; i < s.size(); i++) {
          Double v = point(x, s.get(i - 1), s.get(i));
          if (v == null) {
            values.addNull();
          } else {
            values.add(v);
          }
        }
      }
    }
    return r;
  }

  /**
   * One rate series per key under {@code prefix}: numeric names (levels) first, in number order,
   * then the others (tiers) in alphabetical order.
   */
  private static List<Series> byPrefix(List<Sample> samples, String prefix) {
    Comparator<String> numeric =
        Comparator.comparingInt(
                (String n) -> n.isEmpty() || !n.chars().allMatch(Character::isDigit) ? 1 : 0)
            .thenComparingInt(n -> n.chars().allMatch(Character::isDigit) ? n.length() : 0);
    TreeSet<String> names = new TreeSet<>(numeric.thenComparing(Comparator.naturalOrder()));
    for (Sample s : samples) {
      for (String k : s.values().keySet()) {
        if (k.startsWith(prefix)) {
          names.add(k.substring(prefix.length()));
        }
      }
    }
    List<Series> out = new ArrayList<>();
    for (String n : names) {
      out.add(Series.rate(n, prefix + n));
    }
    return out;
  }

  private static @Nullable Double point(Series x, Sample a, Sample b) {
    double seconds = (b.atMillis() - a.atMillis()) / 1000.0;
    double d = b.get(x.key()) - a.get(x.key());
    // A count never falls; a fall would be a restarted meter: no point for that interval.
    return switch (x.kind()) {
      case GAUGE -> b.values().containsKey(x.key()) ? b.get(x.key()) : null;
      case RATE -> seconds <= 0 || d < 0 ? null : d / seconds;
      case RATIO -> {
        double over = b.get(x.over()) - a.get(x.over());
        yield over <= 0 || d < 0 ? null : x.scale() * d / over;
      }
    };
  }
}
