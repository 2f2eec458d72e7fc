package dev.moat.examples;

import static dev.moat.research.TokenIds.concat;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.examples.cli.Range;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.GenerationResult;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat demo}: generates from the bundled model for a few prompts under two tiers, streams
 * the text, and prints per request what the policy applied and the watermark detector's verdict.
 * Not thread-safe: picocli sets its options.
 */
@Command(
    name = "demo",
    description = {
      "Generate under two tiers; show the policy applied and the verdict.",
      "Generates from the bundled model under two tiers, streams the text, and shows what the"
          + " policy applied and the watermark detector's verdict for each output."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--tiers",
      paramLabel = "TIER,...",
      description = "Tiers, comma-separated (default: ${DEFAULT-VALUE}).")
  String tierList = "free,internal";

  @Option(
      names = "--prompt",
      paramLabel = "TEXT",
      description = "One prompt instead of the built-in four.")
  @Nullable String prompt;

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      description = "Tokens per request (default: ${DEFAULT-VALUE}).")
  @Range(min = 1, max = 4096)
  int maxTokens = 160;

  @Option(
      names = "--temperature",
      paramLabel = "X",
      description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  @Range(min = 0, max = 100)
  double temperatureOption = 1.0;

  @Option(
      names = "--top-p",
      paramLabel = "X",
      description = "Nucleus sampling's p (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-6, max = 1)
  double topPOption = 1.0;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed = 2026;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Policy file (default: the demo policy).")
  @Nullable Path policyFile;

  @Mixin KeysOption keysOption = new KeysOption();

  @Option(
      names = "--alpha",
      paramLabel = "X",
      description = "Detector's false-positive rate (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-300, max = 0.5)
  double alpha = 0.001;

  static final List<String> PROMPTS =
      List.of(
          "The Python interpreter",
          "A list comprehension is",
          "public static int",
          "    /**\n     * Returns the");

  private final PrintStream out;
  private final PrintStream err;

  DemoCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    List<String> tiers = List.of(tierList.split(",", 0));
    float temperature = (float) temperatureOption;
    float topP = (float) topPOption;
    List<String> prompts = prompt != null ? List.of(prompt) : PROMPTS;
    WatermarkKeys keys = keysOption.load(err);
    Policy policy =
        policyFile != null
            ? PolicyLoader.load(policyFile, keys.ids())
            : PolicyLoader.parse(
                resource("demo-policy.yaml"), true, "demo-policy.yaml", keys.ids());
    for (String t : tiers) {
      policy.tier(t); // fails fast, naming the defined tiers
    }
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled();
        Moat moat = Moat.builder().policy(policy).keys(keys).build()) {
      OnnxGenerator generator = new OnnxGenerator(model);
      int vocab = model.config().vocabSize();
      // One detector for the whole demo: the free tier's scheme and key, used on every output, so
      // the
      // unprotected tier shows what unwatermarked text scores.
      WatermarkSpec detectSettings = detectorSettings(policy, tiers);
      WatermarkDetector detector =
          detectSettings == null
              ? null
              : detectSettings.detector(keys.get(detectSettings.keyId()).orElseThrow());
      out.printf(
          Locale.ROOT,
          "Moat demo: bundled model (vocab %d, %d layers), %s, %d tokens per request, "
              + "temperature %.2f, top-p %.2f, seed %d%n",
          vocab,
          model.config().layers(),
          policy.source(),
          maxTokens,
          temperature,
          topP,
          seed);
      int request = 0;
      for (String prompt : prompts) {
        for (String tier : tiers) {
          request++;
          int[] promptIds = text.encode(prompt, model.config().bosTokenId());
          SamplingParams sampling =
              SamplingParams.builder()
                  .temperature(temperature)
                  .topP(topP)
                  .seed(seed + request)
                  .maxTokens(Math.min(maxTokens, model.config().maxPositions() - promptIds.length))
                  .build();
          MoatRequest r =
              moat.begin(
                  RequestContext.builder()
                      .account("demo-" + tier)
                      .tier(tier)
                      .vocabSize(vocab)
                      .prompt(prompt, promptIds)
                      .specialTokens(model.config().eosTokenId())
                      .sampling(sampling)
                      .build());
          out.printf("%n── request %d · tier %s ──────────────────────────────%n", request, tier);
          out.print(prompt);
          BundledText.Stream stream = text.new Stream(sampling.maxTokens() + 1);
          GenerationResult g =
              generator.generate(
                  promptIds,
                  r,
                  token -> {
                    out.print(stream.add(token));
                    out.flush();
                  });
          out.println();
          out.println(
              "  policy applied : "
                  + (r.appliedProtections().isEmpty()
                      ? "nothing (unprotected tier)"
                      : String.join(", ", r.appliedProtections())));
          double seconds = (g.modelNanos() + g.moatNanos()) / 1e9;
          out.printf(
              Locale.ROOT,
              "  generated      : %d tokens (%s), %.0f tokens/s; sampling step (Moat + sampler) %.1f µs/token%n",
              g.tokens().length,
              g.finishReason(),
              g.tokens().length / seconds,
              g.moatNanos() / 1e3 / Math.max(1, r.steps()));
          if (detector != null) {
            int[] all = concat(promptIds, g.tokens());
            DetectionResult d = detector.detect(all, promptIds.length, false);
            out.printf(
                Locale.ROOT,
                "  watermark check: %s key %s → z = %.2f, p = %s over %d tokens (%d green) → %s at FPR %s%n",
                d.scheme(),
                d.keyId(),
                d.zScore(),
                formatP(d),
                d.tokensScored(),
                d.greenTokens(),
                d.isWatermarked(alpha) ? "WATERMARKED" : "not watermarked",
                alpha);
          }
        }
      }
    }
    return 0;
  }

  private static @org.jspecify.annotations.Nullable WatermarkSpec detectorSettings(
      Policy policy, List<String> tiers) {
    for (String t : tiers) {
      TierPolicy tier = policy.tier(t);
      if (tier.watermark().isPresent()) {
        return tier.watermark().get();
      }
    }
    for (TierPolicy tier : policy.tiers().values()) {
      if (tier.watermark().isPresent()) {
        return tier.watermark().get();
      }
    }
    return null;
  }

  static String formatP(DetectionResult d) {
    if (d.pValue() > 0) {
      return String.format(Locale.ROOT, "%.3g", d.pValue());
    }
    return String.format(Locale.ROOT, "1e%.1f", d.log10PValue());
  }

  static String resource(String name) throws java.io.IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new java.io.IOException(name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
