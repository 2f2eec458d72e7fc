package dev.moat.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.moat.detect.TraceWriter;
import dev.moat.examples.sim.Population;
import dev.moat.examples.sim.TrafficSimulator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./moat simulate}: writes simulated traffic in the trace format, and the account labels
 * (population per account) that {@code replay --labels} reads.
 */
final class SimulateCommand {
  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("scenario", true);
    OPTIONS.put("seed", true);
    OPTIONS.put("days", true);
    OPTIONS.put("scale", true);
    OPTIONS.put("start", true);
    OPTIONS.put("out", true);
    OPTIONS.put("labels", true);
  }

  private SimulateCommand() {}

  static List<Population> scenario(String name, double scale) {
    try {
      return dev.moat.examples.sim.Scenarios.of(name, scale);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("--scenario " + e.getMessage().replace("scenario ", ""));
    }
  }

  static int run(Args a, PrintStream out) throws Exception {
    String name = a.get("scenario", "mixed");
    double scale = a.getDouble("scale", 1, 0.01, 100);
    List<Population> pops = scenario(name, scale);
    long seed = a.getLong("seed", 1);
    double days = a.getDouble("days", name.equals("campaign") ? 44 : 7, 0.01, 366);
    long start;
    try {
      start = Instant.parse(a.get("start", "2026-04-22T00:00:00Z")).toEpochMilli();
    } catch (java.time.DateTimeException e) {
      throw new Args.UsageException(
          "--start was '" + a.get("start", "") + "' but it must be an RFC 3339 time");
    }
    Path file = Path.of(a.require("out"));
    TrafficSimulator sim = new TrafficSimulator(seed, start, days, pops);
    long n = 0;
    long t0 = System.nanoTime();
    try (TraceWriter w = TraceWriter.open(file)) {
      while (sim.hasNext()) {
        w.write(sim.next().record());
        n++;
      }
    }
    if (a.has("labels")) {
      try (JsonGenerator g =
          new JsonFactory()
              .createGenerator(Files.newBufferedWriter(Path.of(a.require("labels"))))
              .useDefaultPrettyPrinter()) {
        g.writeStartObject();
        for (String[] l : sim.labels()) {
          g.writeStringField(l[0], l[1]);
        }
        g.writeEndObject();
      }
    }
    out.printf(
        "wrote %,d requests from %,d accounts over %.1f days to %s in %.1f s%n",
        n, sim.labels().size(), days, file, (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
