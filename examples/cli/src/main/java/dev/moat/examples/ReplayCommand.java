package dev.moat.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.detect.Detector;
import dev.moat.detect.DetectorBuilder;
import dev.moat.detect.MlpModel;
import dev.moat.detect.TraceReader;
import dev.moat.detect.Verdict;
import dev.moat.detect.VerdictModel;
import dev.moat.examples.cli.UsageException;
import dev.moat.onnxruntime.OnnxVerdictModel;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
import dev.moat.research.Replay;
import dev.moat.research.sim.Population;
import dev.moat.research.sim.TrafficSimulator;
import dev.moat.research.usage.UsageGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat replay}: a trace (or simulated traffic generated on the fly) through the detector,
 * online, in timestamp order; one verdict line per account, a summary, and with labels the
 * detection figures per population. Not thread-safe: picocli sets its options.
 */
@Command(
    name = "replay",
    description = {
      "Run a trace through the probing detector online.",
      "In timestamp order; one verdict line per account, a summary, and with --labels the"
          + " figures per population.",
      "Give --trace FILE or --simulate SCENARIO (generated on the fly, labels included)."
    })
final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--trace", paramLabel = "FILE.jsonl[.gz]", description = "The trace to replay.")
  @Nullable Path trace;

  @Option(
      names = "--simulate",
      paramLabel = "SCENARIO",
      description =
          "Simulated traffic instead: mixed, campaign or stealth (--generator usage:"
              + " standard or small).")
  @Nullable String simulate;

  @Option(names = "--out", paramLabel = "VERDICTS.jsonl", description = "Write the verdicts.")
  @Nullable Path outFile;

  @Option(names = "--labels", paramLabel = "LABELS.json", description = "Population per account.")
  @Nullable Path labelsFile;

  @Option(
      names = "--extraction",
      paramLabel = "FILE.json",
      description = "With --trace: the extraction requests' times of mixed (reseller) accounts.")
  @Nullable Path extractionFile;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "A policy file (its detection section).")
  @Nullable Path policy;

  @Option(names = "--model", paramLabel = "FILE.json", description = "A probing model's JSON.")
  @Nullable Path model;

  @Option(names = "--onnx", description = "Score with ONNX Runtime.")
  boolean onnx;

  @Option(
      names = "--progress",
      paramLabel = "N",
      description = "Requests between progress lines (default: ${DEFAULT-VALUE}).")
  long progress = 5_000_000;

  @Mixin TrafficOptions traffic = new TrafficOptions();

  private final PrintStream out;
  private final PrintStream err;

  ReplayCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    if ((trace != null) == (simulate != null)) {
      throw new UsageException("give one of --trace FILE or --simulate SCENARIO");
    }
    if (extractionFile != null && (trace == null || labelsFile == null)) {
      throw new UsageException("--extraction needs --trace and --labels");
    }
    MlpModel mlp = model != null ? MlpModel.load(model) : MlpModel.bundled();
    VerdictModel verdicts = onnx ? OnnxVerdictModel.of(mlp) : mlp;
    Replay.Clock clock = new Replay.Clock();
    // Every account of the trace (up to 4M) is kept to the end: one output line per account.
    DetectorBuilder builder =
        Detector.builder().model(verdicts).clock(clock).maximumAccounts(4_000_000);
    if (policy != null) {
      Policy p = PolicyLoader.load(policy, null);
      builder.settings(p.detection());
    }
    long every = progress;
    Map<String, String> labels = new HashMap<>();
    // The generator's extraction requests (times) per account: resold traffic mixes both kinds.
    Map<String, List<Long>> extraction = new HashMap<>();
    long[] skipped = {0};
    Replay.Outcome o;
    try (Detector detector = builder.build()) {
      if (trace != null) {
        if (labelsFile != null) {
          labels = readLabels(labelsFile);
        }
        if (extractionFile != null) {
          extraction.putAll(ExtractionTimes.read(extractionFile));
        }
        try (TraceReader reader = TraceReader.open(trace, err::println)) {
          o = Replay.run(reader::next, detector, clock, out, every, null);
          skipped[0] = reader.skipped();
        }
      } else if (traffic.usage()) {
        UsageGenerator gen =
            traffic.usageGenerator(
                "simulate", simulate, Instant.parse("2026-04-22T00:00:00Z").toEpochMilli());
        labels.putAll(gen.labels());
        int strip = traffic.strip();
        o =
            Replay.run(
                () -> {
                  if (!gen.hasNext()) {
                    return null;
                  }
                  UsageGenerator.Event e = gen.next();
                  if (e.extraction()) {
                    extraction
                        .computeIfAbsent(e.record().account(), k -> new ArrayList<>())
                        .add(e.record().ts());
                  }
                  return TrainDetectorCommand.strip(e.record(), strip);
                },
                detector,
                clock,
                out,
                every,
                null);
      } else {
        String scenario = Objects.requireNonNull(simulate);
        double days = traffic.days(scenario.equals("campaign") ? 44 : 7);
        List<Population> pops = SimulateCommand.scenario(scenario, traffic.scale);
        TrafficSimulator sim =
            new TrafficSimulator(
                traffic.seed, Instant.parse("2026-04-22T00:00:00Z").toEpochMilli(), days, pops);
        for (String[] l : sim.labels()) {
          labels.put(l[0], l[1]);
        }
        // As traces from elsewhere often come: no account age, client, temperature, turns or tier.
        int strip = traffic.strip();
        o =
            Replay.run(
                () -> sim.hasNext() ? TrainDetectorCommand.strip(sim.next().record(), strip) : null,
                detector,
                clock,
                out,
                every,
                null);
      }
    }
    if (outFile != null) {
      writeVerdicts(outFile, o.verdicts());
    }
    long flagged = o.verdicts().values().stream().filter(Verdict::flagged).count();
    long everFlagged = o.verdicts().values().stream().filter(v -> v.flaggedAt() >= 0).count();
    out.printf(
        Locale.ROOT,
        "replayed %,d requests from %,d accounts in %.1f s (%,.0f requests/s); %,d malformed lines"
            + " skipped; peak heap %,d MB%n",
        o.requests(),
        o.verdicts().size(),
        o.seconds(),
        o.perSecond(),
        skipped[0],
        o.peakHeapBytes() >> 20);
    out.printf(
        Locale.ROOT,
        "CPU per request: detection %.2f µs, reading %.2f µs (two threads)%nflagged %,d accounts at"
            + " some time, %,d at the trace's end (threshold %.3f)%n",
        1e6 * o.detectCpuSeconds() / Math.max(1, o.requests()),
        1e6 * o.readCpuSeconds() / Math.max(1, o.requests()),
        everFlagged, // as the table counts them: a flag that decayed still counts
        flagged,
        verdicts.threshold());
    if (!labels.isEmpty()) {
      out.print(table(report(o.verdicts(), labels)));
      if (!extraction.isEmpty()) {
        out.println(extractionServed(o.verdicts(), labels, extraction));
      }
    }
    return 0;
  }

  static Map<String, String> readLabels(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    if (root == null || !root.isObject()) {
      throw new UsageException(
          "--labels " + file + " must be a JSON object mapping account to population name");
    }
    Map<String, String> labels = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (!e.getValue().isTextual()) {
        throw new UsageException(
            "--labels "
                + file
                + ": account '"
                + e.getKey()
                + "' was "
                + e.getValue()
                + " but it must be a population name");
      }
      labels.put(e.getKey(), e.getValue().asText());
    }
    return labels;
  }

  static void writeVerdicts(Path file, Map<String, Verdict> verdicts) throws IOException {
    try (Writer w = Files.newBufferedWriter(file);
        JsonGenerator g = new JsonFactory().createGenerator(w)) {
      g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
      for (Verdict v : verdicts.values()) {
        g.writeStartObject();
        g.writeStringField("account", v.account());
        g.writeBooleanField("flagged", v.flagged());
        g.writeStringField("level", v.level().wire());
        if (v.flaggedAt() >= 0) {
          g.writeStringField("first_flagged_ts", Instant.ofEpochMilli(v.flaggedAt()).toString());
        } else {
          g.writeNullField("first_flagged_ts");
        }
        g.writeNumberField("score", Math.round(v.score() * 1e6) / 1e6);
        if (v.group() != null) {
          g.writeStringField("group", v.group());
        } else {
          g.writeNullField("group");
        }
        g.writeNumberField("requests_seen", v.requests());
        g.writeNumberField(
            "requests_before_flag", v.flaggedAt() >= 0 ? v.requestsBeforeFlag() : v.requests());
        if (v.watched()) {
          strings(g, "reasons", v.reasons());
          strings(g, "linked_accounts", v.linkedAccounts());
          strings(g, "sample_prompts", v.samplePrompts());
        }
        g.writeEndObject();
      }
      g.writeRaw('\n');
    }
  }

  private static void strings(JsonGenerator g, String field, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String s : values) {
      g.writeString(s);
    }
    g.writeEndArray();
  }

  /**
   * For accounts that mix genuine and extraction requests (the generator says which), the share of
   * extraction requests served before the account was first flagged, per population.
   */
  static String extractionServed(
      Map<String, Verdict> verdicts, Map<String, String> labels, Map<String, List<Long>> times) {
    Map<String, long[]> by = new TreeMap<>();
    times.forEach(
        (account, ts) -> {
          Verdict v = verdicts.get(account);
          long flaggedAt = v == null || v.flaggedAt() < 0 ? Long.MAX_VALUE : v.flaggedAt();
          long[] c =
              by.computeIfAbsent(labels.getOrDefault(account, "unlabelled"), k -> new long[2]);
          c[0] += ts.size();
          c[1] += ts.stream().filter(t -> t < flaggedAt).count();
        });
    StringBuilder b = new StringBuilder("extraction requests served before the flag:");
    by.forEach(
        (pop, c) ->
            b.append(
                String.format(
                    Locale.ROOT,
                    " %s %,d of %,d (%.2f%%);",
                    pop,
                    c[1],
                    c[0],
                    100.0 * c[1] / Math.max(1, c[0]))));
    return b.toString();
  }

  /** One population's figures. */
  record Row(
      String population,
      boolean campaign,
      long accounts,
      long flagged,
      long requests,
      long requestsBeforeFlag,
      long watched) {
    double flaggedRate() {
      return accounts == 0 ? 0 : flagged / (double) accounts;
    }

    double servedBeforeFlag() {
      return requests == 0 ? 0 : requestsBeforeFlag / (double) requests;
    }
  }

  /**
   * Per population (from the labels; accounts without a label count as "unlabelled"), in name
   * order, with "benign (all)" and "campaign (all)" totals first.
   */
  static List<Row> report(Map<String, Verdict> verdicts, Map<String, String> labels) {
    Map<String, long[]> by = new TreeMap<>();
    for (Verdict v : verdicts.values()) {
      String pop = labels.getOrDefault(v.account(), "unlabelled");
      boolean campaign = pop.startsWith("campaign");
      // Ever flagged during the run (a flag that decayed by the end still counts against us).
      boolean flagged = v.flaggedAt() >= 0;
      long before = flagged ? v.requestsBeforeFlag() : v.requests();
      for (String key : new String[] {pop, campaign ? " campaign (all)" : " benign (all)"}) {
        long[] c = by.computeIfAbsent(key, k -> new long[5]);
        c[4] += v.watched() ? 1 : 0;
        c[0]++;
        c[1] += flagged ? 1 : 0;
        c[2] += v.requests();
        c[3] += before;
      }
    }
    List<Row> rows = new ArrayList<>();
    by.forEach(
        (k, c) ->
            rows.add(
                new Row(
                    k.strip(), k.strip().startsWith("campaign"), c[0], c[1], c[2], c[3], c[4])));
    return rows;
  }

  static String table(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-22s %10s %10s %9s %9s   %s%n",
            "population",
            "accounts",
            "flagged",
            "rate",
            "watch+",
            "campaign requests served before the flag"));
    for (Row r : rows) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-22s %,10d %,10d %8.3f%% %8.2f%%",
              r.population(),
              r.accounts(),
              r.flagged(),
              100 * r.flaggedRate(),
              r.accounts() == 0 ? 0 : 100.0 * r.watched() / r.accounts()));
      if (r.campaign()) {
        b.append(
            String.format(
                Locale.ROOT,
                "   %,d of %,d (%.3f%%)",
                r.requestsBeforeFlag(),
                r.requests(),
                100 * r.servedBeforeFlag()));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
