package dev.moat.examples;

import dev.moat.detect.Detector;
import dev.moat.detect.Features;
import dev.moat.detect.MlpModel;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import dev.moat.detect.VerdictModel;
import dev.moat.examples.cli.Range;
import dev.moat.onnxruntime.ProbeModelOnnx;
import dev.moat.research.MlpTrainer;
import dev.moat.research.Replay;
import dev.moat.research.sim.Population;
import dev.moat.research.sim.TrafficSimulator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./moat train-detector}: trains the bundled probing classifier from simulated traffic and
 * writes it as the plugin's JSON model and its ONNX export. Training seeds, a validation seed for
 * the threshold, and nothing else: the scenarios the README reports on are never seen. Not
 * thread-safe: picocli sets its options.
 */
@Command(
    name = "train-detector",
    description = {
      "Train the bundled probing classifier from simulated traffic.",
      "Writes the plugin's JSON model and its ONNX export."
    })
final class TrainDetectorCommand implements Callable<Integer> {
  @Option(names = "--out-model", paramLabel = "FILE", description = "Default: ${DEFAULT-VALUE}.")
  Path modelOut = Path.of("plugin/core/src/main/resources/dev/moat/detect/probe-model.json");

  @Option(names = "--out-onnx", paramLabel = "FILE", description = "Default: ${DEFAULT-VALUE}.")
  Path onnxOut =
      Path.of(
          "model-adapters/onnxruntime/src/main/resources/dev/moat/onnxruntime/probe-model.onnx");

  @Option(
      names = "--train-seeds",
      paramLabel = "SEED,...",
      description = "Training seeds (default: ${DEFAULT-VALUE}).")
  String trainSeeds = "101,102";

  @Option(names = "--validation-seed", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
  long validation = 103;

  @Option(
      names = "--days",
      paramLabel = "X",
      description = "Days simulated per seed (default: ${DEFAULT-VALUE}).")
  @Range(min = 1, max = 60)
  double days = 7;

  @Option(
      names = "--hidden",
      paramLabel = "N",
      description = "Hidden units (default: ${DEFAULT-VALUE}).")
  long hiddenUnits = 16;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description = "Training epochs (default: ${DEFAULT-VALUE}).")
  long epochCount = 30;

  private final PrintStream out;

  TrainDetectorCommand(PrintStream out) {
    this.out = out;
  }

  /** Benign accounts flagged at most, overall and within each benign population, on validation. */
  static final double MAX_BENIGN = 0.0005;

  static final double MAX_BENIGN_PER_POPULATION = 0.005;

  private static final long START = Instant.parse("2026-04-22T00:00:00Z").toEpochMilli();

  /** A model that never flags: for collecting features before there is a model. */
  static final VerdictModel NONE =
      new VerdictModel() {
        @Override
        public int inputs() {
          return Features.COUNT;
        }

        @Override
        public float score(float[] features) {
          return 0;
        }

        @Override
        public float threshold() {
          return 0.999999f;
        }
      };

  /** Whether the n-th request of an account is a training snapshot: 1-8, 12, 16, 24, 32, 48... */
  static boolean snapshot(long n) {
    return n <= 8 || (n & (n - 1)) == 0 || n % Math.max(1, Long.highestOneBit(n) / 2) == 0;
  }

