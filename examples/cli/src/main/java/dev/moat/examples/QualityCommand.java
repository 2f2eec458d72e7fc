package dev.moat.examples;

import static dev.moat.research.QualityRuns.ENGLISH;
import static dev.moat.research.QualityRuns.JAVA;
import static dev.moat.research.QualityRuns.KEY;
import static dev.moat.research.QualityRuns.isJava;
import static dev.moat.research.QualityRuns.prompts;
import static dev.moat.research.QualityRuns.schemes;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.examples.cli.Range;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.research.QualityReport;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./moat quality}: the watermark quality report on the bundled model. For each scheme, and
 * for unwatermarked output as the negatives, generates a continuation of every prompt, then reports
 * detection power (true-positive rate at 1% and 0.1% false-positive rate, from each scheme's exact
 * p-values, with the false-positive rate measured on the negatives), the cost (perplexity of the
 * output scored by the model itself), robustness (random token substitution), and a plot of the
 * z-score against the number of tokens. This class generates the outputs; {@link QualityReport}
 * writes the report's sections on them, each scheme's detector run by its {@code QualityScorer}.
 */
@Command(
    name = "quality",
    description = {
      "The watermark quality report on the bundled model.",
      "Detection power at 1%% and 0.1%% FPR for 25-200 tokens per scheme, perplexity cost,"
          + " robustness to token substitution, and a plot."
    })
final class QualityCommand implements Callable<Integer> {
  @Option(
      names = "--prompts",
      paramLabel = "N",
      description = "Prompts (default: ${DEFAULT-VALUE}).")
  @Range(min = 1, max = 100_000)
  int prompts = 500;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      description = "Tokens per continuation (default: ${DEFAULT-VALUE}).")
  @Range(min = 25, max = 240)
  int tokens = 200;

  @Option(
      names = "--temperature",
      paramLabel = "X",
      description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  @Range(min = 0.05, max = 10)
  double temperatureOption = 1.0;

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
  Path outDir = Path.of("examples/quality");

  private final PrintStream out;

  QualityCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    int n = prompts;
    int maxLen = tokens;
    float temperature = (float) temperatureOption;
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled()) {
      int vocab = model.config().vocabSize();
      Map<String, WatermarkSpec> schemes = schemes(vocab);
      List<TierPolicy> tiers = new ArrayList<>();
      schemes.forEach((name, spec) -> tiers.add(TierPolicy.of(name, spec, Set.of())));
      tiers.add(TierPolicy.unprotected("none"));
      Policy policy = Policy.of("quality", tiers.toArray(new TierPolicy[0]));
      List<String> tierNames = new ArrayList<>(schemes.keySet());
      tierNames.add("none");
      int[][] prompts = prompts(model, text, n, 0);
      boolean[] isJava = isJava(n);
      // outputs[tier][prompt]
      int[][][] outputs = new int[tierNames.size()][n][];
      try (Moat moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(KEY)).build()) {
        OnnxGenerator gen = new OnnxGenerator(model);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          List<Future<?>> jobs = new ArrayList<>();
          for (int p = 0; p < n; p++) {
            int pi = p;
            jobs.add(
                pool.submit(
                    () -> {
                      for (int t = 0; t < tierNames.size(); t++) {
                        SamplingParams sp =
                            SamplingParams.builder()
                                .temperature(temperature)
                                .seed(1000L + pi)
                                .maxTokens(maxLen)
                                .build();
                        RequestContext ctx =
                            RequestContext.builder()
                                .account("quality")
                                .tier(tierNames.get(t))
                                .vocabSize(vocab)
                                .prompt("", prompts[pi])
                                .sampling(sp)
                                .build();
                        outputs[t][pi] =
                            gen.generate(prompts[pi], moat.begin(ctx), TokenSink.NONE).tokens();
                      }
                      return null;
                    }));
          }
          for (Future<?> f : jobs) {
            f.get();
          }
        } finally {
          pool.shutdownNow();
        }
      }
      long generated = System.nanoTime();
      StringBuilder md = new StringBuilder();
      md.append("# Watermark quality report (bundled model)\n\n");
      md.append(
          String.format(
              Locale.ROOT,
              "Generated by `./moat quality --prompts %d --tokens %d --temperature %.2f` on %s: %d prompts "
                  + "(half English, half Java openers, %d distinct, each followed by 3 tokens sampled without a watermark so "
                  + "that every prompt is distinct), one continuation per prompt and scheme, "
                  + "temperature %.2f, no top-k/top-p, seed per prompt; %d scheme(s) plus unwatermarked output "
                  + "as negatives, scored by every scheme's own detector. Generation took %.0f s on %d thread(s).%n%n",
              n,
              maxLen,
              temperature,
              java.time.LocalDate.now(java.time.ZoneOffset.UTC),
              n,
              ENGLISH.size() + JAVA.size(),
              temperature,
              schemes.size(),
              (generated - t0) / 1e9,
              threads));
      md.append("Schemes: ")
          .append(String.join("; ", schemes.values().stream().map(Object::toString).toList()))
          .append(".\n\n");

      QualityReport report =
          new QualityReport(model, text, schemes, tierNames, prompts, isJava, outputs, maxLen);
      md.append(report.detectionPower());
      md.append(report.cost());
      md.append(report.code());
      md.append(report.robustness());
      report.plot(outDir);
      md.append(
          "\n![z-score against tokens](z-vs-tokens.png)\n\n(For the exponential scheme the z-score is the "
              + "standardised score sum, (S - n) / sqrt(n).)\n");
      md.append(
          String.format(Locale.ROOT, "%nTotal time %.0f s.%n", (System.nanoTime() - t0) / 1e9));
      Files.writeString(outDir.resolve("QUALITY.md"), md.toString(), StandardCharsets.UTF_8);
      out.print(md);
      out.println(
          "\nwrote " + outDir.resolve("QUALITY.md") + " and " + outDir.resolve("z-vs-tokens.png"));
    }
    return 0;
  }
}
