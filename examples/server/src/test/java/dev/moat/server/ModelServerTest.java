package dev.moat.server;

import static dev.moat.server.ServerFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.moat.server.ServerFixture.Reply;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's OpenAI API over real HTTP: the official OpenAI Java SDK (a client nobody here wrote)
 * streaming and not, every kind of bad input answered with a precise 4xx while the server keeps
 * serving, and stop sequences, seeds and {@code logit_bias} as OpenAI's behave. The admin port is
 * {@link ServerAdminTest}'s, budgets and levels {@link ServerEnforcementTest}'s, threads {@link
 * ServerThreadsTest}'s.
 */
class ModelServerTest {
  @TempDir static Path dir;
  static ServerFixture server;

  @BeforeAll
  static void start() throws Exception {
    server = ServerFixture.start(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @SuppressWarnings("deprecation") // seed: deprecated in the SDK, still part of the API we serve
  void theOfficialOpenAiSdkWorksStreamingAndNot() {
    OpenAIClient c = server.client("sk-test-free-0001");
    assertEquals("moat-tiny", c.models().list().data().get(0).id());
    ChatCompletion chat =
        c.chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("moat-tiny")
                    .addSystemMessage("You write Java.")
                    .addUserMessage("Write a method that adds two numbers.")
                    .maxCompletionTokens(20)
                    .seed(7) // fixed: unseeded, the end token can come first
                    .logprobs(true)
                    .topLogprobs(2)
                    .build());
    assertEquals("moat-tiny", chat.model());
    var choice = chat.choices().get(0);
    assertFalse(choice.message().content().orElse("").isEmpty());
    long used = chat.usage().orElseThrow().completionTokens();
    assertTrue(used > 0 && used <= 20, "completion tokens " + used);
    var lp = choice.logprobs().orElseThrow().content().orElseThrow();
    assertEquals(used, lp.size(), "one logprob entry per token");
    assertTrue(lp.get(0).logprob() <= 0 && lp.get(0).topLogprobs().size() == 2);

    StringBuilder streamed = new StringBuilder();
    AtomicInteger chunks = new AtomicInteger();
    String[] finish = {null};
    try (StreamResponse<ChatCompletionChunk> s =
        c.chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder()
                    .model("moat-tiny")
                    .addUserMessage("Tell me about the sea.")
                    .maxCompletionTokens(15)
                    .seed(8)
                    .build())) {
      s.stream()
          .forEach(
              ch -> {
                chunks.incrementAndGet();
                ch.choices()
                    .forEach(
                        x -> {
                          x.delta().content().ifPresent(streamed::append);
                          x.finishReason().ifPresent(f -> finish[0] = f.asString());
                        });
              });
    }
    assertTrue(chunks.get() >= 2, "chunks " + chunks.get());
    assertFalse(streamed.isEmpty());
    assertTrue("length".equals(finish[0]) || "stop".equals(finish[0]), finish[0]);

    Completion comp =
        c.completions()
            .create(
                CompletionCreateParams.builder()
                    .model("moat-tiny")
                    .prompt("public static int max(int a, int b) {")
                    .maxTokens(12)
                    .temperature(0.0)
                    .build());
    assertFalse(comp.choices().get(0).text().isEmpty());
    StringBuilder legacy = new StringBuilder();
    try (StreamResponse<Completion> s =
        c.completions()
            .createStreaming(
                CompletionCreateParams.builder()
                    .model("moat-tiny")
                    .prompt("public static int max(int a, int b) {")
                    .maxTokens(12)
                    .temperature(0.0)
                    .build())) {
      s.stream().forEach(x -> x.choices().forEach(ch -> legacy.append(ch.text())));
    }
    assertEquals(comp.choices().get(0).text(), legacy.toString(), "greedy: streamed == not");

    UnauthorizedException u =
        assertThrows(
            UnauthorizedException.class, () -> server.client("sk-wrong-key-000").models().list());
    assertEquals(401, u.statusCode());
    NotFoundException nf =
        assertThrows(
            NotFoundException.class,
            () ->
                c.completions()
                    .create(
                        CompletionCreateParams.builder()
                            .model("gpt-5")
                            .prompt("x")
                            .maxTokens(2)
                            .build()));
    assertEquals(404, nf.statusCode());
    BadRequestException br =
        assertThrows(
            BadRequestException.class,
            () ->
                c.completions()
                    .create(
                        CompletionCreateParams.builder()
                            .model("moat-tiny")
                            .prompt("x")
                            .maxTokens(5000)
                            .build()));
    assertEquals(400, br.statusCode());
  }

