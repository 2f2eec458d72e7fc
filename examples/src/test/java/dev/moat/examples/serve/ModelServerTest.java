package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server over real HTTP: the official OpenAI Java SDK (a client nobody here wrote) streaming
 * and not, every kind of bad input answered with a precise 4xx while the server keeps serving, 429
 * with Retry-After, the escalation ladder on the wire, and the admin port.
 */
class ModelServerTest {
  static final String KEY_HEX = "0123456789abcdef0123456789abcdef";

  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          watermark: {scheme: kgw, key: test-wm, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 1000, tokens_per_minute: 1000000}
        tiny:
          budget: {requests_per_minute: 1}
        suspect:
          escalation: {rules: [{score: 0, level: 2}]}
        tarpit:
          escalation: {rules: [{score: 0, level: 3}]}
        internal: {}
      enforcement:
        max_delay_ms: 0
        noise_key: test-noise
        levels:
          - {level: 2, max_tokens: 5, pacing_tokens_per_second: 50, logprobs_max: 1, logit_bias: refuse, keyed_noise_kl: 0.125}
          - {level: 3, max_tokens: 4, pacing_tokens_per_second: 2}
      """;

  static final String KEYS =
      """
      keys:
        - {key: sk-test-free-0001, account: alice, tier: free}
        - {key: sk-test-tiny-0001, account: tina, tier: tiny}
        - {key: sk-test-suspect-01, account: sam, tier: suspect}
        - {key: sk-test-internal-1, account: ivan, tier: internal}
        - {key: sk-test-tarpit-01, account: tom, tier: tarpit}
      """;

  @TempDir static Path dir;
  static ModelServer server;
  static String base;
  static String adminBase;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, KEYS);
    WatermarkKeys wm =
        WatermarkKeys.of(
            WatermarkKey.ofHex("test-wm", KEY_HEX),
            WatermarkKey.ofHex("test-noise", KEY_HEX + "01"));
    server =
        ModelServer.start(
            new ModelServer.Options("127.0.0.1", 0, 0, policy, keys, wm, "sk-test-admin", 2));
    base = "http://127.0.0.1:" + server.port() + "/v1";
    adminBase = "http://127.0.0.1:" + server.adminPort();
  }

  /**
   * A server on {@link #POLICY} and {@link #KEYS} written into {@code dir}, with a detector state
   * file and a Redis address if given (for the tests that need their own servers).
   */
  static ModelServer startIn(
      Path dir,
      @org.jspecify.annotations.Nullable Path state,
      @org.jspecify.annotations.Nullable String redis)
      throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, KEYS);
    WatermarkKeys wm =
        WatermarkKeys.of(
            WatermarkKey.ofHex("test-wm", KEY_HEX),
            WatermarkKey.ofHex("test-noise", KEY_HEX + "01"));
    return ModelServer.start(
        new ModelServer.Options(
            "127.0.0.1", 0, 0, policy, keys, wm, "sk-test-admin", 1, state, redis));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(base)
        .apiKey(key)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  @Test
  @SuppressWarnings("deprecation") // seed: deprecated in the SDK, still part of the API we serve
  void theOfficialOpenAiSdkWorksStreamingAndNot() {
    OpenAIClient c = client("sk-test-free-0001");
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
        assertThrows(UnauthorizedException.class, () -> client("sk-wrong-key-000").models().list());
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

  record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  static Reply post(String path, String key, byte[] body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode j = null;
    try {
      j = ModelServer.MAPPER.readTree(r.body());
    } catch (java.io.IOException e) {
      // not JSON (a stream)
    }
    return new Reply(r.statusCode(), j, r);
  }

  static Reply post(String path, String key, String body) throws Exception {
    return post(path, key, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Asserts an OpenAI-shaped error naming {@code param} and containing {@code text}. */
  static void error(Reply r, int status, String param, String text) {
    assertEquals(status, r.status(), r.raw().body());
    JsonNode e = r.body().get("error");
    assertTrue(e.get("message").asText().contains(text), e.toString());
    if (param != null) {
      assertEquals(param, e.get("param").asText(), e.toString());
    }
    assertTrue(e.has("type") && e.has("code"), e.toString());
  }

  @Test
  void badInputGetsAPrecise4xxAndTheServerKeepsServing() throws Exception {
    String k = "sk-test-free-0001";
    error(
        post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": "),
        400,
        null,
        "could not parse the JSON");
    error(post("/completions", k, "[1, 2]"), 400, null, "JSON object");
    error(
        post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": 42}"),
        400,
        "prompt",
        "must be a string");
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"max_tokens\": \"ten\"}"),
        400,
        "max_tokens",
        "'\"ten\"'".replace("'", ""));
    error(
        post(
            "/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"temperature\": 3}"),
        400,
        "temperature",
        "[0, 2]");
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"max_tokens\": 400}"),
        400,
        "max_tokens",
        "maximum context length is 256");
    error(
        post("/completions", k, "{\"model\": \"llama\", \"prompt\": \"x\"}"),
        404,
        "model",
        "does not exist");
    error(
        post(
            "/chat/completions",
            k,
            "{\"model\": \"moat-tiny\", \"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"),
        400,
        "messages[0].role",
        "'robot'");
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"logit_bias\": {\"99999\": 5}}"),
        400,
        "logit_bias",
        "outside the vocabulary");
    error(
        post("/completions", k, "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"n\": 3}"),
        400,
        "n",
        "one choice");
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"" + "word ".repeat(400) + "\"}"),
        400,
        "prompt",
        "maximum context length is 256");
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"" + "x".repeat(2_000_000) + "\"}"),
        413,
        null,
        "at most 1048576 bytes");
    byte[] badUtf8 =
        "{\"model\": \"moat-tiny\", \"prompt\": \"caf\u00e9\"}"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    error(post("/completions", k, badUtf8), 400, null, "UTF-8");
    error(post("/completions", "sk-nobody-000000", "{}"), 401, null, "API key");
    error(post("/nowhere", k, "{}"), 404, null, "Unknown request URL");
    // And a good request still works.
    Reply ok =
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 3, \"seed\": 1}");
    assertEquals(200, ok.status(), ok.raw().body());
    int n = ok.body().get("usage").get("completion_tokens").asInt();
    assertTrue(n >= 0 && n <= 3, "completion tokens " + n); // (the end token may come first)
  }

  @Test
  void overBudgetIs429WithRetryAfter() throws Exception {
    String body = "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 2}";
    assertEquals(200, post("/completions", "sk-test-tiny-0001", body).status());
    Reply r = post("/completions", "sk-test-tiny-0001", body);
    error(r, 429, null, "Rate limited");
    long retry = Long.parseLong(r.raw().headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    RateLimitException e =
        assertThrows(
            RateLimitException.class,
            () ->
                client("sk-test-tiny-0001")
                    .completions()
                    .create(
                        CompletionCreateParams.builder()
                            .model("moat-tiny")
                            .prompt("x")
                            .maxTokens(2)
                            .build()));
    assertEquals(429, e.statusCode());
  }

  /**
   * A tier whose ladder puts every request at level 2: logit_bias refused, output capped at 5
   * tokens, one logprob alternative, paced at 50 tokens a second, and the level on the wire.
   */
  @Test
  void theLevelIsAppliedOnTheWire() throws Exception {
    String k = "sk-test-suspect-01";
    error(
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"logit_bias\": {\"5\": 3}}"),
        400,
        "logit_bias",
        "not available");
    long t0 = System.nanoTime();
    Reply r =
        post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"Hello there\", \"max_tokens\": 50, \"stream\": true, \"logprobs\": 4}");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.status());
    assertEquals("2", r.raw().headers().firstValue("X-Moat-Level").orElseThrow());
    String[] events = r.raw().body().split("\n\n", 0);
    assertEquals("data: [DONE]", events[events.length - 1].strip());
    int tokens = 0;
    for (String e : events) {
      if (e.startsWith("data: {")) {
        JsonNode c = ModelServer.MAPPER.readTree(e.substring(6)).get("choices").get(0);
        JsonNode lp = c.get("logprobs");
        if (lp != null && !lp.isNull()) {
          tokens += lp.get("tokens").size();
          lp.get("top_logprobs").forEach(t -> assertTrue(t.size() <= 1, t.toString()));
        }
      }
    }
    assertTrue(tokens <= 5, "capped at 5 tokens: " + tokens);
    assertTrue(
        ms >= (tokens - 1) * 20L - 5, "paced at 50/s: " + tokens + " tokens in " + ms + " ms");
  }

  static HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(adminBase + path))
            .header("Authorization", "Bearer sk-test-admin")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminPortInspectsReloadsChecksAndNeverShowsKeys() throws Exception {
    post(
        "/completions",
        "sk-test-free-0001",
        "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}");
    HttpResponse<String> noKey =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(adminBase + "/admin/sessions")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, noKey.statusCode());
    HttpResponse<String> acct = admin("GET", "/admin/accounts/alice", null);
    assertEquals(200, acct.statusCode(), acct.body());
    JsonNode a = ModelServer.MAPPER.readTree(acct.body());
    assertEquals("free", a.get("tier").asText());
    assertEquals(1000, a.get("budget").get("requests_per_minute").asInt());
    assertEquals(404, admin("GET", "/admin/accounts/nobody", null).statusCode());
    assertEquals(200, admin("GET", "/admin/groups", null).statusCode());
    assertEquals(200, admin("GET", "/admin/sessions", null).statusCode());
    HttpResponse<String> policy = admin("GET", "/admin/policy", null);
    assertTrue(policy.body().contains("test-wm"), "key ids are fine: " + policy.body());
    // A broken policy file: 400 naming the problem; the old policy stays in force.
    Path file = dir.resolve("policy.yaml");
    String good = Files.readString(file);
    Files.writeString(file, good.replace("delta: 2.0", "delta: -1"));
    HttpResponse<String> bad = admin("POST", "/admin/policy/reload", null);
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("delta"), bad.body());
    Files.writeString(file, good);
    assertEquals(200, admin("POST", "/admin/policy/reload", null).statusCode());
    assertEquals(
        200,
        post(
                "/completions",
                "sk-test-free-0001",
                "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}")
            .status());
    // The watermark check: watermarked free-tier output is detected.
    Reply w =
        post(
            "/completions",
            "sk-test-free-0001",
            "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 120, \"seed\": 3}");
    String text = w.body().get("choices").get(0).get("text").asText();
    HttpResponse<String> check =
        admin(
            "POST",
            "/admin/watermark/check",
            ModelServer.MAPPER.createObjectNode().put("text", text).toString());
    assertEquals(200, check.statusCode(), check.body());
    JsonNode res = ModelServer.MAPPER.readTree(check.body()).get("results").get(0);
    assertTrue(res.get("z").asDouble() > 4, check.body());
    // Metrics in Prometheus format.
    HttpResponse<String> m =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(adminBase + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(
        m.body().contains("moat_requests_total")
            && m.body().contains("moat_token_overhead_seconds_bucket")
            && m.body().contains("moat_model_step_seconds_bucket")
            && m.body().contains("moat_admission_queue_delayed_total")
            && m.body().contains("moat_sessions_live"),
        m.body());
    // No endpoint ever shows key material or API keys.
    for (String body :
        new String[] {
          acct.body(),
          policy.body(),
          check.body(),
          m.body(),
          admin("GET", "/admin/sessions", null).body()
        }) {
      assertFalse(
          body.contains(KEY_HEX)
              || body.contains("sk-test-free-0001")
              || body.contains("sk-test-admin"),
          body);
    }
    // The check is an oracle: rate limited.
    int limited = 0;
    for (int i = 0; i < 12; i++) {
      if (admin("POST", "/admin/watermark/check", "{\"text\": \"hello world\"}").statusCode()
          == 429) {
        limited++;
      }
    }
    assertTrue(limited >= 2, "rate limited " + limited);
  }

  /**
   * 150 tarpitted streams at once (2 tokens a second each, about 1.5 s per stream) hold no thread
   * each: the JVM's thread count grows by a handful while they run (the server's pools are fixed:
   * I/O threads, one worker per core, one timer), and every stream completes.
   */
  @Test
  void tarpittedStreamsHoldNoThreads() throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    HttpClient client = HttpClient.newBuilder().executor(pool).build();
    try {
      int before = mx.getThreadCount();
      java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all =
          new java.util.ArrayList<>();
      for (int i = 0; i < 150; i++) {
        all.add(
            client.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/completions"))
                    .header("Authorization", "Bearer sk-test-tarpit-01")
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 20,"
                                + " \"stream\": true}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // The most streams in flight at once, and the threads then (polled: no fixed sleep).
      int live = 0;
      int during = before;
      long until = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < until
          && !all.stream().allMatch(java.util.concurrent.Future::isDone)) {
        int now = ModelServer.MAPPER.readTree(admin("GET", "/admin/sessions", null).body()).size();
        if (now > live) {
          live = now;
          during = Math.max(during, mx.getThreadCount());
        }
        Thread.sleep(50);
      }
      for (var f : all) {
        HttpResponse<String> r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
      }
      assertTrue(live >= 100, "streams in flight at once: " + live);
      assertTrue(during - before < 30, "threads before " + before + ", during " + during);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@code stop} cuts the text before the first stop sequence, with finish_reason stop, streamed
   * (text that could begin a stop sequence held back) or not; {@code seed} makes sampling
   * repeatable.
   */
  @Test
  void stopSequencesAndSeedsBehaveAsOpenAisDo() throws Exception {
    String k = "sk-test-internal-1";
    String req =
        "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 40, \"temperature\": 0";
    String full =
        post("/completions", k, req + "}").body().get("choices").get(0).get("text").asText();
    assertTrue(full.length() > 20, full);
    String stop = full.substring(12, 15);
    String expected = full.substring(0, full.indexOf(stop));
    JsonNode cut =
        post(
                "/completions",
                k,
                req + ", \"stop\": [" + ModelServer.MAPPER.writeValueAsString(stop) + "]}")
            .body()
            .get("choices")
            .get(0);
    assertEquals(expected, cut.get("text").asText());
    assertEquals("stop", cut.get("finish_reason").asText());
    Reply streamed =
        post(
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
        post(
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
        post("/completions", "sk-test-free-0001", seeded).body().get("choices").get(0).get("text"),
        post("/completions", "sk-test-free-0001", seeded).body().get("choices").get(0).get("text"));
  }
}
