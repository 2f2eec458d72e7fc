package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.research.AdversaryExperiment;
import dev.moat.research.AdversaryTeacher;
import dev.moat.research.NgramLm;
import dev.moat.research.QualityRuns;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code ./moat radioactivity --adversary}: builds the teacher from the bundled model, harvests
 * through Moat for each defence asked for, runs {@link AdversaryExperiment} on each and writes
 * {@code ADVERSARY.md}. The options are the radioactivity command's (a picocli mixin).
 *
 * <p>Not thread-safe: picocli sets its options.
 */
final class AdversaryCommand {
  @Option(
      names = "--adversary",
      description = "Run the adversary experiment instead (a distiller who scrubs; ADVERSARY.md).")
  boolean asked;

  @Option(
      names = "--sizes",
      paramLabel = "N,...",
      description = "Adversary: harvest sizes N, answers per defence (default: ${DEFAULT-VALUE}).")
  String sizeList = "1000,3000,10000,30000,100000";

  @Option(
      names = "--answer-tokens",
      paramLabel = "N",
      description = "Adversary: tokens per answer (default: ${DEFAULT-VALUE}).")
  @Range(min = 8, max = 200)
  int answerTokens = 48;

  @Option(
      names = "--suspect-tokens",
      paramLabel = "N",
      description =
          "Adversary: tokens each student writes for the test (default: ${DEFAULT-VALUE}).")
  @Range(min = 1_000, max = 1_000_000)
  int suspectTokens = 100_000;

  @Option(
      names = "--teacher-answers",
      paramLabel = "N",
      description =
          "Adversary: bundled-model answers the trigram teacher is fitted to (default: ${DEFAULT-VALUE}).")
  @Range(min = 50, max = 100_000)
  int teacherAnswers = 1_500;

  @Option(
      names = "--eval-answers",
      paramLabel = "N",
      description = "Adversary: held-out clean answers for the cost (default: ${DEFAULT-VALUE}).")
  @Range(min = 50, max = 100_000)
  int evalAnswers = 2_000;

  @Option(
      names = "--scrub-max",
      paramLabel = "N",
      description = "Adversary: scrubs run only for N up to this (default: ${DEFAULT-VALUE}).")
  @Range(min = 10, max = 1_000_000)
  int scrubMaxOption = 30_000;

  @Option(
      names = "--schemes",
      paramLabel = "ID,...",
      description = "Adversary: the defences (default: all of AdversaryExperiment's).")
  @Nullable String schemeList;

