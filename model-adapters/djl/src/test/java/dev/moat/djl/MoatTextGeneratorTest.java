package dev.moat.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.nlp.generate.CausalLMOutput;
import ai.djl.ndarray.NDList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.model.BundledModel;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DJL host loop (OnnxRuntime engine, HuggingFace tokenizer) on the bundled model, end to end.
 */
class MoatTextGeneratorTest {
  // The key and tiers (free: KGW; internal: nothing) every host adapter is tested with.
  static final WatermarkKey KEY = HostAdapterCompatibilityKit.KEY;
  static final Policy POLICY = HostAdapterCompatibilityKit.POLICY;

  static BundledDjlModel djl;
  static Predictor<NDList, CausalLMOutput> predictor;
  static MoatTextGenerator generator;
  static Moat moat;
  static JsonNode reference;

  @BeforeAll
  static void load() throws Exception {
    djl = BundledDjlModel.load();
    predictor = djl.model().newPredictor();
    moat = Moat.builder().policy(POLICY).keys(WatermarkKeys.of(KEY)).build();
    generator = new MoatTextGenerator(predictor, djl.searchConfig(), moat, djl.layout());
    reference = new ObjectMapper().readTree(BundledModel.read("reference.json"));
  }

  @AfterAll
  static void close() {
    predictor.close();
    djl.close();
    moat.close();
  }

  static RequestContext ctx(String tier, int[] prompt, SamplingParams p) {
    return RequestContext.builder()
        .account("acct")
        .tier(tier)
        .vocabSize(djl.vocabSize())
        .prompt("", prompt)
        .sampling(p)
        .build();
  }

  static int[] ids(JsonNode array) {
    int[] a = new int[array.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = array.get(i).intValue();
    }
    return a;
  }

  @Test
  void theTokenizerMatchesTheOneTheModelWasTrainedWith() {
    for (JsonNode r : reference.get("references")) {
      long[] ids = djl.tokenizer().encode(r.get("prompt").asText()).getIds();
      assertArrayEquals(
          ids(r.get("prompt_token_ids")), Arrays.stream(ids).mapToInt(Math::toIntExact).toArray());
      assertEquals(r.get("prompt").asText(), djl.tokenizer().decode(ids));
    }
  }

  @Test
  void greedyOutputMatchesPyTorchAndTheOnnxRuntimeLoop() throws Exception {
    try (OnnxCausalLm ort = OnnxCausalLm.bundled(1)) {
      OnnxGenerator ortLoop = new OnnxGenerator(ort);
      for (JsonNode r : reference.get("references")) {
        int[] input = ids(r.get("input_ids"));
        int[] expected = ids(r.get("greedy_continuation_ids"));
        SamplingParams greedy = SamplingParams.greedy(expected.length);
        List<Integer> streamed = new ArrayList<>();
        int[] viaDjl = generator.generate(input, ctx("internal", input, greedy), streamed::add);
        int[] viaOrt = ortLoop.generate(input, greedy, TokenSink.NONE).tokens();
        assertArrayEquals(viaOrt, viaDjl, "prompt " + r.get("prompt"));
        assertEquals(viaDjl.length, streamed.size());
        int n = 0;
        while (n < expected.length && expected[n] != 0) {
          n++;
        }
        assertArrayEquals(Arrays.copyOf(expected, n), viaDjl);
      }
    }
  }

  @Test
  void samplingIsDeterministicAndWatermarkedOutputIsDetected() throws Exception {
    int[] prompt = ids(reference.get("references").get(0).get("input_ids"));
    SamplingParams p = SamplingParams.builder().temperature(1f).seed(4).maxTokens(120).build();
    int[] a = generator.generate(prompt, ctx("free", prompt, p), t -> {});
    int[] b = generator.generate(prompt, ctx("free", prompt, p), t -> {});
    assertArrayEquals(a, b);
    WatermarkDetector d = POLICY.tier("free").watermark().orElseThrow().detector(KEY);
    int[] all = new int[prompt.length + a.length];
    System.arraycopy(prompt, 0, all, 0, prompt.length);
    System.arraycopy(a, 0, all, prompt.length, a.length);
    assertTrue(a.length >= 40, "generated " + a.length);
    assertTrue(
        d.detect(all, prompt.length, false).zScore() > 3, "z on " + a.length + " DJL tokens");
  }

  @Test
  void rejectsPromptsThatLeaveNoRoom() {
    int[] tooLong = new int[djl.searchConfig().getMaxSeqLength()];
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                generator.generate(
                    tooLong, ctx("internal", tooLong, SamplingParams.greedy(5)), t -> {}));
    assertEquals(
        "`inputIds` had 256 tokens but max_seq_length is 256: no room to generate", e.getMessage());
  }
}
