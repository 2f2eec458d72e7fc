package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageErrors;
import dev.moat.forensics.GreenMass;
import dev.moat.forensics.Radioactivity;
import dev.moat.forensics.WrongKeyControl;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.research.RadioactivitySetup;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat radioactivity --suspect ...}: the test a model owner brings to a dispute, on one
 * suspect (a file of its texts, its endpoint, or its weights), answered as one line of JSON. The
 * options are the radioactivity command's (a picocli mixin).
 *
 * <p>Not thread-safe: picocli sets its options; each run holds its own state.
 */
final class RadioactivitySuspect {
  @Option(
      names = "--suspect",
      paramLabel = "FILE|URL",
      description = {
        "Test a suspect instead of running the experiment: a file of its texts (one per line), or"
            + " an OpenAI-compatible endpoint that continues --prompts of our prompts."
      })
  @Nullable String suspect;

  @Option(names = "--suspect-key", paramLabel = "KEY", description = "The endpoint's API key.")
  String suspectKey = "";

  @Option(
      names = "--suspect-model",
      paramLabel = "NAME",
      description = "The endpoint's model (default: ${DEFAULT-VALUE}).")
  String suspectModel = "moat-tiny";

  @Option(
      names = "--suspect-onnx",
      paramLabel = "DIR",
      description =
          "Open weights: the model reads the texts we --served; its predictions are tested.")
  @Nullable Path suspectOnnx;

  @Option(
      names = "--served",
      paramLabel = "FILE",
      description = "The texts we served, one per line.")
  @Nullable Path served;

  @Mixin KeysOption keysOption = new KeysOption();

  @Option(
      names = "--key-id",
      paramLabel = "ID",
      description = "The key tested (default: ${DEFAULT-VALUE}).")
  String keyId = "demo-2026";

  @Option(names = "--scheme", paramLabel = "SCHEME", description = "kgw (default) or gumbel.")
  String scheme = "kgw";