  int run(int threads, Path outDir, PrintStream out, PrintStream err) throws Exception {
    int[] sizes =
        Arrays.stream(sizeList.split(",", 0))
            .mapToInt(s -> Integer.parseInt(s.strip()))
            .sorted()
            .toArray();
    if (sizes.length == 0 || sizes[0] < 10 || sizes[sizes.length - 1] > 1_000_000) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid(
              "--sizes", sizeList, "a comma-separated list of sizes in [10, 1000000]"));
    }
    int len = answerTokens;
    int eval = evalAnswers;
    int scrubMax = scrubMaxOption;
    List<AdversaryExperiment.Config> configs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (AdversaryExperiment.Config c : AdversaryExperiment.configs()) {
      ids.add(c.id());
    }
    for (String id : (schemeList != null ? schemeList : String.join(",", ids)).split(",", -1)) {
      AdversaryExperiment.Config c =
          AdversaryExperiment.configs().stream()
              .filter(x -> x.id().equals(id.strip()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          dev.moat.policy.Problems.invalid(
                              "--schemes", id.strip(), "a comma-separated list of " + ids)));
      configs.add(c);
    }
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    int nMax = sizes[sizes.length - 1];
    int distinctPrompts = Math.min(nMax + eval, 5_000);
    int suspectPrompts = suspectTokens / 100;
    WatermarkKey key = QualityRuns.KEY;
    StringBuilder md = new StringBuilder();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled()) {
      int vocab = model.config().vocabSize();
      int bos = model.config().bosTokenId();
      int[][] prompts = new int[distinctPrompts + suspectPrompts][];
      for (int p = 0; p < prompts.length; p++) {
        prompts[p] = text.encode(dev.moat.research.sim.Prompts.campaignPrompt(p), bos);
      }
      err.printf(Locale.ROOT, "teacher: %d bundled-model answers%n", teacherAnswers);
      List<int[][]> bundled =
          AdversaryTeacher.bundledAnswers(model, prompts, teacherAnswers, 96, threads);
      int fit = teacherAnswers * 9 / 10;
      List<int[]> fitTexts = new ArrayList<>();
      List<int[]> heldOut = new ArrayList<>();
      for (int i = 0; i < bundled.size(); i++) {
        (i < fit ? fitTexts : heldOut)
            .add(AdversaryTeacher.withTwo(bundled.get(i)[0], bundled.get(i)[1]));
      }
      NgramLm teacher = new NgramLm(vocab, fitTexts);
      double bundledEntropy =
          AdversaryTeacher.meanEntropy(model, bundled.subList(fit, bundled.size()));
      double teacherEntropy = AdversaryTeacher.meanEntropy(teacher, heldOut);
      md.append(
          String.format(
              Locale.ROOT,
              "Teacher: an interpolated trigram model fitted to %,d answers of the bundled model"
                  + " (96 tokens each, temperature 1, campaign prompts). On %,d held-out bundled"
                  + " answers its perplexity is %.1f, and its mean next-token entropy %.2f nats"
                  + " against the bundled model's %.2f at the same positions. Harvests: answers"
                  + " of %d tokens at temperature 1 through Moat's pipeline, to %,d distinct"
                  + " campaign prompts (repeated with new seeds). Students: the same trigram"
                  + " model fitted to the harvest. Suspect text: %,d tokens (100 per prompt,"
                  + " continuing %,d other campaign prompts); black-box test de-duplicated and"
                  + " filtered to the harvest's contexts, as in RESULTS.md.%n%n",
              fit,
              heldOut.size(),
              teacher.perplexity(heldOut, 2),
              teacherEntropy,
              bundledEntropy,
              len,
              distinctPrompts,
              suspectTokens,
              suspectPrompts));
      AdversaryExperiment x =
          new AdversaryExperiment(vocab, teacher, prompts, suspectPrompts, len, key, eval);
      err.println("harvest: clean");
      int[][] clean = x.harvest(null, nMax + eval, threads);
      Map<String, String> recovery = new LinkedHashMap<>();
      StringBuilder scrubs = new StringBuilder();
      for (AdversaryExperiment.Config c : configs) {
        err.println("harvest: " + c.name());
        int[][] marked = x.harvest(c, nMax + eval, threads);
        x.evaluate(c, marked, clean, sizes, scrubMax, recovery, scrubs, err);
      }
      md.append(recoveryTable(sizes, recovery, eval));
      md.append(scrubs);
    }
    String report =
        String.format(
            Locale.ROOT,
            "%s%n(%d s in all; `./moat radioactivity --adversary --sizes %s --scrub-max %d"
                + " --schemes %s`)%n",
            md,
            (System.nanoTime() - t0) / 1_000_000_000L,
            sizeList,
            scrubMax,
            String.join(",", configs.stream().map(AdversaryExperiment.Config::id).toList()));
    out.print(report);
    Files.writeString(outDir.resolve("ADVERSARY.md"), report);
    return 0;
  }

  private static String recoveryTable(int[] sizes, Map<String, String> rows, int eval) {
    StringBuilder t =
        new StringBuilder(
            String.format(
                    Locale.ROOT,
                    "### How well the attacker recovers the green lists%n%nOn %,d",
                    eval)
                + " held-out watermarked"
                + " answers: the share of tokens whose green or red status the attacker calls right"
                + " (a token is called green when it came up after its context in the harvest more"
                + " often than in the reference answers, by at least 2 standard errors; the context"
                + " is the scheme's, up to two tokens: for h = 4, the last two of the four), and in brackets the share of the"
                + " truly green tokens it calls green. Calling every token red scores the share of"
                + " red tokens, about 0.3 on watermarked text.\n\n| scheme |");
    for (int n : sizes) {
      t.append(String.format(Locale.ROOT, " N = %,d |", n));
    }
    t.append("\n|---|");
    t.append("---|".repeat(sizes.length)).append('\n');
    rows.forEach((k, v) -> t.append("| ").append(k).append(" |").append(v).append('\n'));
    return t.append('\n').toString();
  }
}
