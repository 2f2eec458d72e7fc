package dev.moat.examples;

import static dev.moat.research.RadioactivitySetup.schemes;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageErrors;
import dev.moat.forensics.Radioactivity;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.research.QualityRuns;
import dev.moat.research.RadioactivityExperiment;
import dev.moat.research.RadioactivityHarvest;
import dev.moat.research.RadioactivitySetup;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat radioactivity}: the distillation-forensics experiment end to end, and the test a
 * model owner brings to a dispute.
 *
 * <ol>
 *   <li>Teacher: the bundled model behind Moat, answering the simulator's campaign prompts once
 *       clean and once under each watermark scheme (the harvest a distiller collects, with the key
 *       id used).
 *   <li>Students: interpolated trigram models trained on mixes with 0%, 1%, 5%, 20% and 100%
 *       watermarked harvest (the rest clean answers to the same prompts).
 *   <li>Black-box test: each student writes continuations of prompts we choose; {@link
 *       Radioactivity#test} scores them (each tuple once; with and without the filter to tuples of
 *       our served output) against the number of suspect tokens.
 *   <li>Control: the clean student tested under 100 keys never used: its p-values must be uniform.
 * </ol>
 *
 * The teacher's step is {@link RadioactivityHarvest}'s, the students' and the control's {@link
 * RadioactivityExperiment}'s (the students trigram models); this class runs them in order and
 * writes the report and its plot.
 *
 * <p>With {@code --suspect FILE} instead: test a file of suspect texts (one per line) against a key
 * ({@link RadioactivitySuspect}).
 */
@Command(
    name = "radioactivity",
    description = {
      "Distillation forensics: was a suspect trained on our output?",
      "Without --suspect, the experiment end to end on the bundled model (harvest, n-gram"
          + " students on 0-100%% watermarked mixes, black-box tests, a 100-key control); writes"
          + " RESULTS.md and a plot. With --adversary, the scrubbing distiller's experiment."
    })
