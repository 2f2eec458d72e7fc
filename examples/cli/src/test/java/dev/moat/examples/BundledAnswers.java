package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.util.Set;

/**
 * The bundled model's answers behind Moat, for the evidence tests: tier {@code free} marks them
 * with KGW (h = 1, gamma 0.25, delta 2) under {@code key}, tier {@code clean} leaves them
 * unprotected. Sampled at temperature 1 with the seed given. Not thread-safe.
 */
final class BundledAnswers implements AutoCloseable {
  private final OnnxCausalLm model;
  private final BundledText text;
  private final Moat moat;
  private final OnnxGenerator gen;

  BundledAnswers(WatermarkKey key) throws Exception {
    model = OnnxCausalLm.bundled(1);
    text = BundledText.bundled();
    moat =
        Moat.builder()
            .policy(
                Policy.of(
                    "evidence-test",
                    TierPolicy.of(
                        "free",
                        KgwSettings.builder().keyId(key.id()).gamma(0.25).delta(2.0).build(),
                        Set.of()),
                    TierPolicy.unprotected("clean")))
            .keys(WatermarkKeys.of(key))
            .audit(x -> {})
            .build();
    gen = new OnnxGenerator(model);
  }

  /** The answer's text, with line breaks as {@code \n} (one answer per line of a file). */
  String answer(String prompt, String tier, long seed, int tokens) throws Exception {
    int[] ids = text.encode(prompt, model.config().bosTokenId());
    RequestContext ctx =
        RequestContext.builder()
            .account("evidence")
            .tier(tier)
            .vocabSize(model.config().vocabSize())
            .prompt(prompt, ids)
            .specialTokens(model.config().eosTokenId())
            .sampling(SamplingParams.builder().temperature(1f).seed(seed).maxTokens(tokens).build())
            .build();
    return text.decode(gen.generate(ids, moat.begin(ctx), TokenSink.NONE).tokens())
        .replace("\n", "\\n");
  }

  /** A text's token ids under the bundled tokenizer, as {@code ./moat evidence} reads it. */
  int[] ids(String line) {
    return text.encode(line.replace("\\n", "\n"));
  }

  @Override
  public void close() throws ai.onnxruntime.OrtException {
    try (model;
        text;
        moat) {
      // closes all three
    }
  }
}
