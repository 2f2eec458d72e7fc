package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KgwDetector;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * {@code ./moat quality}: the watermark quality report on the bundled model. For each scheme, and
 * for unwatermarked output as the negatives, generates a continuation of every prompt, then reports
 * detection power (true-positive rate at 1% and 0.1% false-positive rate, from each scheme's exact
 * p-values, with the false-positive rate measured on the negatives), the cost (perplexity of the
 * output scored by the model itself), robustness (random token substitution), and a plot of the
 * z-score against the number of tokens.
 */
final class QualityCommand {
  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("prompts", true);
    OPTIONS.put("tokens", true);
    OPTIONS.put("temperature", true);
    OPTIONS.put("threads", true);
    OPTIONS.put("out", true);
  }

  static final List<String> ENGLISH =
      List.of(
          "The Python interpreter",
          "A list comprehension is",
          "In this tutorial, we",
          "The following example shows",
          "When an exception is raised",
          "The standard library provides",
          "A dictionary maps",
          "Each thread has",
          "The module defines",
          "To install the package,",
          "The return value is",
          "Unlike other languages,",
          "This function takes",
          "The garbage collector",
          "A generator is a",
          "By default, the",
          "The syntax of",
          "Note that the",
          "The built-in function",
          "If the file does not exist,");
  static final List<String> JAVA =
      List.of(
          "public static int",
          "    /**\n     * Returns the",
          "for (int i = 0; i <",
          "public class",
          "    @Override\n    public boolean equals(",
          "if (",
          "    private final",
          "import java.util.",
          "    public static <T>",
          "throw new IllegalArgumentException(",
          "    /**\n     * Checks if the",
          "return",
          "try {\n",
          "    public String toString() {\n",
          "final StringBuilder",
          "@Test\n    public void",
          "switch (",
          "while (",
          "    protected",
          "Objects.requireNonNull(");

  static final WatermarkKey KEY =
      WatermarkKey.ofHex("quality", "71756c6974792d7265706f72742d6b657931");
  static final int[] LENGTHS = {25, 50, 100, 200};

  private QualityCommand() {}

  /**
   * {@code n} prompts, English and Java openers alternating, each with three more tokens sampled
   * without any protection (seeded by {@code seedBase} plus the prompt's index) so that they are
   * distinct: with one key, identical prompts would give identical keyed texts.
   */
  static int[][] prompts(OnnxCausalLm model, BundledText text, int n, long seedBase)
      throws Exception {
    int[][] prompts = new int[n][];
    for (int p = 0; p < n; p++) {
      List<String> list = p % 2 == 1 ? JAVA : ENGLISH;
      int[] opener =
          DemoCommand.withBos(
              text.encode(list.get((p / 2) % list.size())), model.config().bosTokenId());
      int[] more =
          new OnnxGenerator(model)
              .generate(
                  opener,
                  SamplingParams.builder().temperature(1f).seed(seedBase + p).maxTokens(3).build(),
                  TokenSink.NONE)
              .tokens();
      prompts[p] = DemoCommand.concat(opener, more);
    }
    return prompts;
  }

  /** Which of {@link #prompts}' prompts are Java (the odd ones). */
  static boolean[] isJava(int n) {
    boolean[] java = new boolean[n];
    for (int p = 0; p < n; p++) {
      java[p] = p % 2 == 1;
    }
    return java;
  }

  static Map<String, WatermarkSpec> schemes(int vocab) {
    Map<String, WatermarkSpec> m = new LinkedHashMap<>();
    m.put("kgw", KgwSettings.builder().keyId("quality").gamma(0.25).delta(2.0).build());
    m.put(
        "kgw-sweet",
        KgwSettings.builder()
            .keyId("quality")
            .gamma(0.25)
            .delta(2.0)
            .entropyThreshold(1.0)
            .build());
    m.put(
        "kgw-selfhash",
        KgwSettings.builder()
            .keyId("quality")
            .gamma(0.25)
            .delta(2.0)
            .contextWidth(4)
            .selfHash(true)
            .build());
    m.put("kgw-hf", new HfKgwSettings("quality", 0.25, 2.0, vocab, 4096));
    m.put("gumbel", new GumbelSettings("quality", 1));
    return m;
  }

  static int run(Args a, PrintStream out) throws Exception {
    int n = a.getInt("prompts", 500, 1, 100_000);
    int maxLen = a.getInt("tokens", 200, 25, 240);
    float temperature = (float) a.getDouble("temperature", 1.0, 0.05, 10);
    int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 64);
    Path outDir = Path.of(a.get("out", "examples/quality"));
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
                                .setAccount("quality")
                                .setTier(tierNames.get(t))
                                .setVocabSize(vocab)
                                .optPrompt("", prompts[pi])
                                .optSampling(sp)
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

      // Detection power.
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
      Map<String, double[]> zCurves = new LinkedHashMap<>();
      int[] curveLengths = new int[maxLen / 10];
      for (int i = 0; i < curveLengths.length; i++) {
        curveLengths[i] = 10 * (i + 1);
      }
      for (int s = 0; s < schemes.size(); s++) {
        String name = tierNames.get(s);
        WatermarkSpec spec = Objects.requireNonNull(schemes.get(name), name);
        Scorer scorer = new Scorer(spec, model, true);
        Scorer everyToken = new Scorer(spec, model, false);
        for (int len : LENGTHS) {
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

      // Cost.
      md.append(
          """

          ## Cost: perplexity of the output under the model itself

          Lower is more fluent; the distortion-free scheme should match unwatermarked output.

          | output | all prompts | English prompts | Java prompts |
          |---|---|---|---|
          """);
      for (int t = 0; t < tierNames.size(); t++) {
        double[] ppl = perplexity(model, prompts, outputs[t], isJava);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %.2f |%n",
                tierNames.get(t),
                ppl[0],
                ppl[1],
                ppl[2]));
      }

      // Code: do Java statements survive the watermark?
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

      // Robustness.
      md.append(
          "\n## Robustness: random token substitution\n\nEach generated token replaced by a uniformly random "
              + "token with the given probability (seeded), then detected; outputs of at least "
              + Math.min(200, maxLen)
              + " tokens.\n\n| scheme | substituted | TPR @ 1% | TPR @ 0.1% |\n|---|---|---|---|\n");
      int robustLen = Math.min(200, maxLen);
      for (int s = 0; s < schemes.size(); s++) {
        Scorer scorer =
            new Scorer(
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

      // Plot.
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

  /** p-values and z-scores of one scheme's detector on prefixes of outputs. */
  static final class Scorer {
    final WatermarkSpec spec;
    final WatermarkDetector detector;
    final OnnxCausalLm model;

    final boolean ignoreRepeated;

    Scorer(WatermarkSpec spec, OnnxCausalLm model, boolean ignoreRepeated) {
      this.ignoreRepeated = ignoreRepeated;
      this.spec = spec;
      this.detector = spec.detector(KEY);
      this.model = model;
    }

    DetectionResult detect(int[] prompt, int[] output, int len) throws Exception {
      int[] all = DemoCommand.concat(prompt, java.util.Arrays.copyOf(output, len));
      if (spec instanceof KgwSettings k && k.entropyThreshold() > 0) {
        return ((KgwDetector) detector)
            .detect(all, prompt.length, ignoreRepeated, model.entropies(all));
      }
      return detector.detect(all, prompt.length, ignoreRepeated);
    }

    double[] pValues(int[][] prompts, int[][] outputs, int len) throws Exception {
      List<Double> ps = new ArrayList<>();
      for (int p = 0; p < prompts.length; p++) {
        if (outputs[p].length >= len) {
          ps.add(detect(prompts[p], outputs[p], len).pValue());
        }
      }
      return ps.stream().mapToDouble(Double::doubleValue).toArray();
    }

    double[] meanZ(int[][] prompts, int[][] outputs, int[] lengths) throws Exception {
      double[] z = new double[lengths.length];
      for (int i = 0; i < lengths.length; i++) {
        double sum = 0;
        int count = 0;
        for (int p = 0; p < prompts.length; p++) {
          if (outputs[p].length >= lengths[i]) {
            sum += detect(prompts[p], outputs[p], lengths[i]).zScore();
            count++;
          }
        }
        z[i] = count == 0 ? Double.NaN : sum / count;
      }
      return z;
    }
  }

  static String rate(double[] pValues, double alpha) {
    if (pValues.length == 0) {
      return "n/a";
    }
    int hit = 0;
    for (double p : pValues) {
      hit += p <= alpha ? 1 : 0;
    }
    return String.format(Locale.ROOT, "%.3f", hit / (double) pValues.length);
  }

  /** Perplexity over generated tokens: all prompts, English prompts, Java prompts. */
  static double[] perplexity(OnnxCausalLm model, int[][] prompts, int[][] outputs, boolean[] isJava)
      throws Exception {
    double[] nll = new double[3];
    long[] count = new long[3];
    for (int p = 0; p < prompts.length; p++) {
      if (outputs[p].length == 0) {
        continue;
      }
      int[] all = DemoCommand.concat(prompts[p], outputs[p]);
      double[] lp = model.tokenLogProbs(all);
      for (int i = prompts[p].length; i < all.length; i++) {
        nll[0] -= lp[i];
        count[0]++;
        int k = isJava[p] ? 2 : 1;
        nll[k] -= lp[i];
        count[k]++;
      }
    }
    return new double[] {
      Math.exp(nll[0] / count[0]),
      Math.exp(nll[1] / Math.max(1, count[1])),
      Math.exp(nll[2] / Math.max(1, count[2]))
    };
  }

  /** {parsed, total} statement lines over the Java prompts' outputs. */
  static int[] statementsParsing(
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

  static int[][] substitute(int[][] outputs, double fraction, int vocab, long seed) {
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
