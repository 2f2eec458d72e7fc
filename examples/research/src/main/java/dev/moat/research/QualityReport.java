package dev.moat.research;

import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.watermark.WatermarkSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The watermark quality report's sections on the outputs {@code ./moat quality} generated, as
 * Markdown: detection power (with the mean z-score curves it measures on the way), the cost
 * (perplexity), Java statements that still parse, robustness to random token substitution; and the
 * plot of the z-score curves.
 *
 * <p>Not thread-safe: the z-score curves are gathered by {@link #detectionPower} and plotted by
 * {@link #plot}, on one thread.
 */
public final class QualityReport {
  private final OnnxCausalLm model;
  private final BundledText text;
  private final Map<String, WatermarkSpec> schemes;
  private final List<String> tierNames;
  private final int[][] prompts;
  private final boolean[] isJava;
  private final int[][][] outputs;
  private final int maxLen;
  private final int vocab;
  private final Map<String, double[]> zCurves = new LinkedHashMap<>();
  private final int[] curveLengths;

  /**
   * A report on {@code outputs[tier][prompt]}, the tiers being {@code tierNames} (the schemes', in
   * order, then {@code none}); the outputs up to {@code maxLen} tokens.
   */
  public QualityReport(
      OnnxCausalLm model,
      BundledText text,
      Map<String, WatermarkSpec> schemes,
      List<String> tierNames,
      int[][] prompts,
      boolean[] isJava,
      int[][][] outputs,
      int maxLen) {
    this.model = model;
    this.text = text;
    this.schemes = schemes;
    this.tierNames = tierNames;
    this.prompts = prompts;
    this.isJava = isJava;
    this.outputs = outputs;
    this.maxLen = maxLen;
    this.vocab = model.config().vocabSize();
    this.curveLengths = new int[maxLen / 10];
    for (int i = 0; i < curveLengths.length; i++) {
      curveLengths[i] = 10 * (i + 1);
    }
  }

  /**
   * Detection power: TPR and FPR at 1% and 0.1% per scheme and length; each scheme's mean z-score
   * curve (and the unwatermarked output's under the first scheme) kept for {@link #plot}.
   */
  public String detectionPower() throws Exception {
    StringBuilder md = new StringBuilder();
    md.append(
        "## Detection power\n\nTPR = watermarked outputs with exact p <= alpha; FPR = unwatermarked"
            + " outputs with p <= alpha under the same detector (should be about alpha or less). Each"
            + " (context, token) pair is scored once (repeated n-grams ignored); the last column scores"
            + " every token instead, which is what inflates false positives on repetitive text. n ="
            + " outputs with at least that many tokens (generation stops early at end-of-text).\n\n");
    md.append(
        "| scheme | tokens | n (wm / plain) | TPR @ 1% | TPR @ 0.1% | FPR @ 1% | FPR @ 0.1% |"
            + " FPR @ 1%, every token |\n|---|---|---|---|---|---|---|---|\n");
    int none = tierNames.indexOf("none");
    for (int s = 0; s < schemes.size(); s++) {
      String name = tierNames.get(s);
      WatermarkSpec spec = Objects.requireNonNull(schemes.get(name), name);
      QualityScorer scorer = new QualityScorer(spec, model, true);
      QualityScorer everyToken = new QualityScorer(spec, model, false);
      for (int len : QualityRuns.LENGTHS) {
        if (len > maxLen) {
          continue;
        }
        double[] pos = scorer.pValues(prompts, outputs[s], len);
        double[] neg = scorer.pValues(prompts, outputs[none], len);
        double[] negAll = everyToken.pValues(prompts, outputs[none], len);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d / %d | %s | %s | %s | %s | %s |%n",
                name,
                len,
                pos.length,
                neg.length,
                rate(pos, 0.01),
                rate(pos, 0.001),
                rate(neg, 0.01),
                rate(neg, 0.001),
                rate(negAll, 0.01)));
      }
      zCurves.put(name, scorer.meanZ(prompts, outputs[s], curveLengths));
      if (s == 0) {
        zCurves.put(
            "unwatermarked (kgw detector)", scorer.meanZ(prompts, outputs[none], curveLengths));
      }
    }
    return md.toString();
  }

  /** Cost: perplexity of the output under the model itself. */
  public String cost() throws Exception {
    StringBuilder md = new StringBuilder();
    md.append(
        """

        ## Cost: perplexity of the output under the model itself

        Lower is more fluent; the distortion-free scheme should match unwatermarked output.

        | output | all prompts | English prompts | Java prompts |
        |---|---|---|---|
        """);
    for (int t = 0; t < tierNames.size(); t++) {
      double[] ppl = QualityRuns.perplexity(model, prompts, outputs[t], isJava);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.2f | %.2f |%n",
              tierNames.get(t),
              ppl[0],
              ppl[1],
              ppl[2]));
    }
    return md.toString();
  }

  /** Code: do Java statements survive the watermark? */
  public String code() {
    StringBuilder md = new StringBuilder();
    md.append(
        "\n## Code: Java statements that still parse\n\nFor the Java prompts, every output line that ends"
            + " with `;` is parsed as a Java statement (JavaParser); the share that parses. The model is"
            + " small, so whole outputs rarely form compilable code with or without a watermark; single"
            + " statements show whether the watermark breaks syntax.\n\n"
            + "| output | statements | parse |\n|---|---|---|\n");
    for (int t = 0; t < tierNames.size(); t++) {
      int[] parsed = statementsParsing(text, prompts, outputs[t], isJava);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s |%n",
              tierNames.get(t),
              parsed[1],
              parsed[1] == 0
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.3f", parsed[0] / (double) parsed[1])));
    }
    return md.toString();
  }

  /** Robustness: random token substitution, then detection. */
  public String robustness() throws Exception {
    StringBuilder md = new StringBuilder();
    md.append(
        "\n## Robustness: random token substitution\n\nEach generated token replaced by a uniformly random "
            + "token with the given probability (seeded), then detected; outputs of at least "
            + Math.min(200, maxLen)
            + " tokens.\n\n| scheme | substituted | TPR @ 1% | TPR @ 0.1% |\n|---|---|---|---|\n");
    int robustLen = Math.min(200, maxLen);
    for (int s = 0; s < schemes.size(); s++) {
      QualityScorer scorer =
          new QualityScorer(
              Objects.requireNonNull(schemes.get(tierNames.get(s)), "scheme"), model, true);
      for (double frac : new double[] {0, 0.10, 0.25}) {
        int[][] attacked = substitute(outputs[s], frac, vocab, 77);
        double[] pos = scorer.pValues(prompts, attacked, robustLen);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.0f%% | %s | %s |%n",
                tierNames.get(s),
                frac * 100,
                rate(pos, 0.01),
                rate(pos, 0.001)));
      }
    }
    md.append(
        "\nTruncation is the token-count axis of the detection table: the first 25, 50 and 100 tokens "
            + "of each output are a truncated copy.\n");
    return md.toString();
  }

  /** The z-score curves against tokens, {@code z-vs-tokens.png} in {@code outDir}. */
  public void plot(Path outDir) throws java.io.IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(520)
            .title("z-score against tokens scored")
            .xAxisTitle("generated tokens")
            .yAxisTitle("mean z-score over prompts")
            .build();
    double[] x = new double[curveLengths.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = curveLengths[i];
    }
    zCurves.forEach((name, y) -> chart.addSeries(name, x, y));
    BitmapEncoder.saveBitmap(
        chart, outDir.resolve("z-vs-tokens").toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static String rate(double[] pValues, double alpha) {
    if (pValues.length == 0) {
      return "n/a";
    }
    int hit = 0;
    for (double p : pValues) {
      hit += p <= alpha ? 1 : 0;
    }
    return String.format(Locale.ROOT, "%.3f", hit / (double) pValues.length);
  }

  /** {parsed, total} statement lines over the Java prompts' outputs. */
  private static int[] statementsParsing(
      BundledText text, int[][] prompts, int[][] outputs, boolean[] isJava) {
    com.github.javaparser.JavaParser parser = new com.github.javaparser.JavaParser();
    int ok = 0;
    int total = 0;
    for (int p = 0; p < prompts.length; p++) {
      if (!isJava[p] || outputs[p].length == 0) {
        continue;
      }
      for (String line : text.decode(outputs[p]).split("\n", 0)) {
        String st = line.strip();
        if (st.length() < 3 || !st.endsWith(";") || st.startsWith("*") || st.startsWith("//")) {
          continue;
        }
        total++;
        if (parses(parser, st)) {
          ok++;
        }
      }
    }
    return new int[] {ok, total};
  }

  /**
   * Whether JavaParser accepts {@code statement}. Its error recovery can fail with an {@link
   * AssertionError} on some garbage (JavaParser 3.26.4, e.g. {@code default x}, a line break,
   * {@code .else }/* ;}): that is a statement that does not parse, not a reason to abort the
   * report.
   */
  static boolean parses(com.github.javaparser.JavaParser parser, String statement) {
    try {
      return parser.parseStatement(statement).isSuccessful();
    } catch (RuntimeException | AssertionError e) {
      return false;
    }
  }

  private static int[][] substitute(int[][] outputs, double fraction, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] out = new int[outputs.length][];
    for (int p = 0; p < outputs.length; p++) {
      out[p] = outputs[p].clone();
      for (int i = 0; i < out[p].length; i++) {
        if (r.nextDouble() < fraction) {
          out[p][i] = r.nextInt(vocab);
        }
      }
    }
    return out;
  }
}
