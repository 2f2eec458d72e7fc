package dev.moat.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.model.BundledModel;
import dev.moat.policy.Policy;
import dev.moat.spi.FinishReason;
import dev.moat.spi.RequestView;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkKeys;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ONNX Runtime host loop on the bundled model, end to end, with Moat in every step. */
class OnnxGeneratorTest {
  // The key and tiers (free: KGW; internal: nothing) every host adapter is tested with.
  static final WatermarkKey KEY = HostAdapterCompatibilityKit.KEY;
  static final Policy POLICY = HostAdapterCompatibilityKit.POLICY;

  static OnnxCausalLm model;
  static OnnxGenerator generator;
  static Moat moat;
  static JsonNode reference;

  @BeforeAll
  static void load() throws Exception {
    model = OnnxCausalLm.bundled(1);
    generator = new OnnxGenerator(model);
    moat = Moat.builder().policy(POLICY).keys(WatermarkKeys.of(KEY)).build();
    reference = new ObjectMapper().readTree(BundledModel.read("reference.json"));
  }

  @AfterAll
  static void close() throws Exception {
    moat.close();
    model.close();
  }

  static int[] ids(JsonNode array) {
    int[] a = new int[array.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = array.get(i).intValue();
    }
    return a;
  }

  static RequestContext ctx(String tier, int[] prompt, SamplingParams p) {
    return RequestContext.builder()
        .account("acct")
        .tier(tier)
        .vocabSize(model.config().vocabSize())
        .prompt("", prompt)
        .sampling(p)
        .build();
  }

  @Test
  void logitsAndGreedyOutputMatchPyTorch() throws Exception {
    for (JsonNode r : reference.get("references")) {
      int[] input = ids(r.get("input_ids"));
      try (OnnxCausalLm.Decoder d = model.newDecoder()) {
        float[] logits = d.prefill(input);
        JsonNode first8 = r.get("last_position_logits_first8");
        for (int i = 0; i < 8; i++) {
          assertEquals(
              first8.get(i).doubleValue(),
              logits[i],
              1e-3,
              "logit " + i + " of " + r.get("prompt"));
        }
      }
      int[] expected = ids(r.get("greedy_continuation_ids"));
      // Without Moat, and with Moat on a tier that applies nothing: both must equal PyTorch's
      // output.
      int[] plain =
          generator
              .generate(input, SamplingParams.greedy(expected.length), TokenSink.NONE)
              .tokens();
      MoatRequest req = moat.begin(ctx("internal", input, SamplingParams.greedy(expected.length)));
      int[] viaMoat = generator.generate(input, req, TokenSink.NONE).tokens();
      assertArrayEquals(prefixUntilEos(expected), plain, "plain greedy of " + r.get("prompt"));
      assertArrayEquals(plain, viaMoat);
    }
  }

