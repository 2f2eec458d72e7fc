package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A model server for the tests over real HTTP, on {@link #POLICY} and {@link #KEYS} written into a
 * directory (tiers for every protection: a watermarked tier, a one-request budget, escalation to
 * level 2 and to the tarpit, an unprotected tier), and the calls the tests make on its two ports:
 * the official OpenAI SDK, raw API requests, admin requests, and the check of an OpenAI-shaped
 * error.
 *
 * <p>Thread-safe: its HTTP client is, and it holds nothing else that changes.
 */
public final class ServerFixture implements AutoCloseable {
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
      console:
        - {key: sk-test-ops-0001, name: ops-ann, role: admin}
        - {key: sk-test-view-001, name: viewer-bob, role: read-only}
      """;

  /** Every API and admin-port key of {@link #KEYS}, and the admin key: none may ever be shown. */
  static final java.util.List<String> SECRETS =
      java.util.List.of(
          KEY_HEX,
          "sk-test-free-0001",
          "sk-test-tiny-0001",
          "sk-test-suspect-01",
          "sk-test-internal-1",
          "sk-test-tarpit-01",
          "sk-test-ops-0001",
          "sk-test-view-001",
          "sk-test-admin");

  static final HttpClient HTTP = HttpClient.newHttpClient();

  final ModelServer server;
  final String base;
  final String adminBase;

  private ServerFixture(ModelServer server) {
    this.server = server;
    this.base = "http://127.0.0.1:" + server.port() + "/v1";
    this.adminBase = "http://127.0.0.1:" + server.adminPort();
  }

  /** A server with two workers on {@link #POLICY} and {@link #KEYS} written into {@code dir}. */
  static ServerFixture start(Path dir) throws Exception {
    return start(dir, POLICY);
  }

  /** A server with two workers on {@code policy} and {@link #KEYS} written into {@code dir}. */
  static ServerFixture start(Path dir, String policy) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, policy);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, KEYS);
    return new ServerFixture(
        ModelServer.start(
            ModelServer.Options.builder(file, keys, watermarkKeys(), "sk-test-admin").build()));
  }

  /**
   * Copies a model directory from the test class path ({@code resourceDir}, e.g. {@code
   * /dev/moat/jlama/tiny-qwen2-st}) into {@code dir/name}: {@code files} of it; returns the copy.
   */
  static Path copyModel(String resourceDir, Path dir, java.util.List<String> files)
      throws java.io.IOException {
    Path into = dir.resolve(resourceDir.substring(resourceDir.lastIndexOf('/') + 1));
    Files.createDirectories(into);
    for (String f : files) {
      String r = resourceDir + "/" + f;
      try (java.io.InputStream in =
          java.util.Objects.requireNonNull(ServerFixture.class.getResourceAsStream(r), r)) {
        Files.copy(in, into.resolve(f));
      }
    }
    return into;
  }

  /**
   * A server with two workers on {@link #POLICY} and {@link #KEYS} written into {@code dir},
   * decoding up to {@code maxBatch} sequences per model call (1: each request alone).
   */
  static ServerFixture start(Path dir, int maxBatch) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, KEYS);
    return new ServerFixture(
        ModelServer.start(
            ModelServer.Options.builder(policy, keys, watermarkKeys(), "sk-test-admin")
                .maxBatch(maxBatch)
                .build()));
  }

  /**
   * A server with two workers on {@link #POLICY} and {@link #KEYS} written into {@code dir},
   * generating from the Hugging Face model directory {@code model} served as {@code modelId}.
   */
  static ServerFixture start(Path dir, Path model, String modelId) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, KEYS);
    return new ServerFixture(
        ModelServer.start(
            ModelServer.Options.builder(policy, keys, watermarkKeys(), "sk-test-admin")
                .model(model, modelId)
                .build()));
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
    return ModelServer.start(
        ModelServer.Options.builder(policy, keys, watermarkKeys(), "sk-test-admin")
            .workers(1)
            .stateFile(state)
            .redis(redis)
            .build());
  }

  /** The policy's watermark key ({@code test-wm}) and noise key ({@code test-noise}). */
  public static WatermarkKeys watermarkKeys() {
    return WatermarkKeys.of(
        WatermarkKey.ofHex("test-wm", KEY_HEX), WatermarkKey.ofHex("test-noise", KEY_HEX + "01"));
  }

  @Override
  public void close() {
    server.close();
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(base)
        .apiKey(key)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  Reply post(String path, String key, byte[] body) throws Exception {
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

  Reply post(String path, String key, String body) throws Exception {
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

  /** An admin-port request with {@code key} that must answer {@code status}: its JSON body. */
  JsonNode admin(
      String method,
      String path,
      @org.jspecify.annotations.Nullable String body,
      String key,
      int status)
      throws Exception {
    HttpResponse<String> r = admin(method, path, body, key);
    assertEquals(status, r.statusCode(), method + " " + path + ": " + r.body());
    return ModelServer.MAPPER.readTree(r.body());
  }

  /** The escalation level ({@code X-Moat-Level}) a short streamed request with {@code key} gets. */
  String level(String key) throws Exception {
    Reply r =
        post(
            "/completions",
            key,
            "{\"model\": \"moat-tiny\", \"prompt\": \"Hello there\", \"max_tokens\": 3, \"stream\": true}");
    assertEquals(200, r.status());
    return r.raw().headers().firstValue("X-Moat-Level").orElseThrow();
  }

  HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return admin(method, path, body, "sk-test-admin");
  }

  /** An admin-port request with the given key. */
  HttpResponse<String> admin(
      String method, String path, @org.jspecify.annotations.Nullable String body, String key)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(adminBase + path))
            .header("Authorization", "Bearer " + key)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
