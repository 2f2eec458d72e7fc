package dev.moat.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.moat.detect.TraceWriter;
import dev.moat.examples.sim.Population;
import dev.moat.examples.sim.TrafficSimulator;
import dev.moat.examples.usage.UsageGenerator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

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
    OPTIONS.put("generator", true);
    OPTIONS.put("metadata", true);
    OPTIONS.put("strip-metadata", false);
  }

  private SimulateCommand() {}

  static List<Population> scenario(String name, double scale) {
    try {
      return dev.moat.examples.sim.Scenarios.of(name, scale);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException(
          "--scenario " + Objects.requireNonNull(e.getMessage()).replace("scenario ", ""));
    }
  }

  /**
   * Whether {@code --generator usage} (the independent generator, {@code dev.moat.examples.usage})
   * was asked for rather than the default {@code sim}.
   */
  static boolean usage(Args a) {
    String g = a.get("generator", "sim");
    if (!g.equals("sim") && !g.equals("usage")) {
      throw new Args.UsageException("--generator was '" + g + "' but it must be sim or usage");
    }
    return g.equals("usage");
  }

  /**
   * The usage generator for {@code --OPTION standard|small}, --scale, --days, --seed, --metadata.
   */
  static UsageGenerator usageGenerator(Args a, String option, long start) {
    String name = a.get(option, "standard");
    UsageGenerator.Mix mix;
    UsageGenerator.Metadata metadata;
    try {
      mix = UsageGenerator.Mix.of(name);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException(
          "--"
              + option
              + " was '"
              + name
              + "' but with --generator usage it must be standard or small");
    }
    String m = a.get("metadata", "full");
    try {
      metadata = UsageGenerator.Metadata.valueOf(m.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException(
          "--metadata was '" + m + "' but it must be full, partial or minimal");
    }
    mix = mix.withScale(a.getDouble("scale", 1, 0.01, 100)).withMetadata(metadata);
    double days = a.getDouble("days", mix.days(), 0.01, 366);
    return new UsageGenerator(a.getLong("seed", 1), start, days, mix);
  }

  static int run(Args a, PrintStream out) throws Exception {
    if (usage(a)) {
      return runUsage(a, out);
    }
    String name = a.get("scenario", "mixed");
    double scale = a.getDouble("scale", 1, 0.01, 100);
    List<Population> pops = scenario(name, scale);
    long seed = a.getLong("seed", 1);
    double days = a.getDouble("days", name.equals("campaign") ? 44 : 7, 0.01, 366);
    Path file = Path.of(a.require("out"));
    TrafficSimulator sim = new TrafficSimulator(seed, start(a), days, pops);
    long n = 0;
    long t0 = System.nanoTime();
    int strip = a.has("strip-metadata") ? 2 : 0;
    try (TraceWriter w = TraceWriter.open(file)) {
      while (sim.hasNext()) {
        w.write(TrainDetectorCommand.strip(sim.next().record(), strip));
        n++;
      }
    }
    if (a.has("labels")) {
      Map<String, String> labels = new LinkedHashMap<>();
      for (String[] l : sim.labels()) {
        labels.put(l[0], l[1]);
      }
      writeLabels(Path.of(a.require("labels")), labels);
    }
    out.printf(
        "wrote %,d requests from %,d accounts over %.1f days to %s in %.1f s%n",
        n, sim.labels().size(), days, file, (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  /** The labels file {@code replay --labels} reads: a JSON object, account to population. */
  private static void writeLabels(Path file, Map<String, String> labels)
      throws java.io.IOException {
    try (JsonGenerator g =
        new JsonFactory()
            .createGenerator(Files.newBufferedWriter(file))
            .useDefaultPrettyPrinter()) {
      g.writeStartObject();
      for (Map.Entry<String, String> l : labels.entrySet()) {
        g.writeStringField(l.getKey(), l.getValue());
      }
      g.writeEndObject();
    }
  }

  private static long start(Args a) {
    try {
      return Instant.parse(a.get("start", "2026-04-22T00:00:00Z")).toEpochMilli();
    } catch (java.time.DateTimeException e) {
      throw new Args.UsageException(
          "--start was '" + a.get("start", "") + "' but it must be an RFC 3339 time");
    }
  }

  private static int runUsage(Args a, PrintStream out) throws Exception {
    Path file = Path.of(a.require("out"));
    long t0 = System.nanoTime();
    UsageGenerator gen = usageGenerator(a, "scenario", start(a));
    // As traces from elsewhere often come: no account age, client, temperature, turns or tier.
    int strip = a.has("strip-metadata") ? 2 : 0;
    long n = 0;
    try (TraceWriter w = TraceWriter.open(file)) {
      while (gen.hasNext()) {
        w.write(TrainDetectorCommand.strip(gen.next().record(), strip));
        n++;
      }
    }
    if (a.has("labels")) {
      writeLabels(Path.of(a.require("labels")), gen.labels());
    }
    out.printf(
        Locale.ROOT,
        "wrote %,d requests from %,d accounts to %s in %.1f s (generator usage)%n",
        n,
        gen.labels().size(),
        file,
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
