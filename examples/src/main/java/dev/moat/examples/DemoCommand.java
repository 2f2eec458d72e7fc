package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./moat demo}: generates from the bundled model for a few prompts under two tiers, streams
 * the text, and prints per request what the policy applied and the watermark detector's verdict.
 */
final class DemoCommand {
  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("tiers", true);
    OPTIONS.put("prompt", true);
    OPTIONS.put("max-tokens", true);
    OPTIONS.put("temperature", true);
    OPTIONS.put("top-p", true);
    OPTIONS.put("seed", true);
    OPTIONS.put("policy", true);
    OPTIONS.put("keys", true);
    OPTIONS.put("alpha", true);
  }

  static final List<String> PROMPTS =
      List.of(
          "The Python interpreter",
          "A list comprehension is",
          "public static int",
          "    /**\n     * Returns the");

  private DemoCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    List<String> tiers = a.list("tiers", List.of("free", "internal"));
    int maxTokens = a.getInt("max-tokens", 160, 1, 4096);
    float temperature = (float) a.getDouble("temperature", 1.0, 0, 100);
    float topP = (float) a.getDouble("top-p", 1.0, 1e-6, 1);
    long seed = a.getLong("seed", 2026);
    double alpha = a.getDouble("alpha", 0.001, 1e-300, 0.5);
    List<String> prompts = a.has("prompt") ? List.of(a.require("prompt")) : PROMPTS;
    WatermarkKeys keys = Keys.load(a.get("keys"), err);
    Policy policy =
        a.has("policy")
            ? PolicyLoader.load(Path.of(a.require("policy")), keys.ids())
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
          int[] promptIds = withBos(text.encode(prompt), model.config().bosTokenId());
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

  static int[] withBos(int[] ids, int bos) {
    int[] r = new int[ids.length + 1];
    r[0] = bos;
    System.arraycopy(ids, 0, r, 1, ids.length);
    return r;
  }

  static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
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