  @Override
  public Integer call() throws Exception {
    long[] seeds =
        Arrays.stream(trainSeeds.split(",", 0)).mapToLong(s -> Long.parseLong(s.strip())).toArray();
    int hidden = (int) hiddenUnits;
    int epochs = (int) epochCount;
    List<Population> pops = SimulateCommand.scenario("mixed", 1);

    // 1. Features at snapshots of every account's history, on the training seeds: each seed once
    // with every field and once without optional metadata (alternately all of it, or the account's
    // age and client), since traces from other sources often lack them.
    Data d = new Data();
    for (int run = 0; run < 2 * seeds.length; run++) {
      long seed = seeds[run / 2];
      int strip = run % 2 == 0 ? 0 : (run / 2) % 2 == 0 ? 2 : 1;
      TrafficSimulator sim = new TrafficSimulator(seed, START, days, pops);
      Map<String, String> labels = labels(sim);
      Map<String, Integer> popIndex = new HashMap<>();
      for (int p = 0; p < pops.size(); p++) {
        popIndex.put(pops.get(p).name(), p);
      }
      Replay.Clock clock = new Replay.Clock();
      try (Detector det = Detector.builder().model(NONE).clock(clock).build()) {
        Replay.Outcome o =
            Replay.run(
                () -> sim.hasNext() ? strip(sim.next().record(), strip) : null,
                det,
                clock,
                null,
                1,
                (r, v, x) -> {
                  if (snapshot(v.requests())) {
                    String pop = Objects.requireNonNull(labels.get(r.account()), "label");
                    d.add(
                        x,
                        pop.startsWith("campaign"),
                        Objects.requireNonNull(popIndex.get(pop), pop));
                  }
                });
        out.printf(
            Locale.ROOT,
            "seed %d%s: %,d requests, %,d accounts, %,d snapshots so far (%.1f s)%n",
            seed,
            strip == 0 ? "" : strip == 1 ? " without age and client" : " without optional fields",
            o.requests(),
            o.verdicts().size(),
            d.rows,
            o.seconds());
      }
    }

    // 2. Weights: each population the same total, benign 60% and campaigns 40% of the whole.
    double[] popTotal = new double[pops.size()];
    for (int r = 0; r < d.rows; r++) {
      popTotal[d.pop[r]]++;
    }
    long benignPops = pops.stream().filter(p -> !p.campaign()).count();
    long campaignPops = pops.size() - benignPops;
    double[] weight = new double[d.rows];
    float[] reference = new float[Features.COUNT];
    double refTotal = 0;
    for (int r = 0; r < d.rows; r++) {
      boolean campaign = pops.get(d.pop[r]).campaign();
      weight[r] = (campaign ? 0.4 / campaignPops : 0.6 / benignPops) / popTotal[d.pop[r]];
      if (!campaign) {
        for (int i = 0; i < Features.COUNT; i++) {
          reference[i] += (float) (weight[r] * d.x[r * Features.COUNT + i]);
        }
        refTotal += weight[r];
      }
    }
    for (int i = 0; i < Features.COUNT; i++) {
      reference[i] = (float) (reference[i] / refTotal);
    }

    // Augmentation: every row again with its prompt cues replaced by a typical benign account's,
    // so that the model also learns to tell campaigns by behaviour and linking, not wording alone.
    int original = d.rows;
    for (int r = 0; r < original; r++) {
      float[] row = Arrays.copyOfRange(d.x, r * Features.COUNT, (r + 1) * Features.COUNT);
      for (int f = Features.COT; f <= Features.CODE_ATTACHED; f++) {
        row[f] = reference[f];
      }
      d.add(row, d.y[r] == 1, d.pop[r]);
    }
    weight = Arrays.copyOf(weight, d.rows);
    for (int r = original; r < d.rows; r++) {
      weight[r] = 0.5 * weight[r - original];
    }

    // 3. Fit.
    long t0 = System.nanoTime();
    MlpTrainer trainer = new MlpTrainer(hidden, 2026);
    double loss =
        trainer.fit(
            Arrays.copyOf(d.x, d.rows * Features.COUNT),
            Arrays.copyOf(d.y, d.rows),
            weight,
            epochs,
            256,
            3e-3,
            7);
    out.printf(
        Locale.ROOT,
        "trained %d-%d-1 on %,d snapshots, %d epochs: loss %.4f (%.1f s)%n",
        Features.COUNT,
        hidden,
        d.rows,
        epochs,
        loss,
        (System.nanoTime() - t0) / 1e9);

    // 4. Threshold on the validation seed, with and without optional fields: the higher of the two.
    MlpModel provisional = trainer.model(0.5f, reference, Map.of());
    float threshold = 0;
    for (int strip : new int[] {0, 2}) {
      TrafficSimulator sim = new TrafficSimulator(validation, START, days, pops);
      Map<String, String> labels = labels(sim);
      Map<String, float[]> maxScore = new HashMap<>();
      Replay.Clock clock = new Replay.Clock();
      try (Detector det = Detector.builder().model(provisional).clock(clock).build()) {
        Replay.run(
            () -> sim.hasNext() ? strip(sim.next().record(), strip) : null,
            det,
            clock,
            null,
            1,
            (TraceRecord r, Verdict v, float[] x) -> {
              float[] m = maxScore.computeIfAbsent(r.account(), k -> new float[1]);
              if (v.requests() >= 2) { // the detector never flags on a first request's score alone
                m[0] = Math.max(m[0], v.score());
              }
            });
      }
      out.print(strip == 0 ? "  every field: " : "  no optional fields: ");
      threshold = Math.max(threshold, threshold(maxScore, labels, out));
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("trained_by", "./moat train-detector");
    meta.put("scenario", "mixed, scale 1, " + days + " days");
    meta.put("train_seeds", Arrays.toString(seeds) + ", each with and without optional fields");
    meta.put("validation_seed", validation);
    meta.put("snapshots", d.rows);
    meta.put("epochs", epochs);
    meta.put("loss", Math.round(loss * 1e5) / 1e5);
    MlpModel model = trainer.model(threshold, reference, meta);
    Files.createDirectories(modelOut.toAbsolutePath().getParent());
    model.save(modelOut);
    Files.createDirectories(onnxOut.toAbsolutePath().getParent());
    Files.write(onnxOut, ProbeModelOnnx.export(model));
    out.printf(Locale.ROOT, "threshold %.4f; wrote %s and %s%n", threshold, modelOut, onnxOut);
    return 0;
  }

  /**
   * The lowest threshold on a grid (0.5 to 0.999) at which at most {@link #MAX_BENIGN} of benign
   * accounts, and {@link #MAX_BENIGN_PER_POPULATION} of each benign population, reach it.
   */
  static float threshold(
      Map<String, float[]> maxScore, Map<String, String> labels, PrintStream out) {
    List<Float> grid = new ArrayList<>();
    for (int i = 50; i < 99; i++) {
      grid.add(i / 100f);
    }
    grid.addAll(List.of(0.99f, 0.993f, 0.995f, 0.997f, 0.998f, 0.999f));
    for (float t : grid) {
      Map<String, long[]> by = new HashMap<>();
      long benign = 0;
      long benignFlagged = 0;
      long campaign = 0;
      long campaignFlagged = 0;
      for (Map.Entry<String, float[]> e : maxScore.entrySet()) {
        String pop = Objects.requireNonNull(labels.get(e.getKey()), "label");
        boolean hit = e.getValue()[0] >= t;
        long[] c = by.computeIfAbsent(pop, k -> new long[2]);
        c[0]++;
        c[1] += hit ? 1 : 0;
        if (pop.startsWith("campaign")) {
          campaign++;
          campaignFlagged += hit ? 1 : 0;
        } else {
          benign++;
          benignFlagged += hit ? 1 : 0;
        }
      }
      boolean ok = benignFlagged <= MAX_BENIGN * benign;
      for (Map.Entry<String, long[]> e : by.entrySet()) {
        if (!e.getKey().startsWith("campaign")) {
          ok &= e.getValue()[1] <= MAX_BENIGN_PER_POPULATION * e.getValue()[0];
        }
      }
      if (ok || t == grid.get(grid.size() - 1)) {
        out.printf(
            Locale.ROOT,
            "validation at threshold %.3f: benign flagged %d of %d, campaign flagged %d of %d%n",
            t,
            benignFlagged,
            benign,
            campaignFlagged,
            campaign);
        return t;
      }
    }
    throw new AssertionError("unreachable");
  }

  /**
   * The record without optional metadata: level 1 drops the account's creation time and the client;
   * level 2 also the temperature, conversation, turn and tier.
   */
  static TraceRecord strip(TraceRecord r, int level) {
    if (level == 0) {
      return r;
    }
    boolean all = level >= 2;
    return new TraceRecord(
        r.ts(),
        r.account(),
        -1,
        all ? "" : r.tier(),
        null,
        all ? null : r.conversation(),
        all ? -1 : r.turn(),
        r.system(),
        r.prompt(),
        r.maxTokens(),
        all ? -1 : r.temperature(),
        r.topLogprobs(),
        r.outputTokens());
  }

  private static Map<String, String> labels(TrafficSimulator sim) {
    Map<String, String> labels = new HashMap<>();
    for (String[] l : sim.labels()) {
      labels.put(l[0], l[1]);
    }
    return labels;
  }

  /** Growable training rows. */
  static final class Data {
    float[] x = new float[1 << 16];
    byte[] y = new byte[(1 << 16) / Features.COUNT];
    int[] pop = new int[y.length];
    int rows;

    void add(float[] features, boolean campaign, int population) {
      if (rows == y.length) {
        y = Arrays.copyOf(y, rows * 2);
        pop = Arrays.copyOf(pop, rows * 2);
      }
      if ((rows + 1) * Features.COUNT > x.length) {
        x = Arrays.copyOf(x, x.length * 2);
      }
      System.arraycopy(features, 0, x, rows * Features.COUNT, Features.COUNT);
      y[rows] = (byte) (campaign ? 1 : 0);
      pop[rows] = population;
      rows++;
    }
  }
}
