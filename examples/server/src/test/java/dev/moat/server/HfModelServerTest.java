package dev.moat.server;

import static dev.moat.server.ServerFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.hf.ChatTemplate;
import dev.moat.onnxruntime.hf.HfModel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat serve --model DIR} over real HTTP on the tiny Llama directory ({@code
 * model-adapters/onnxruntime/fixtures/make_tiny_hf.py}): the model's id from the options, greedy
 * output at temperature 0 on the unprotected tier equal to the PyTorch reference token for token,
 * its first logprob within 2e-3 of PyTorch's, chats rendered through the directory's Llama 3
 * template, and a watermarked tier generating through Moat.
 */
class HfModelServerTest {
  private static final String MODEL = "tiny-llama";
  @TempDir static Path tmp;
  static Path modelDir;
  static ServerFixture server;

  @BeforeAll
  static void start() throws Exception {
    modelDir =
        ServerFixture.copyModel(
            "/dev/moat/onnxruntime/hf/" + MODEL,
            tmp,
            List.of(
                "config.json",
                "generation_config.json",
                "tokenizer.json",
                "tokenizer_config.json",
                "model.onnx",
                "reference.json"));
    server = ServerFixture.start(tmp, modelDir, "llama-test");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void greedyOutputEqualsPyTorchTokenForToken() throws Exception {
    JsonNode ref = ModelServer.MAPPER.readTree(modelDir.resolve("reference.json").toFile());
    try (BundledText text = BundledText.load(modelDir.resolve("tokenizer.json"))) {
      for (JsonNode p : ref.get("prompts")) {
        int[] greedy = new int[p.get("greedy").size()];
        for (int i = 0; i < greedy.length; i++) {
          greedy[i] = p.get("greedy").get(i).asInt();
        }
        String body =
            ModelServer.MAPPER
                .createObjectNode()
                .put("model", "llama-test")
                .put("prompt", p.get("text").asText())
                .put("max_tokens", greedy.length)
                .put("temperature", 0)
                .put("logprobs", 1)
                .toString();
        ServerFixture.Reply r = server.post("/completions", "sk-test-internal-1", body);
        assertEquals(200, r.status(), r.raw().body());
        JsonNode choice = r.body().get("choices").get(0);
        // the reference has no end-of-sequence token (ids 0, 4095) in it: all tokens come back
        assertEquals(text.decode(greedy), choice.get("text").asText(), p.get("text").asText());
        assertEquals(p.get("input_ids").size(), r.body().get("usage").get("prompt_tokens").asInt());
        double first = choice.get("logprobs").get("token_logprobs").get(0).asDouble();
        assertEquals(logSoftmax(p.get("prompt_logits"), greedy[0]), first, 2e-3);
      }
    }
  }

  @Test
  void chatsGoThroughTheDirectorysTemplateAndMoat() throws Exception {
    List<ChatTemplate.Message> chat =
        List.of(
            new ChatTemplate.Message("system", "You write Java."),
            new ChatTemplate.Message("user", "Add two numbers."));
    int expectedPromptTokens;
    try (HfModel m = HfModel.load(modelDir, 1)) {
      String rendered = m.renderChat(chat, true);
      assertTrue(rendered.startsWith("<|endoftext|><|start_header_id|>system"), rendered);
      expectedPromptTokens = m.promptIds(rendered, true).length;
    }
    String body =
        "{\"model\": \"llama-test\", \"max_tokens\": 20, \"seed\": 3, \"messages\": ["
            + "{\"role\": \"system\", \"content\": \"You write Java.\"},"
            + "{\"role\": \"user\", \"content\": \"Add two numbers.\"}]}";
    ServerFixture.Reply r = server.post("/chat/completions", "sk-test-free-0001", body);
    assertEquals(200, r.status(), r.raw().body());
    assertEquals("llama-test", r.body().get("model").asText());
    assertEquals(expectedPromptTokens, r.body().get("usage").get("prompt_tokens").asInt());
    assertFalse(
        r.body().get("choices").get(0).get("message").get("content").asText().isEmpty(),
        r.body().toString());
  }

  @Test
  void theModelsIdIsServedAndOthersAreNot() throws Exception {
    HttpResponse<String> models =
        ServerFixture.HTTP.send(
            HttpRequest.newBuilder(URI.create(server.base + "/models"))
                .header("Authorization", "Bearer sk-test-free-0001")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(
        "llama-test",
        ModelServer.MAPPER.readTree(models.body()).get("data").get(0).get("id").asText());
    error(
        server.post(
            "/completions", "sk-test-free-0001", "{\"model\": \"moat-tiny\", \"prompt\": \"x\"}"),
        404,
        "model",
        "this server has 'llama-test'");
  }

  @Test
  void tokensPerSecondThroughTheServer() throws Exception {
    String body =
        "{\"model\": \"llama-test\", \"prompt\": \"public static int\", \"max_tokens\": 200,"
            + " \"temperature\": 0.8, \"seed\": 5}";
    server.post("/completions", "sk-test-free-0001", body); // warm-up
    long t0 = System.nanoTime();
    ServerFixture.Reply r = server.post("/completions", "sk-test-free-0001", body);
    double s = (System.nanoTime() - t0) / 1e9;
    assertEquals(200, r.status(), r.raw().body());
    int n = r.body().get("usage").get("completion_tokens").asInt();
    assertTrue(n > 0, r.body().toString());
    System.out.printf(
        "tiny-llama through the server (free tier, watermarked): %d tokens in %.3f s, %.0f tokens/s%n",
        n, s, n / s);
  }

  static double logSoftmax(JsonNode row, int token) {
    double[] v = new double[row.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = row.get(i).asDouble();
    }
    double max = Arrays.stream(v).max().orElseThrow();
    double z = 0;
    for (double x : v) {
      z += Math.exp(x - max);
    }
    return v[token] - max - Math.log(z);
  }
}
