package dev.moat.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.moat.detect.TraceWriter;
import dev.moat.examples.cli.UsageException;
import dev.moat.research.sim.Population;
import dev.moat.research.sim.TrafficSimulator;
import dev.moat.research.usage.UsageGenerator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat simulate}: writes simulated traffic in the trace format, and the account labels
 * (population per account) that {@code replay --labels} reads. Not thread-safe: picocli sets its
 * options.
 */
@Command(
    name = "simulate",
    description = {
      "Write simulated API traffic in the trace format, and its labels.",
      "Benign populations, their hard look-alikes and distillation campaigns; the labels give"
          + " each account's population."
    })
final class SimulateCommand implements Callable<Integer> {
  @Option(
      names = "--scenario",
      paramLabel = "SCENARIO",
      description =
          "mixed (default), stealth or campaign; with --generator usage: standard or" + " small.")
  @Nullable String scenarioName;

  @Option(
      names = "--start",
      paramLabel = "TIME",
      description = "The first request's time (default: ${DEFAULT-VALUE}).")
  String start = "2026-04-22T00:00:00Z";

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE.jsonl[.gz]",
      description = "The trace.")
  Path file = Path.of("");

  @Option(names = "--labels", paramLabel = "FILE.json", description = "Population per account.")
  @Nullable Path labelsFile;

  @Mixin TrafficOptions traffic = new TrafficOptions();

  private final PrintStream out;

  SimulateCommand(PrintStream out) {
    this.out = out;
  }

  static List<Population> scenario(String name, double scale) {
    try {
      return dev.moat.research.sim.Scenarios.of(name, scale);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--scenario " + Objects.requireNonNull(e.getMessage()).replace("scenario ", ""));
    }
  }

  @Override
  public Integer call() throws Exception {
    if (traffic.usage()) {
      return runUsage();
    }
    String name = scenarioName != null ? scenarioName : "mixed";
    List<Population> pops = scenario(name, traffic.scale);
    double days = traffic.days(name.equals("campaign") ? 44 : 7);
    TrafficSimulator sim = new TrafficSimulator(traffic.seed, start(), days, pops);
    long n = 0;
    long t0 = System.nanoTime();
    int strip = traffic.strip();
    try (TraceWriter w = TraceWriter.open(file)) {
      while (sim.hasNext()) {
        w.write(TrainDetectorCommand.strip(sim.next().record(), strip));
        n++;
      }
    }
    if (labelsFile != null) {
      Map<String, String> labels = new LinkedHashMap<>();
      for (String[] l : sim.labels()) {
        labels.put(l[0], l[1]);
      }
      writeLabels(labelsFile, labels);
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

  private long start() {
    try {
      return Instant.parse(start).toEpochMilli();
    } catch (java.time.DateTimeException e) {
      throw new UsageException("--start was '" + start + "' but it must be an RFC 3339 time");
    }
  }

  private int runUsage() throws Exception {
    long t0 = System.nanoTime();
    UsageGenerator gen = traffic.usageGenerator("scenario", scenarioName, start());
    // As traces from elsewhere often come: no account age, client, temperature, turns or tier.
    int strip = traffic.strip();
    long n = 0;
    try (TraceWriter w = TraceWriter.open(file)) {
      while (gen.hasNext()) {
        w.write(TrainDetectorCommand.strip(gen.next().record(), strip));
        n++;
      }
    }
    if (labelsFile != null) {
      writeLabels(labelsFile, gen.labels());
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
