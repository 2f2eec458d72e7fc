package dev.moat.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The performance suite: runs the JMH benchmarks of the per-token pipeline (per escalation level
 * and per component, at vocab 32,000 / 128,256 / 256,000 and batch 1 / 16 / 64), the physical floor
 * (one read and one write of the logits, and the machine's memory bandwidth) and the growth
 * benchmarks (live sessions, prompt length, policy size), all with {@code -prof gc}, in one run on
 * the JVM that starts it; then prints the tables (medians per token) and can draw them.
 *
 * <pre>
 * java -cp perf/target/benchmarks.jar dev.moat.perf.Suite run --quick   # about 3 minutes
 * java -cp perf/target/benchmarks.jar dev.moat.perf.Suite run --full --out perf/results/suite-jdk17.json
 * java -cp perf/target/benchmarks.jar dev.moat.perf.Suite report perf/results/suite-jdk17.json \
 *      perf/results/suite-jdk25.json --png perf/results/suite.png
 * </pre>
 *
 * <p>{@code perf/run} wraps the first. Not thread-safe; a command-line tool.
 */
public final class Suite {
  private Suite() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** Hugging Face's {@code kgw_lefthash} processor per step, from ../shared/anchors/README.md. */
  static final String[][] ANCHORS = {
    // device, vocab, batch, median µs per step
    {"H100 GPU", "32000", "1", "218"},
    {"H100 GPU", "32000", "16", "2918"},
    {"H100 GPU", "128256", "1", "449"},
    {"H100 GPU", "128256", "16", "4224"},
    {"CPU, 16 threads", "32000", "1", "573"},
    {"CPU, 16 threads", "32000", "16", "8153"},
    {"CPU, 16 threads", "128256", "1", "1428"},
    {"CPU, 16 threads", "128256", "16", "21939"},
  };

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help")) {
      System.out.println(
          "usage: Suite run [--quick | --full] [--out FILE.json]\n"
              + "       Suite report FILE.json... [--png FILE.png]");
      return;
    }
    if (args[0].equals("run")) {
      boolean full = Arrays.asList(args).contains("--full");
      String out = option(args, "--out", null);
      Path file =
          Path.of(
              out != null
                  ? out
                  : "perf/target/suite-"
                      + (full ? "full" : "quick")
                      + "-jdk"
                      + Runtime.version().feature()
                      + ".json");
      run(full, file, System.out);
      report(List.of(file), null, System.out);
    } else if (args[0].equals("report")) {
      List<Path> files = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        if (args[i].equals("--png")) {
          i++;
        } else {
          files.add(Path.of(args[i]));
        }
      }
      String png = option(args, "--png", null);
      report(files, png == null ? null : Path.of(png), System.out);
    } else {
      throw new IllegalArgumentException("unknown command '" + args[0] + "': run or report");
    }
  }

  private static @Nullable String option(String[] args, String name, @Nullable String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** One JMH invocation: a benchmark pattern and its parameters. */
  record Part(String include, Map<String, String[]> params, int warmups, int iterations) {}

  static List<Part> parts(boolean full) {
    String[] vocabs = full ? new String[] {"32000", "128256", "256000"} : new String[] {"128256"};
    String[] batches = full ? new String[] {"1", "16", "64"} : new String[] {"1", "16"};
    List<Part> parts = new ArrayList<>();
    parts.add(new Part("BandwidthBenchmark", Map.of(), 2, 3));
    parts.add(
        new Part("FloorBenchmark", Map.of("vocab", vocabs, "batch", batches), 2, full ? 3 : 2));
    parts.add(
        new Part("LevelBenchmark", Map.of("vocab", vocabs, "batch", batches), 2, full ? 3 : 2));
    parts.add(
        new Part(
            "ComponentBenchmark",
            Map.of("vocab", vocabs, "batch", full ? batches : new String[] {"1"}),
            2,
            full ? 3 : 2));
    if (full) {
      parts.add(new Part("SessionsBenchmark", Map.of(), 3, 5));
      parts.add(new Part("PromptBenchmark", Map.of(), 2, 3));
      parts.add(new Part("PolicyBenchmark", Map.of(), 2, 3));
    } else {
      parts.add(
          new Part(
              "SessionsBenchmark.requestStart",
              Map.of("sessions", new String[] {"1000", "1000000"}),
              2,
              3));
    }
    return parts;
  }

  /** Keeps each fork from logging the kernel choice again (slf4j-simple's per-logger level). */
  static final String QUIET_KERNELS = "-Dorg.slf4j.simpleLogger.log.dev.moat.internal.Kernels=warn";

  static void run(boolean full, Path file, PrintStream out) throws Exception {
    ArrayNode all = JSON.createArrayNode();
    // The kernel line once, from this JVM (the forks run with the same flags); the forks stay
    // quiet.
    dev.moat.internal.Kernels.get();
    Path tmp = Files.createTempFile("moat-suite", ".json");
    try {
      for (Part p : parts(full)) {
        out.println("== " + p.include() + " " + describe(p.params()));
        ChainedOptionsBuilder o =
            new OptionsBuilder()
                .include("dev\\.moat\\.perf\\." + p.include() + "(\\.|$)")
                .forks(1)
                .jvmArgsPrepend(QUIET_KERNELS)
                .warmupIterations(p.warmups())
                .measurementIterations(p.iterations())
                .addProfiler(GCProfiler.class)
                .result(tmp.toString())
                .resultFormat(ResultFormatType.JSON);
        for (Map.Entry<String, String[]> e : p.params().entrySet()) {
          o.param(e.getKey(), e.getValue());
        }
        new Runner(o.build()).run();
        for (JsonNode n : JSON.readTree(tmp.toFile())) {
          all.add(n);
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), all);
    out.println("wrote " + file);
  }

  private static String describe(Map<String, String[]> params) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(params)
        .forEach((k, v) -> b.append(k).append('=').append(String.join(",", v)).append(' '));
    return b.toString().trim();
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  /** One benchmark result: its median over the measured iterations and B/op. */
  record Row(
      String jdk,
      String vm,
      String flags,
      String benchmark,
      Map<String, String> params,
      double median,
      double bytesPerOp) {
    String p(String name) {
      return params.getOrDefault(name, "");
    }

    int ip(String name) {
      return Integer.parseInt(p(name));
    }
  }

  static List<Row> read(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (JsonNode n : JSON.readTree(file.toFile())) {
      String jdk = n.path("jdkVersion").asText();
      String vm = n.path("vmName").asText() + " " + n.path("vmVersion").asText();
      List<String> flags = new ArrayList<>();
      n.path("jvmArgs").forEach(a -> flags.add(a.asText()));
      String bench = n.path("benchmark").asText().replace("dev.moat.perf.", "");
      Map<String, String> params = new TreeMap<>();
      n.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
      List<Double> raw = new ArrayList<>();
      for (JsonNode fork : n.path("primaryMetric").path("rawData")) {
        for (JsonNode v : fork) {
          raw.add(v.asDouble());
        }
      }
      double median = median(raw);
      double bytes = n.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble();
      rows.add(new Row(jdk, vm, String.join(" ", flags), bench, params, median, bytes));
    }
    return rows;
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double find(List<Row> rows, String jdk, String bench, Predicate<Row> filter) {
    Row r = findRow(rows, jdk, bench, filter);
    return r == null ? Double.NaN : r.median();
  }

  static @Nullable Row findRow(List<Row> rows, String jdk, String bench, Predicate<Row> filter) {
    for (Row r : rows) {
      if (r.jdk().equals(jdk) && r.benchmark().equals(bench) && filter.test(r)) {
        return r;
      }
    }
    return null;
  }

  static Predicate<Row> at(String vocab, String batch) {
    return r -> r.p("vocab").equals(vocab) && r.p("batch").equals(batch);
  }

  static String f(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String shortJdk(String jdk) {
    int dot = jdk.indexOf('.');
    return "JDK " + (dot > 0 ? jdk.substring(0, dot) : jdk);
  }

  /** The exponent k of time ~ size^k between the first and last sizes. */
  static double exponent(double size0, double t0, double size1, double t1) {
    return Math.log(t1 / t0) / Math.log(size1 / size0);
  }

  // ---------------------------------------------------------------------------------------------
  // Reporting

  static final String[] LEVELS = {"0", "1", "2", "3"};
  static final String[] COMPONENTS = {
    "kgw",
    "kgw-selfhash",
    "keyed-noise",
    "anti-distillation",
    "shaping-pacing",
    "gumbel",
    "sampler-t1",
    "sampler-top50"
  };

  static void report(List<Path> files, @Nullable Path png, PrintStream out) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Path f : files) {
      rows.addAll(read(f));
    }
    SortedSet<String> jdks = new TreeSet<>((a, b) -> compareVersions(a, b));
    rows.forEach(r -> jdks.add(r.jdk()));
    SortedSet<Integer> vocabs = new TreeSet<>();
    SortedSet<Integer> batches = new TreeSet<>();
    for (Row r : rows) {
      if (r.benchmark().startsWith("LevelBenchmark")) {
        vocabs.add(r.ip("vocab"));
        batches.add(r.ip("batch"));
      }
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Machine: %s, %d cores. JMH, one fork per configuration, -prof gc. Medians of the measured"
            + " iterations, µs per token (per row of the batch).%n",
        cpu(),
        Runtime.getRuntime().availableProcessors());
    for (String jdk : jdks) {
      TreeSet<String> flags = new TreeSet<>();
      String vm = "";
      for (Row r : rows) {
        if (r.jdk().equals(jdk)) {
          flags.add(r.flags());
          vm = r.vm();
        }
      }
      out.printf(
          Locale.ROOT, "%n%s (%s): fork flags %s%n", shortJdk(jdk), vm, String.join("; ", flags));
      double bw =
          BandwidthBenchmark.BYTES
              / (find(rows, jdk, "BandwidthBenchmark.readWrite256MiB", r -> true) * 1e-6)
              / 1e9;
      out.printf(
          Locale.ROOT,
          "%n### Full pipeline per token, %s (memory bandwidth %.1f GB/s, read + write, one core)%n%n",
          shortJdk(jdk),
          bw);
      out.println(
          "| vocab | batch | floor in cache | floor from memory | level 0 | level 1 | level 2 | level 3"
              + " | B/op per token (max) |");
      out.println("|---|---|---|---|---|---|---|---|---|");
      for (int v : vocabs) {
        for (int b : batches) {
          Predicate<Row> at = at("" + v, "" + b);
          if (Double.isNaN(find(rows, jdk, "LevelBenchmark.step", at))) {
            continue;
          }
          double floor = find(rows, jdk, "FloorBenchmark.rowReadWrite", at) / b;
          double dram = 8.0 * v / (bw * 1e9) * 1e6;
          StringBuilder line =
              new StringBuilder(
                  String.format(Locale.ROOT, "| %,d | %d | %s | %s |", v, b, f(floor), f(dram)));
          double bytes = 0;
          for (String l : LEVELS) {
            Row r = findRow(rows, jdk, "LevelBenchmark.step", at.and(x -> x.p("level").equals(l)));
            line.append(' ').append(r == null ? "" : f(r.median() / b)).append(" |");
            if (r != null) {
              bytes = Math.max(bytes, r.bytesPerOp() / b);
            }
          }
          line.append(' ').append(f(bytes)).append(" |");
          out.println(line);
        }
      }
      components(rows, jdk, vocabs, out);
      watermarkFloor(rows, jdk, vocabs, bw, out);
      anchors(rows, jdk, out);
      growth(rows, jdk, vocabs, batches, out);
      goals(rows, jdk, bw, out);
    }
    if (png != null) {
      plot(rows, jdks, vocabs, batches, png);
      out.println("\nwrote " + png);
    }
  }

  private static int compareVersions(String a, String b) {
    return Runtime.Version.parse(a).compareTo(Runtime.Version.parse(b));
  }

  static void components(List<Row> rows, String jdk, SortedSet<Integer> vocabs, PrintStream out) {
    List<String> cols = new ArrayList<>();
    for (int v : vocabs) {
      for (String b : new String[] {"1", "16", "64"}) {
        if (!Double.isNaN(find(rows, jdk, "ComponentBenchmark.step", at("" + v, b)))) {
          cols.add(v + "/" + b);
        }
      }
    }
    if (cols.isEmpty()) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "%n### Components per token, %s: `check` (row check + accept, every tier pays it), then each"
            + " component's own cost over it (µs; vocab/batch)%n%n",
        shortJdk(jdk));
    out.println("| component | " + String.join(" | ", cols) + " | B/op per token (max) |");
    out.println("|---|" + "---|".repeat(cols.size() + 1));
    List<String> names = new ArrayList<>(List.of("check"));
    names.addAll(List.of(COMPONENTS));
    for (String c : names) {
      StringBuilder line = new StringBuilder("| " + c + " |");
      double bytes = 0;
      for (String col : cols) {
        String[] vb = col.split("/", -1);
        int b = Integer.parseInt(vb[1]);
        Predicate<Row> at = at(vb[0], vb[1]);
        Row r =
            findRow(rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals(c)));
        double check =
            find(
                rows,
                jdk,
                "ComponentBenchmark.step",
                at.and(x -> x.p("component").equals("check")));
        if (r == null) {
          line.append(" |");
          continue;
        }
        bytes = Math.max(bytes, r.bytesPerOp() / b);
        double v = c.equals("check") ? r.median() / b : (r.median() - check) / b;
        line.append(' ').append(c.equals("check") ? f(v) : "+" + f(v)).append(" |");
      }
      line.append(' ').append(f(bytes)).append(" |");
      out.println(line);
    }
  }

  static void watermarkFloor(
      List<Row> rows, String jdk, SortedSet<Integer> vocabs, double bw, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%n### The watermark step (KGW's own cost) against the floor, %s, batch 1%n%n",
        shortJdk(jdk));
    out.println(
        "| vocab | KGW step µs | floor in cache µs | × in-cache floor | floor from memory µs |"
            + " × memory floor |");
    out.println("|---|---|---|---|---|---|");
    for (int v : vocabs) {
      Predicate<Row> at = at("" + v, "1");
      double kgw =
          find(rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals("kgw")));
      double check =
          find(rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals("check")));
      double floor = find(rows, jdk, "FloorBenchmark.rowReadWrite", at);
      double dram = 8.0 * v / (bw * 1e9) * 1e6;
      double step = kgw - check;
      if (Double.isNaN(step)) {
        continue;
      }
      out.printf(
          Locale.ROOT,
          "| %,d | %s | %s | %.1f× | %s | %.2f× |%n",
          v,
          f(step),
          f(floor),
          step / floor,
          f(dram),
          step / dram);
    }
  }

  static void anchors(List<Row> rows, String jdk, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%n### Against Hugging Face's KGW processor (../shared/anchors: transformers 5.17 on an H100"
            + " machine), per token per sequence, %s%n%n",
        shortJdk(jdk));
    out.println(
        "| vocab | batch | HF kgw_lefthash, H100 GPU | HF, CPU 16 threads | Moat KGW + row check,"
            + " one core | GPU / Moat | CPU / Moat |");
    out.println("|---|---|---|---|---|---|---|");
    for (String vocab : new String[] {"32000", "128256"}) {
      for (String batch : new String[] {"1", "16"}) {
        double gpu = Double.NaN;
        double cpu = Double.NaN;
        for (String[] a : ANCHORS) {
          if (a[1].equals(vocab) && a[2].equals(batch)) {
            double perSeq = Double.parseDouble(a[3]) / Integer.parseInt(batch);
            if (a[0].startsWith("H100")) {
              gpu = perSeq;
            } else {
              cpu = perSeq;
            }
          }
        }
        double moat =
            find(
                    rows,
                    jdk,
                    "ComponentBenchmark.step",
                    at(vocab, batch).and(x -> x.p("component").equals("kgw")))
                / Integer.parseInt(batch);
        if (Double.isNaN(moat)) {
          continue;
        }
        out.printf(
            Locale.ROOT,
            "| %s | %s | %s | %s | %s | %.0f× | %.0f× |%n",
            vocab,
            batch,
            f(gpu),
            f(cpu),
            f(moat),
            gpu / moat,
            cpu / moat);
      }
    }
  }

  static void growth(
      List<Row> rows,
      String jdk,
      SortedSet<Integer> vocabs,
      SortedSet<Integer> batches,
      PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%n### Growth, %s (exponent k of time ~ size^k from the first to the last size; 1 is linear)%n%n",
        shortJdk(jdk));
    out.println("| against | measure | sizes | µs | k |");
    out.println("|---|---|---|---|---|");
    if (vocabs.size() > 1) {
      List<Integer> vs = new ArrayList<>(vocabs);
      for (String l : new String[] {"0", "2"}) {
        double[] t = new double[vs.size()];
        for (int i = 0; i < vs.size(); i++) {
          t[i] =
              find(
                  rows,
                  jdk,
                  "LevelBenchmark.step",
                  at("" + vs.get(i), "1").and(x -> x.p("level").equals(l)));
        }
        line(out, "vocabulary", "level " + l + " per token, batch 1", vs, t);
      }
    }
    if (batches.size() > 1) {
      List<Integer> bs = new ArrayList<>(batches);
      for (String l : new String[] {"0", "2"}) {
        double[] t = new double[bs.size()];
        for (int i = 0; i < bs.size(); i++) {
          int b = bs.get(i);
          t[i] =
              find(
                      rows,
                      jdk,
                      "LevelBenchmark.step",
                      at("128256", "" + b).and(x -> x.p("level").equals(l)))
                  / b;
        }
        line(out, "batch", "level " + l + " per token, vocab 128,256", bs, t);
      }
    }
    series(rows, jdk, "SessionsBenchmark", "sessions", "live accounts", out);
    series(rows, jdk, "PromptBenchmark", "promptTokens", "prompt tokens", out);
    series(rows, jdk, "PolicyBenchmark", "tiers", "policy tiers", out);
  }

  private static void series(
      List<Row> rows, String jdk, String bench, String param, String label, PrintStream out) {
    for (String method : new String[] {"requestStart", "token", "load"}) {
      TreeMap<Integer, Double> s = new TreeMap<>();
      for (Row r : rows) {
        if (r.jdk().equals(jdk) && r.benchmark().equals(bench + "." + method)) {
          s.put(r.ip(param), r.median());
        }
      }
      if (s.size() < 2) {
        continue;
      }
      String what =
          switch (method) {
            case "requestStart" -> "request start (observe, admit, begin, end)";
            case "token" -> "one token, vocab 32,000, KGW";
            default -> "policy parse and validation";
          };
      line(
          out,
          label,
          what,
          new ArrayList<>(s.keySet()),
          s.values().stream().mapToDouble(Double::doubleValue).toArray());
    }
  }

  private static void line(
      PrintStream out, String against, String what, List<Integer> sizes, double[] t) {
    StringBuilder sz = new StringBuilder();
    StringBuilder ts = new StringBuilder();
    for (int i = 0; i < sizes.size(); i++) {
      sz.append(i == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%,d", sizes.get(i)));
      ts.append(i == 0 ? "" : " / ").append(f(t[i]));
    }
    double k = exponent(sizes.get(0), t[0], sizes.get(sizes.size() - 1), t[t.length - 1]);
    out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f |%n", against, what, sz, ts, k);
  }

  static void goals(List<Row> rows, String jdk, double bw, PrintStream out) {
    out.printf(Locale.ROOT, "%n### Goals, %s%n%n", shortJdk(jdk));
    double l2 =
        find(
            rows, jdk, "LevelBenchmark.step", at("128256", "1").and(x -> x.p("level").equals("2")));
    if (!Double.isNaN(l2)) {
      out.printf(
          Locale.ROOT,
          "- full pipeline at level 2, vocab 128,256, batch 1: %s µs median (goal ≤ 25): %s%n",
          f(l2),
          l2 <= 25 ? "met" : "MISSED");
    }
    Predicate<Row> at = at("128256", "1");
    double kgw =
        find(rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals("kgw")));
    double check =
        find(rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals("check")));
    double floor = find(rows, jdk, "FloorBenchmark.rowReadWrite", at);
    double dram = 8.0 * 128256 / (bw * 1e9) * 1e6;
    if (!Double.isNaN(kgw - check)) {
      out.printf(
          Locale.ROOT,
          "- watermark step at vocab 128,256: %s µs, %.2f× the floor of one read and one write at"
              + " the measured memory bandwidth (%s µs; goal ≤ 2×): %s; %.1f× an in-cache pass"
              + " (%s µs)%n",
          f(kgw - check),
          (kgw - check) / dram,
          f(dram),
          (kgw - check) <= 2 * dram ? "met" : "MISSED",
          (kgw - check) / floor,
          f(floor));
    }
    double worst = 0;
    for (Row r : rows) {
      if (r.jdk().equals(jdk)
          && (r.benchmark().equals("LevelBenchmark.step")
              || r.benchmark().equals("ComponentBenchmark.step"))) {
        worst = Math.max(worst, r.bytesPerOp() / r.ip("batch"));
      }
    }
    out.printf(
        Locale.ROOT,
        "- allocation per token: at most %s B (JMH's gc.alloc.rate.norm over a whole step,"
            + " its own bookkeeping included)%n",
        f(worst));
  }

  static String cpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the architecture will do
    }
    return System.getProperty("os.arch");
  }

  // ---------------------------------------------------------------------------------------------
  // Plot

  static void plot(
      List<Row> rows,
      SortedSet<String> jdks,
      SortedSet<Integer> vocabs,
      SortedSet<Integer> batches,
      Path png)
      throws IOException {
    List<Chart<?, ?>> charts = new ArrayList<>();
    // 1. per token against vocabulary, batch 1.
    XYChart byVocab = chart("Per token against vocabulary (batch 1)", "vocabulary", "µs per token");
    XYChart byBatch = chart("Per token against batch (vocab 128,256)", "batch", "µs per token");
    XYChart sessions = chart("Request start against live accounts", "live accounts", "µs");
    XYChart prompt = chart("Request start against prompt length", "prompt tokens", "µs");
    XYChart policy = chart("Against policy size", "tiers", "µs");
    XYChart comps = chart("Components' own cost per token (batch 1)", "vocabulary", "µs per token");
    for (String jdk : jdks) {
      String j = " (" + shortJdk(jdk) + ")";
      for (String l : LEVELS) {
        add(
            byVocab,
            "level " + l + j,
            vocabs,
            v ->
                find(
                    rows,
                    jdk,
                    "LevelBenchmark.step",
                    at("" + v, "1").and(x -> x.p("level").equals(l))));
        add(
            byBatch,
            "level " + l + j,
            batches,
            b ->
                find(
                        rows,
                        jdk,
                        "LevelBenchmark.step",
                        at("128256", "" + b).and(x -> x.p("level").equals(l)))
                    / b);
      }
      add(
          byVocab,
          "floor in cache" + j,
          vocabs,
          v -> find(rows, jdk, "FloorBenchmark.rowReadWrite", at("" + v, "1")));
      add(
          byBatch,
          "floor in cache" + j,
          batches,
          b -> find(rows, jdk, "FloorBenchmark.rowReadWrite", at("128256", "" + b)) / b);
      for (String c : COMPONENTS) {
        add(
            comps,
            c + j,
            vocabs,
            v -> {
              Predicate<Row> at = at("" + v, "1");
              return find(
                      rows, jdk, "ComponentBenchmark.step", at.and(x -> x.p("component").equals(c)))
                  - find(
                      rows,
                      jdk,
                      "ComponentBenchmark.step",
                      at.and(x -> x.p("component").equals("check")));
            });
      }
      growthSeries(rows, jdk, "SessionsBenchmark", "sessions", sessions, j);
      growthSeries(rows, jdk, "PromptBenchmark", "promptTokens", prompt, j);
      growthSeries(rows, jdk, "PolicyBenchmark", "tiers", policy, j);
    }
    for (XYChart c : List.of(byVocab, byBatch, comps, sessions, prompt, policy)) {
      if (!c.getSeriesMap().isEmpty()) {
        charts.add(c);
      }
    }
    int cols = Math.min(3, charts.size());
    int rowsN = (charts.size() + cols - 1) / cols;
    while (charts.size() < rowsN * cols) {
      charts.add(chart("", "", ""));
    }
    String name = png.toString().replaceAll("\\.png$", "");
    BitmapEncoder.saveBitmap(charts, rowsN, cols, name, BitmapEncoder.BitmapFormat.PNG);
  }

  private static void growthSeries(
      List<Row> rows, String jdk, String bench, String param, XYChart chart, String j) {
    for (String method : new String[] {"requestStart", "token", "load"}) {
      TreeMap<Integer, Double> s = new TreeMap<>();
      for (Row r : rows) {
        if (r.jdk().equals(jdk) && r.benchmark().equals(bench + "." + method)) {
          s.put(r.ip(param), r.median());
        }
      }
      if (s.size() >= 2) {
        chart
            .addSeries(
                method + j,
                s.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                s.values().stream().mapToDouble(Double::doubleValue).toArray())
            .setMarker(SeriesMarkers.CIRCLE);
      }
    }
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c =
        new XYChartBuilder()
            .width(640)
            .height(420)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    c.getStyler().setXAxisLogarithmic(true);
    c.getStyler().setYAxisLogarithmic(true);
    c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    c.getStyler()
        .setLegendFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 9));
    return c;
  }

  private static void add(
      XYChart chart,
      String name,
      SortedSet<Integer> sizes,
      java.util.function.IntToDoubleFunction value) {
    Map<Double, Double> pts = new LinkedHashMap<>();
    for (int s : sizes) {
      double v = value.applyAsDouble(s);
      if (!Double.isNaN(v) && v > 0) {
        pts.put((double) s, v);
      }
    }
    if (pts.size() >= 2) {
      chart
          .addSeries(
              name,
              pts.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
              pts.values().stream().mapToDouble(Double::doubleValue).toArray())
          .setMarker(SeriesMarkers.CIRCLE);
    }
  }
}