final class RadioactivityCommand implements Callable<Integer> {
  @Option(
      names = "--prompts",
      paramLabel = "N",
      description = "Harvest prompts (default: 600; --suspect URL: 200 prompts sent).")
  @Nullable Integer prompts;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      description = "Tokens per answer (default: 128; --suspect URL: 100).")
  @Nullable Integer tokens;

  @Option(
      names = "--suspect-texts",
      paramLabel = "N",
      description = "Texts per student (default: ${DEFAULT-VALUE}).")
  @Range(min = 10, max = 10_000)
  int suspectTexts = 1000;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Generation threads (default: the processors).")
  @Range(min = 1, max = 64)
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Report directory (default: ${DEFAULT-VALUE}).")
  Path outDir = Path.of("examples/forensics");

  @Option(
      names = "--harvest-out",
      paramLabel = "FILE.jsonl",
      description = "Also write the harvest, with the key id of each answer.")
  @Nullable Path harvestOut;

  @Option(
      names = "--export-harvest",
      paramLabel = "DIR",
      description =
          "Only write the harvest (and the prompts suspects continue) to DIR for students trained"
              + " outside Moat (examples/forensics/students), then stop.")
  @Nullable Path exportHarvest;

  @Option(
      names = "--export-schemes",
      paramLabel = "S,...",
      split = ",",
      description =
          "With --export-harvest: kgw, selfhash, gumbel, adf (the ADF-style fingerprint, detected"
              + " by the KGW h=1 test of the same key), kgw2 (KGW with a two-token context;"
              + " default: kgw).")
  List<String> exportSchemes = List.of("kgw");

  @Mixin RadioactivitySuspect suspect = new RadioactivitySuspect();

  @Mixin AdversaryCommand adversary = new AdversaryCommand();

  private final PrintStream out;
  private final PrintStream err;

  RadioactivityCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    if (suspect.given()) {
      return suspect.run(prompts, tokens, out, err);
    }
    if (exportHarvest != null) {
      return HarvestExport.run(
          exportHarvest,
          exportSchemes,
          UsageErrors.inRange("--prompts", prompts, 600, 20, 20_000),
          UsageErrors.inRange("--tokens", tokens, 128, 20, 200),
          suspectTexts,
          threads,
          out);
    }
    if (adversary.asked) {
      return adversary.run(threads, outDir, out, err);
    }
    int n = UsageErrors.inRange("--prompts", prompts, 600, 20, 20_000);
    int len = UsageErrors.inRange("--tokens", tokens, 128, 20, 200);
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    Map<String, WatermarkSpec> schemes = schemes();
    WatermarkKey key = QualityRuns.KEY;
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1)) {
      int vocab = model.config().vocabSize();
      int bos = model.config().bosTokenId();
      // Harvest prompts (0..n) and the prompts we choose for the black-box test (n..).
      int[][] prompts = new int[n + suspectTexts][];
      try (BundledText text = BundledText.bundled()) {
        for (int p = 0; p < prompts.length; p++) {
          prompts[p] = text.encode(dev.moat.research.sim.Prompts.campaignPrompt(p), bos);
        }
      }
      List<String> harvests = RadioactivityHarvest.names(schemes);
      Map<String, int[][]> harvest =
          RadioactivityHarvest.collect(model, schemes, key, prompts, n, len, threads);
      long harvestSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
      if (harvestOut != null) {
        RadioactivityHarvest.write(harvestOut, harvests, harvest, n, key);
      }
      String cost = RadioactivityHarvest.cost(model, prompts, n, harvests, harvest);

      StringBuilder md = new StringBuilder();
      md.append(
          String.format(
              Locale.ROOT,
              "Harvest: %d campaign prompts answered by the bundled model (temperature 1, up to %d"
                  + " tokens), clean and under each scheme (%d s). Students: interpolated trigrams"
                  + " (0.5 trigram, 0.3 bigram, 0.2 add-one unigram) trained on the mixes. Suspect"
                  + " text: each student's continuations of %d other campaign prompts (temperature 1,"
                  + " %d tokens each). Scores: each (context, token) tuple once.%n%n",
              n,
              len,
              harvestSeconds,
              suspectTexts,
              100));
      RadioactivityExperiment x =
          new RadioactivityExperiment(vocab, prompts, n, suspectTexts, key, schemes, harvest);
      Map<String, double[]> curves = new LinkedHashMap<>();
      String table = x.students(curves);
      // Open weights, a model never trained on the harvest: the bundled model itself (ONNX).
      String onnx = x.untrained(model);
      md.append(table);
      md.append("\n**Cost to users** of each scheme on the harvest:\n\n").append(cost);
      md.append(
          "\n**Open weights, a model never trained on the harvest** (the bundled model itself, run by"
              + " ONNX Runtime, reading 150 of our watermarked answers): its arg-max predictions must"
              + " not look watermarked.\n\n| scheme | log10 p | p | contexts scored |\n|---|---|---|---|\n");
      md.append(onnx);
      // Removal attacks on the inherited watermark.
      md.append(x.removalAttacks());
      // Control: the clean student under 100 keys never used.
      md.append(x.control());

      chart(curves, outDir);
      md.append("\n![log10 p against suspect tokens](radioactivity.png)\n");
      String report =
          String.format(
              Locale.ROOT, "%s%n(%d s in all)%n", md, (System.nanoTime() - t0) / 1_000_000_000L);
      out.print(report);
      Files.writeString(outDir.resolve("RESULTS.md"), report);
    }
    return 0;
  }

  /** The plot of each filtered black-box curve, {@code radioactivity.png} in {@code outDir}. */
  private static void chart(Map<String, double[]> curves, Path outDir) throws java.io.IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title("Radioactivity: log10 p-value against suspect tokens (filtered, de-duplicated)")
            .xAxisTitle("suspect tokens")
            .yAxisTitle("log10 p-value")
            .build();
    chart.getStyler().setXAxisLogarithmic(true);
    double[] x = Arrays.stream(RadioactivitySetup.suspectTokens()).asDoubleStream().toArray();
    curves.forEach(
        (name, y) ->
            chart.addSeries(name, x, Arrays.stream(y).map(v -> Math.max(v, -60)).toArray()));
    BitmapEncoder.saveBitmap(
        chart, outDir.resolve("radioactivity").toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