  @Test
  void badInputGetsAPrecise4xxAndTheServerKeepsServing() throws Exception {
    String k = "sk-test-free-0001";
    error(
        server.post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": "),
        400,
        null,
        "could not parse the JSON");
    error(server.post("/completions", k, "[1, 2]"), 400, null, "JSON object");
    error(
        server.post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": 42}"),
        400,
        "prompt",
        "must be a string");
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"max_tokens\": \"ten\"}"),
        400,
        "max_tokens",
        "'\"ten\"'".replace("'", ""));
    error(
        server.post(
            "/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"temperature\": 3}"),
        400,
        "temperature",
        "[0, 2]");
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"max_tokens\": 400}"),
        400,
        "max_tokens",
        "maximum context length is 256");
    error(
        server.post("/completions", k, "{\"model\": \"llama\", \"prompt\": \"x\"}"),
        404,
        "model",
        "does not exist");
    error(
        server.post(
            "/chat/completions",
            k,
            "{\"model\": \"moat-tiny\", \"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"),
        400,
        "messages[0].role",
        "'robot'");
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"logit_bias\": {\"99999\": 5}}"),
        400,
        "logit_bias",
        "outside the vocabulary");
    error(
        server.post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"n\": 3}"),
        400,
        "n",
        "one choice");
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"" + "word ".repeat(400) + "\"}"),
        400,
        "prompt",
        "maximum context length is 256");
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"" + "x".repeat(2_000_000) + "\"}"),
        413,
        null,
        "at most 1048576 bytes");
    byte[] badUtf8 =
        "{\"model\": \"moat-tiny\", \"prompt\": \"caf\u00e9\"}"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    error(server.post("/completions", k, badUtf8), 400, null, "UTF-8");
    error(server.post("/completions", "sk-nobody-000000", "{}"), 401, null, "API key");
    error(server.post("/nowhere", k, "{}"), 404, null, "Unknown request URL");
    // And a good request still works.
    Reply ok =
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 3, \"seed\": 1}");
    assertEquals(200, ok.status(), ok.raw().body());
    int n = ok.body().get("usage").get("completion_tokens").asInt();
    assertTrue(n >= 0 && n <= 3, "completion tokens " + n); // (the end token may come first)
  }

  /**
   * {@code stop} cuts the text before the first stop sequence, with finish_reason stop, streamed
   * (text that could begin a stop sequence held back) or not; {@code seed} makes sampling
   * repeatable.
   */
  @Test
  void ignoreEosGeneratesToMaxTokensThroughEndOfSequence() throws Exception {
    // vLLM's ignore_eos, which the wave bench uses so that Moat on and off generate alike: +100 on
    // the end-of-sequence token makes greedy decoding stop at once without it, and never with it.
    String k = "sk-test-internal-1";
    int eos = server.server.model().eosTokenIds()[0];
    String req =
        "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 6, \"temperature\": 0,"
            + " \"logit_bias\": {\""
            + eos
            + "\": 100}";
    JsonNode stopped = server.post("/completions", k, req + "}").body();
    assertEquals("stop", stopped.get("choices").get(0).get("finish_reason").asText());
    assertEquals(0, stopped.get("usage").get("completion_tokens").asInt(), stopped.toString());
    JsonNode through = server.post("/completions", k, req + ", \"ignore_eos\": true}").body();
    assertEquals("length", through.get("choices").get(0).get("finish_reason").asText());
    assertEquals(6, through.get("usage").get("completion_tokens").asInt(), through.toString());
    // Streaming, through Moat (a tier with the watermark): the usage chunk counts all six.
    String streamed =
        server
            .post(
                "/completions",
                "sk-test-free-0001",
                req
                    + ", \"ignore_eos\": true, \"stream\": true, \"stream_options\":"
                    + " {\"include_usage\": true}}")
            .raw()
            .body();
    assertTrue(streamed.contains("\"completion_tokens\":6"), streamed);
    error(
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"ignore_eos\": \"yes\"}"),
        400,
        "ignore_eos",
        "true or false");
  }

  @Test
  void stopSequencesAndSeedsBehaveAsOpenAisDo() throws Exception {
    String k = "sk-test-internal-1";
    String req =
        "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 40, \"temperature\": 0";
    String full =
        server.post("/completions", k, req + "}").body().get("choices").get(0).get("text").asText();
    assertTrue(full.length() > 20, full);
    String stop = full.substring(12, 15);
    String expected = full.substring(0, full.indexOf(stop));
    JsonNode cut =
        server
            .post(
                "/completions",
                k,
                req + ", \"stop\": [" + ModelServer.MAPPER.writeValueAsString(stop) + "]}")
            .body()
            .get("choices")
            .get(0);
    assertEquals(expected, cut.get("text").asText());
    assertEquals("stop", cut.get("finish_reason").asText());
    Reply streamed =
        server.post(
            "/completions",
            k,
            req
                + ", \"stream\": true, \"stop\": "
                + ModelServer.MAPPER.writeValueAsString(stop)
                + "}");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String e : streamed.raw().body().split("\n\n", 0)) {
      if (e.startsWith("data: {")) {
        JsonNode c = ModelServer.MAPPER.readTree(e.substring(6)).get("choices").get(0);
        text.append(c.get("text").asText());
        if (!c.get("finish_reason").isNull()) {
          finish = c.get("finish_reason").asText();
        }
      }
    }
    assertEquals(expected, text.toString());
    assertEquals("stop", finish);
    // logit_bias is honoured at level 0: +100 on one token makes greedy decoding repeat it.
    JsonNode biased =
        server
            .post(
                "/completions",
                k,
                "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 3,"
                    + " \"temperature\": 0, \"logprobs\": 0, \"logit_bias\": {\"300\": 100}}")
            .body()
            .get("choices")
            .get(0)
            .get("logprobs")
            .get("tokens");
    assertEquals(3, biased.size(), biased.toString());
    assertTrue(
        biased.get(0).equals(biased.get(1)) && biased.get(1).equals(biased.get(2)),
        biased.toString());
    String seeded =
        "{\"model\": \"moat-tiny\", \"prompt\": \"Once\", \"max_tokens\": 20, \"seed\": 11}";
    assertEquals(
        server
            .post("/completions", "sk-test-free-0001", seeded)
            .body()
            .get("choices")
            .get(0)
            .get("text"),
        server
            .post("/completions", "sk-test-free-0001", seeded)
            .body()
            .get("choices")
            .get(0)
            .get("text"));
  }
}