  @Option(
      names = "--alpha",
      paramLabel = "X",
      description = "The evidence bar (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-300, max = 0.5)
  double alpha = 1e-6;

  @Option(
      names = "--reference-onnx",
      paramLabel = "DIR|bundled",
      description =
          "Open weights under kgw: a model that never saw the key (ours without the watermark;"
              + " `bundled` for the bundled model) reads the same texts, for the green-mass test's"
              + " referenced form.")
  @Nullable String referenceOnnx;

  @Option(
      names = "--wrong-keys",
      paramLabel = "K",
      description =
          "Open weights under kgw: wrong keys for the green-mass test's control, 0 for none or"
              + " 100 to 10,000 (default: ${DEFAULT-VALUE}).")
  int wrongKeys = 1000;

  /** Whether a suspect was given (then this test runs instead of the experiment). */
  boolean given() {
    return suspect != null || suspectOnnx != null;
  }

  /**
   * The test a model owner runs on a suspect, against {@code --key-id} under {@code --scheme}:
   *
   * <ul>
   *   <li>{@code --suspect FILE}: the suspect's texts, one per line (black box);
   *   <li>{@code --suspect URL}: an OpenAI-compatible endpoint ({@code --suspect-key}, {@code
   *       --suspect-model}); it continues {@code --prompts} of the campaign prompts we choose, and
   *       its answers are tested (black box);
   *   <li>{@code --suspect-onnx DIR} with {@code --served FILE}: a model we can run (the bundled
   *       model's format: {@code model.onnx} and {@code config.json}) reads the texts we served,
   *       one per line, and its own arg-max predictions are tested (open weights); under kgw its
   *       next-token distributions are tested too ({@link GreenMass}, with {@code --wrong-keys}
   *       wrong keys), in the line's {@code green_mass} object.
   * </ul>
   */
  int run(@Nullable Integer prompts, @Nullable Integer tokens, PrintStream out, PrintStream err)
      throws Exception {
    WatermarkKeys keys = keysOption.load(err);
    String id = keyId;
    WatermarkKey key =
        keys.get(id)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "`--key-id` was '" + id + "' but the keys hold " + keys.ids()));
    WatermarkSpec spec =
        switch (scheme) {
          case "kgw" -> KgwSettings.builder().keyId(id).gamma(0.25).delta(2.0).build();
          case "gumbel" -> new GumbelSettings(id, 1);
          default ->
              throw new IllegalArgumentException(
                  "`--scheme` was '" + scheme + "' but it must be kgw or gumbel");
        };
    Radioactivity.Scorer scorer = RadioactivitySetup.scorer(spec, key);
    Radioactivity.Result r;
    String massLines = "";
    String mode;
    String target = suspect != null ? suspect : "";
    try (BundledText text = BundledText.bundled()) {
      if (suspectOnnx != null) {
        mode = "open-weights";
        Path dir = suspectOnnx;
        if (served == null) {
          throw new IllegalArgumentException(
              "`--suspect-onnx` needs `--served FILE`: the texts we served, one per line");
        }
        List<int[]> servedTexts = lines(text, served);
        if (wrongKeys != 0
            && (wrongKeys < WrongKeyControl.MIN_KEYS || wrongKeys > WrongKeyControl.MAX_KEYS)) {
          throw new IllegalArgumentException(
              "`--wrong-keys` was "
                  + wrongKeys
                  + " but it must be 0 or in ["
                  + WrongKeyControl.MIN_KEYS
                  + ", "
                  + WrongKeyControl.MAX_KEYS
                  + "]");
        }
        if (referenceOnnx != null && !(spec instanceof KgwSettings)) {
          throw new IllegalArgumentException(
              "`--reference-onnx` was given with `--scheme " + scheme + "`; it needs kgw");
        }
        @Nullable Path refDir =
            referenceOnnx == null
                ? null
                : referenceOnnx.equals("bundled")
                    ? dev.moat.model.BundledModel.directory()
                    : Path.of(referenceOnnx);
        try (OnnxCausalLm model = GreenMassLines.load(dir, "--suspect-onnx");
            OnnxCausalLm ref =
                refDir == null ? null : GreenMassLines.load(refDir, "--reference-onnx")) {
          if (ref != null && ref.config().vocabSize() != model.config().vocabSize()) {
            throw new IllegalArgumentException(
                "`--reference-onnx`'s vocabulary was "
                    + ref.config().vocabSize()
                    + " tokens but the suspect's is "
                    + model.config().vocabSize()
                    + "; they must read the same token ids");
          }
          if (spec instanceof KgwSettings k) {
            // One decoder pass: the green-mass test's distributions and the arg-max test's picks.
            IdentityHashMap<int[], int[]> picks = new IdentityHashMap<>();
            GreenMass.Distributions onnx = RadioactivitySetup.onnxDistributions(model);
            GreenMass.Distributions recording =
                (t, sink) -> {
                  int[] best = new int[t.length];
                  picks.put(t, best);
                  onnx.forEach(
                      t,
                      (i, p) -> {
                        best[i] = RadioactivitySetup.argmax(p);
                        sink.accept(i, p);
                      });
                };
            int vocab = model.config().vocabSize();
            GreenMass.Collected c =
                GreenMass.collect(
                    k.contextWidth(),
                    recording,
                    ref == null ? null : RadioactivitySetup.onnxDistributions(ref),
                    servedTexts,
                    0,
                    vocab,
                    (int) Math.max(1, GreenMassLines.MASS_BYTES / (4L * vocab)));
            r =
                Radioactivity.openWeights(
                    scorer,
                    t -> java.util.Objects.requireNonNull(picks.get(t), "a served text's picks"),
                    servedTexts,
                    0);
            massLines = GreenMassLines.json(c, key, k, wrongKeys, alpha);
          } else {
            r =
                Radioactivity.openWeights(
                    scorer, RadioactivitySetup.onnxSuspect(model), servedTexts, 0);
          }
        }
      } else if (target.startsWith("http://") || target.startsWith("https://")) {
        mode = "black-box endpoint";
        int count = UsageErrors.inRange("--prompts", prompts, 200, 1, 100_000);
        int maxTokens = UsageErrors.inRange("--tokens", tokens, 100, 1, 4096);
        List<int[]> answers = new ArrayList<>();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int p = 0; p < count; p++) {
          com.fasterxml.jackson.databind.node.ObjectNode body =
              new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
          body.put("model", suspectModel);
          body.put("prompt", dev.moat.research.sim.Prompts.campaignPrompt(500_000 + p));
          body.put("max_tokens", maxTokens);
          body.put("seed", p); // reproducible where the suspect honours seeds
          java.net.http.HttpResponse<String> resp =
              http.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(target.replaceAll("/+$", "") + "/completions"))
                      .header("Authorization", "Bearer " + suspectKey)
                      .header("Content-Type", "application/json")
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
          if (resp.statusCode() != 200) {
            throw new IllegalStateException(
                "the suspect endpoint answered " + resp.statusCode() + ": " + resp.body());
          }
          String t =
              new com.fasterxml.jackson.databind.ObjectMapper()
                  .readTree(resp.body())
                  .path("choices")
                  .path(0)
                  .path("text")
                  .asText();
          answers.add(text.encode(t));
        }
        r = Radioactivity.test(scorer, answers, 0, true, null);
      } else {
        mode = "black-box file";
        r = Radioactivity.test(scorer, lines(text, Path.of(target)), 0, true, null);
      }
    }
    out.printf(
        Locale.ROOT,
        "{\"mode\": \"%s\", \"scheme\": \"%s\", \"key_id\": \"%s\", \"tokens\": %d,"
            + " \"tuples_scored\": %d, \"score\": %.1f, \"p_value\": %.3e, \"log10_p_value\": %.2f,"
            + " \"alpha\": %.1e, \"trained_on_our_output\": %s%s}%n",
        mode,
        scheme,
        id,
        r.tokens(),
        r.scored(),
        r.score(),
        r.pValue(),
        r.log10PValue(),
        alpha,
        r.detected(alpha),
        massLines);
    return 0;
  }

  private static List<int[]> lines(BundledText text, Path file) throws java.io.IOException {
    List<int[]> texts = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        texts.add(text.encode(line.replace("\\n", "\n")));
      }
    }
    return texts;
  }
}
