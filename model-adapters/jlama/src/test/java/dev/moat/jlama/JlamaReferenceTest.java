package dev.moat.jlama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jlama's scores against an independent forward pass: the fixtures' references are computed in
 * float64 by NumPy from the published Llama/Qwen2 math ({@code fixtures/make_tiny_safetensors.py}),
 * not by any runtime under test. Bound: log-probabilities within 1e-3 at 64 vocabulary indices
 * after the prompt and after each of 12 greedy steps, and the greedy continuation token for token
 * (the script refuses fixtures with a greedy margin under 1e-3).
 */
class JlamaReferenceTest {
  static Path fixture(String name) throws Exception {
    return Path.of(JlamaReferenceTest.class.getResource("/dev/moat/jlama/" + name).toURI());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama-st", "tiny-qwen2-st", "tiny-mistral-bf16-st"})
  void scoresAndGreedyContinuationsMatchTheReference(String name) throws Exception {
    JsonNode ref = new ObjectMapper().readTree(fixture(name).resolve("reference.json").toFile());
    JsonNode probes = ref.get("probe_indices");
    try (JlamaCausalLm m = JlamaCausalLm.load(fixture(name))) {
      assertEquals(4096, m.vocabSize());
      double worst = 0;
      for (JsonNode p : ref.get("prompts")) {
        int[] ids = new int[p.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = p.get("input_ids").get(i).asInt();
        }
        try (JlamaCausalLm.Decoder d = m.newDecoder()) {
          float[] scores = d.prefill(ids);
          for (JsonNode step : p.get("steps")) {
            for (int k = 0; k < probes.size(); k++) {
              double diff =
                  Math.abs(scores[probes.get(k).asInt()] - step.get("logprobs").get(k).asDouble());
              worst = Math.max(worst, diff);
            }
            int greedy = argmax(scores);
            assertEquals(
                step.get("greedy").asInt(), greedy, name + " greedy at position " + d.position());
            assertEquals(step.get("greedy_logprob").asDouble(), scores[greedy], 1e-3);
            scores = d.next(greedy);
          }
        }
      }
      assertTrue(worst < 1e-3, name + ": largest log-probability difference " + worst);
    }
  }

  static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void badDirectoriesAreRefusedNamingTheFileAndField(@TempDir Path dir) throws Exception {
    var none =
        assertThrows(IllegalArgumentException.class, () -> JlamaCausalLm.load(dir.resolve("x")));
    assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
    var noConfig = assertThrows(IllegalArgumentException.class, () -> JlamaCausalLm.load(dir));
    assertTrue(noConfig.getMessage().contains("no config.json"), noConfig.getMessage());
    Files.writeString(
        dir.resolve("config.json"),
        "{\"architectures\": [\"Phi3ForCausalLM\"], \"model_type\": \"phi3\"}");
    var arch = assertThrows(IllegalArgumentException.class, () -> JlamaCausalLm.load(dir));
    assertTrue(
        arch.getMessage().contains("architectures was 'Phi3ForCausalLM'"), arch.getMessage());
    assertTrue(arch.getMessage().contains("LlamaForCausalLM"), arch.getMessage());
    Files.writeString(
        dir.resolve("config.json"),
        "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\"}");
    var weights = assertThrows(IllegalArgumentException.class, () -> JlamaCausalLm.load(dir));
    assertTrue(weights.getMessage().contains("no model.safetensors"), weights.getMessage());
    Files.writeString(dir.resolve("config.json"), "{not json");
    var json = assertThrows(IllegalArgumentException.class, () -> JlamaCausalLm.load(dir));
    assertTrue(json.getMessage().contains("config.json is not valid JSON"), json.getMessage());
  }

  @Test
  void badTokensAndOrderAreRefused() throws Exception {
    try (JlamaCausalLm m = JlamaCausalLm.load(fixture("tiny-llama-st"));
        JlamaCausalLm.Decoder d = m.newDecoder()) {
      assertThrows(IllegalStateException.class, () -> d.next(1));
      var big = assertThrows(IllegalArgumentException.class, () -> d.prefill(new int[] {0, 4096}));
      assertTrue(big.getMessage().contains("token id was 4096"), big.getMessage());
      d.prefill(new int[] {0, 5});
      assertThrows(IllegalStateException.class, () -> d.prefill(new int[] {0}));
    }
  }
}
