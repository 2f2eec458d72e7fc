package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.onnxruntime.BundledText;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat serve --model DIR} over real HTTP on a safetensors-only directory ({@code
 * model-adapters/jlama/fixtures/make_tiny_safetensors.py}): the runtime is picked from what the
 * directory holds (Jlama), greedy output at temperature 0 on the unprotected tier equals the
 * independent NumPy reference token for token, and its first logprob is within 2e-3 of it. The
 * Jlama runtime is built on JDK 22+ only: on an older JDK this test is skipped (there is no runtime
 * to test), on 22+ it must run.
 */
class JlamaModelServerTest {
  private static final String MODEL = "tiny-qwen2-st";
  @TempDir static Path tmp;
  static Path modelDir;
  static ServerFixture server;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        Runtime.version().feature() >= 22,
        "the Jlama runtime is built on JDK 22+ only; this is JDK " + Runtime.version().feature());
    modelDir =
        ServerFixture.copyModel(
            "/dev/moat/jlama/" + MODEL,
            tmp,
            List.of(
                "config.json",
                "generation_config.json",
                "tokenizer.json",
                "tokenizer_config.json",
                "model.safetensors",
                "reference.json"));
    server = ServerFixture.start(tmp, modelDir, "qwen2-jlama");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theRuntimeComesFromTheDirectoryAndGreedyOutputEqualsTheReference() throws Exception {
    assertTrue(
        server.server.model().description().contains("Jlama"), server.server.model().description());
    JsonNode ref = ModelServer.MAPPER.readTree(modelDir.resolve("reference.json").toFile());
    try (BundledText text = BundledText.load(modelDir.resolve("tokenizer.json"))) {
      for (JsonNode p : ref.get("prompts")) {
        JsonNode steps = p.get("steps");
        int[] greedy = new int[steps.size() - 1];
        for (int i = 0; i < greedy.length; i++) {
          greedy[i] = steps.get(i).get("greedy").asInt();
        }
        String body =
            ModelServer.MAPPER
                .createObjectNode()
                .put("model", "qwen2-jlama")
                .put("prompt", p.get("text").asText())
                .put("max_tokens", greedy.length)
                .put("temperature", 0)
                .put("logprobs", 1)
                .toString();
        ServerFixture.Reply r = server.post("/completions", "sk-test-internal-1", body);
        assertEquals(200, r.status(), r.raw().body());
        JsonNode choice = r.body().get("choices").get(0);
        assertEquals(text.decode(greedy), choice.get("text").asText(), p.get("text").asText());
        assertEquals(p.get("input_ids").size(), r.body().get("usage").get("prompt_tokens").asInt());
        double first = choice.get("logprobs").get("token_logprobs").get(0).asDouble();
        assertEquals(steps.get(0).get("greedy_logprob").asDouble(), first, 2e-3);
      }
    }
  }

  @Test
  void aWatermarkedTierGeneratesThroughMoat() throws Exception {
    String body =
        "{\"model\": \"qwen2-jlama\", \"prompt\": \"Hello\", \"max_tokens\": 16, \"seed\": 5}";
    ServerFixture.Reply r = server.post("/completions", "sk-test-free-0001", body);
    assertEquals(200, r.status(), r.raw().body());
    assertTrue(r.body().get("usage").get("completion_tokens").asInt() > 0, r.body().toString());
  }
}