  private static int[] prefixUntilEos(int[] tokens) {
    int eos = model.config().eosTokenId();
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] == eos) {
        return java.util.Arrays.copyOf(tokens, i);
      }
    }
    return tokens;
  }

  @Test
  void moatDisabledIsBitIdenticalToThePlainLoopWhenSampling() throws Exception {
    int[] prompt = ids(reference.get("references").get(0).get("input_ids"));
    for (long seed = 1; seed <= 3; seed++) {
      SamplingParams p =
          SamplingParams.builder()
              .temperature(0.9f)
              .topK(50)
              .topP(0.95f)
              .seed(seed)
              .maxTokens(60)
              .build();
      GenerationResult plain = generator.generate(prompt, p, TokenSink.NONE);
      GenerationResult viaMoat =
          generator.generate(prompt, moat.begin(ctx("internal", prompt, p)), TokenSink.NONE);
      assertArrayEquals(plain.tokens(), viaMoat.tokens(), "seed " + seed);
    }
  }

  @Test
  void everyStepIsStreamedAndTheWatermarkChangesTheOutput() throws Exception {
    int[] prompt = ids(reference.get("references").get(1).get("input_ids"));
    SamplingParams p = SamplingParams.builder().temperature(1f).seed(5).maxTokens(40).build();
    List<Integer> streamed = new ArrayList<>();
    MoatRequest req = moat.begin(ctx("free", prompt, p));
    GenerationResult marked = generator.generate(prompt, req, streamed::add);
    assertEquals(marked.tokens().length, streamed.size());
    assertEquals(
        marked.tokens().length, req.steps() - (marked.finishReason() == FinishReason.STOP ? 1 : 0));
    assertEquals(req.finishReason(), marked.finishReason());
    GenerationResult plain = generator.generate(prompt, p, TokenSink.NONE);
    assertNotEquals(List.of(plain.tokens()), List.of(marked.tokens()));
  }

  /**
   * The acceptance bar on the real model: z > 4 on 200 watermarked tokens for each fixed seed; and
   * unwatermarked output that looks like chance. Twelve unwatermarked texts (scored counting each
   * repeated (context, token) pair once, as the literature does: this small model repeats itself)
   * must have a mean z within 1 of 0 (the mean of 12 standard normals is outside that with
   * probability 0.0005) and no z beyond 4 (probability 0.0008 for 12 texts). A single fixed seed
   * with |z| < 2 would be a 1-in-20 coin flip per text, not a property.
   */
  @Test
  void kgwIsDetectedOnTwoHundredTokensAndAbsentWithoutIt() throws Exception {
    WatermarkDetector detector = POLICY.tier("free").watermark().orElseThrow().detector(KEY);
    int[][] prompts = {
      ids(reference.get("references").get(0).get("input_ids")),
      ids(reference.get("references").get(2).get("input_ids"))
    };
    double sumZ = 0;
    int texts = 0;
    for (int[] prompt : prompts) {
      for (long seed = 1; seed <= 6; seed++) {
        SamplingParams p =
            SamplingParams.builder().temperature(1f).seed(seed * 1000).maxTokens(200).build();
        if (seed <= 2) {
          int[] marked = generateAtLeast(prompt, p, "free", 200);
          DetectionResult m = detector.detect(concat(prompt, marked), prompt.length, false);
          assertEquals(200, m.tokensScored());
          assertTrue(m.zScore() > 4, "watermarked z=" + m.zScore() + " seed " + seed);
        }
        int[] plain = generateAtLeast(prompt, p, "internal", 200);
        DetectionResult u = detector.detect(concat(prompt, plain), prompt.length, true);
        assertTrue(u.tokensScored() > 100, "scored " + u.tokensScored());
        assertTrue(Math.abs(u.zScore()) < 4, "unwatermarked z=" + u.zScore() + " seed " + seed);
        sumZ += u.zScore();
        texts++;
      }
    }
    assertEquals(12, texts);
    assertEquals(0, sumZ / texts, 1.0, "mean z of unwatermarked texts");
  }

  @Test
  void entropiesOverAWholeTextEqualThoseTheGeneratorSaw() throws Exception {
    int[] prompt = ids(reference.get("references").get(2).get("input_ids"));
    List<Double> seen = new ArrayList<>();
    dev.moat.spi.Protection probe =
        new dev.moat.spi.Protection() {
          @Override
          public String id() {
            return "probe";
          }

          @Override
          public dev.moat.spi.Stage stage() {
            return dev.moat.spi.Stage.PERTURBATION;
          }

          @Override
          public String describe() {
            return "probe";
          }

          @Override
          public dev.moat.spi.RequestProtection begin(RequestView request) {
            return new dev.moat.spi.RequestProtection() {
              @Override
              public void processLogits(float[] logits, int offset, dev.moat.spi.TokenHistory h) {
                seen.add(dev.moat.watermark.Entropy.nats(logits, offset, request.vocabSize()));
              }
            };
          }
        };
    try (Moat m =
        Moat.builder()
            .policy(POLICY)
            .keys(WatermarkKeys.of(KEY))
            .addProtection("internal", probe)
            .build()) {
      SamplingParams p = SamplingParams.builder().temperature(1f).seed(8).maxTokens(40).build();
      int[] out =
          generator.generate(prompt, m.begin(ctx("internal", prompt, p)), TokenSink.NONE).tokens();
      double[] h = model.entropies(concat(prompt, out));
      assertTrue(Double.isNaN(h[0]));
      for (int i = 0; i < out.length; i++) {
        assertEquals(seen.get(i), h[prompt.length + i], 1e-3, "position " + i);
      }
    }
  }

  /** Generates 200 tokens, continuing past end-of-sequence tokens by starting a new document. */
  private static int[] generateAtLeast(int[] prompt, SamplingParams p, String tier, int n)
      throws Exception {
    int[] out = new int[0];
    int[] context = prompt;
    long seed = p.seed();
    while (out.length < n) {
      SamplingParams step =
          p.toBuilder()
              .seed(seed++)
              .maxTokens(Math.min(n - out.length, model.config().maxPositions() - context.length))
              .build();
      int[] got =
          generator
              .generate(context, moat.begin(ctx(tier, context, step)), TokenSink.NONE)
              .tokens();
      out = concat(out, got);
      context = concat(context, got);
      if (context.length >= model.config().maxPositions() - 8) {
        context = java.util.Arrays.copyOfRange(context, context.length - 8, context.length);
      }
    }
    return out;
  }

  static int[] concat(int[] a, int[] b) {
    int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
