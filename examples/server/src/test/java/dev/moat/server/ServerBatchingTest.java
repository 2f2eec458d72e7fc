package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching over real HTTP on the bundled model: concurrent streams share model calls;
 * seeded requests say the same batched as alone; a tarpitted stream does not hold a place in the
 * batch; a client that goes away frees its place at once.
 */
class ServerBatchingTest {
  @TempDir static Path dir;
  static ServerFixture alone; // --max-batch 1: each request decodes alone, one call per token
  static ServerFixture batched; // --max-batch 16

  @BeforeAll
  static void start() throws Exception {
    alone = ServerFixture.start(Files.createDirectories(dir.resolve("alone")), 1);
    batched = ServerFixture.start(Files.createDirectories(dir.resolve("batched")), 16);
  }

  @AfterAll
  static void stop() {
    alone.close();
    batched.close();
  }

  /** One streamed completion as the client saw it. */
  record Streamed(String text, String finish, int completionTokens, List<String> tokens) {
    /** Model calls it took alone: one per token, plus the step that sampled the end. */
    int callsAlone() {
      return completionTokens + ("stop".equals(finish) ? 1 : 0);
    }
  }

  static String body(String prompt, int maxTokens, long seed) {
    return "{\"model\": \"moat-tiny\", \"prompt\": "
        + ModelServer.MAPPER.valueToTree(prompt)
        + ", \"max_tokens\": "
        + maxTokens
        + ", \"temperature\": 1.0, \"seed\": "
        + seed
        + ", \"logprobs\": 2, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
  }

  static CompletableFuture<HttpResponse<String>> send(ServerFixture s, String key, String body) {
    return ServerFixture.HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create(s.base + "/completions"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static Streamed parse(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    StringBuilder text = new StringBuilder();
    String finish = null;
    int usage = -1;
    List<String> tokens = new ArrayList<>();
    for (String line : r.body().split("\n", -1)) {
      if (!line.startsWith("data: {")) {
        continue;
      }
      JsonNode c = ModelServer.MAPPER.readTree(line.substring(6));
      if (c.has("usage") && c.get("usage").isObject()) {
        usage = c.get("usage").get("completion_tokens").asInt();
      }
      JsonNode ch = c.path("choices").path(0);
      text.append(ch.path("text").asText(""));
      if (ch.hasNonNull("finish_reason")) {
        finish = ch.get("finish_reason").asText();
      }
      for (JsonNode t : ch.path("logprobs").path("tokens")) {
        tokens.add(t.asText());
      }
    }
    assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
    return new Streamed(text.toString(), String.valueOf(finish), usage, tokens);
  }

  static final String[] PROMPTS = {
    "The Python interpreter",
    "public static int",
    "A dictionary is",
    "To open a file for reading, use",
    "In Java, an interface",
    "for (int i = 0; i <",
    "The list comprehension",
    "/**\n * Returns the",
  };

  /** Each prompt alone, one after another. */
  static List<Streamed> oneAtATime(ServerFixture s, String key, int maxTokens) throws Exception {
    List<Streamed> out = new ArrayList<>();
    for (int i = 0; i < PROMPTS.length; i++) {
      out.add(parse(send(s, key, body(PROMPTS[i], maxTokens, 100 + i)).get(60, TimeUnit.SECONDS)));
    }
    return out;
  }

  /** Every prompt at once. */
  static List<Streamed> allAtOnce(ServerFixture s, String key, int maxTokens) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < PROMPTS.length; i++) {
      fs.add(send(s, key, body(PROMPTS[i], maxTokens, 100 + i)));
    }
    List<Streamed> out = new ArrayList<>();
    for (var f : fs) {
      out.add(parse(f.get(60, TimeUnit.SECONDS)));
    }
    return out;
  }

  /**
   * Eight concurrent streams take far fewer model calls batched than one per token each (exactly
   * that many without batching: the count is checked there too).
   */
  @Test
  void concurrentStreamsShareModelCalls() throws Exception {
    String key = "sk-test-internal-1";
    long before = alone.server.metrics().modelCalls();
    List<Streamed> a = allAtOnce(alone, key, 48);
    long callsAlone = alone.server.metrics().modelCalls() - before;
    int expected = a.stream().mapToInt(Streamed::callsAlone).sum();
    assertEquals(expected, callsAlone, "without batching: one call per token");

    before = batched.server.metrics().modelCalls();
    List<Streamed> b = allAtOnce(batched, key, 48);
    long calls = batched.server.metrics().modelCalls() - before;
    int tokens = b.stream().mapToInt(Streamed::callsAlone).sum();
    assertTrue(
        calls * 2 < tokens,
        "batched: " + calls + " model calls for " + tokens + " tokens of 8 streams");
    System.out.printf(
        "8 concurrent streams: %d model calls batched for %d tokens (%d calls alone)%n",
        calls, tokens, callsAlone);
  }

  /**
   * Seeded requests (temperature 1, watermarked tier, logprobs) say the same whether each decodes
   * alone on a server without batching, alone on the batching server, or all at once in one batch.
   */
  @Test
  void seededOutputsAreTheSameBatchedAndAlone() throws Exception {
    String key = "sk-test-free-0001";
    List<Streamed> reference = oneAtATime(alone, key, 40);
    List<Streamed> sequential = oneAtATime(batched, key, 40);
    List<Streamed> together = allAtOnce(batched, key, 40);
    for (int i = 0; i < PROMPTS.length; i++) {
      Streamed r = reference.get(i);
      assertTrue(r.completionTokens() > 0, "request " + i);
      assertEquals(r, sequential.get(i), "request " + i + " alone on the batching server");
      assertEquals(r, together.get(i), "request " + i + " in a batch of " + PROMPTS.length);
    }
  }

  /**
   * Eight tarpitted streams (2 tokens a second) and a batch of 4 places: the held streams leave
   * their places while held, so an unpaced stream runs at once instead of waiting out the tarpits.
   */
  @Test
  void aTarpittedStreamDoesNotSlowAnUnpacedOne(@TempDir Path own) throws Exception {
    try (ServerFixture s = ServerFixture.start(own, 4)) {
      String unpaced = body("The Python interpreter", 64, 7);
      long t0 = System.nanoTime();
      parse(send(s, "sk-test-internal-1", unpaced).get(60, TimeUnit.SECONDS));
      long aloneNanos = System.nanoTime() - t0;

      List<CompletableFuture<HttpResponse<String>>> tarpits = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tarpits.add(
            send(
                s,
                "sk-test-tarpit-01",
                "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 4, \"stream\":"
                    + " true}"));
      }
      // every tarpit stream is generating (held between its tokens) before the unpaced one starts
      long until = System.nanoTime() + 10_000_000_000L;
      while (s.server.live().size() < 8 && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      Thread.sleep(100);
      long t1 = System.nanoTime();
      Streamed u = parse(send(s, "sk-test-internal-1", unpaced).get(60, TimeUnit.SECONDS));
      long withTarpits = System.nanoTime() - t1;
      long stillHeld = tarpits.stream().filter(f -> !f.isDone()).count();
      for (var f : tarpits) {
        parse(f.get(60, TimeUnit.SECONDS));
      }
      assertTrue(u.completionTokens() > 0);
      assertEquals(8, stillHeld, "the tarpits were still running when the unpaced stream ended");
      assertTrue(
          withTarpits < 1_000_000_000L,
          "unpaced stream beside 8 tarpits: "
              + withTarpits / 1e6
              + " ms (alone "
              + aloneNanos / 1e6
              + " ms)");
    }
  }

  /**
   * A client that goes away after three tokens: its generation ends as cancelled, and its place in
   * a batch of two goes at once to the next request, which starts while the other long stream still
   * runs.
   */
  @Test
  void aClientThatGoesAwayFreesItsPlace(@TempDir Path own) throws Exception {
    try (ServerFixture s = ServerFixture.start(own, 2)) {
      String longBody =
          "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 240, \"temperature\":"
              + " 0, \"stream\": true}";
      byte[] raw = longBody.getBytes(StandardCharsets.UTF_8);
      Socket sock = new Socket(java.net.InetAddress.getLoopbackAddress(), s.server.port());
      try {
        sock.setSoLinger(true, 0); // close with a reset: the server's next write fails
        OutputStream o = sock.getOutputStream();
        o.write(
            ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer sk-test-internal-1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: "
                    + raw.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        o.write(raw);
        o.flush();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
        int chunks = 0;
        for (String line; chunks < 3 && (line = in.readLine()) != null; ) {
          if (line.startsWith("data: {")) {
            chunks++;
          }
        }
        assertEquals(3, chunks);
        // the other place: a long stream that keeps running
        CompletableFuture<HttpResponse<String>> other = send(s, "sk-test-internal-1", longBody);
        long until = System.nanoTime() + 10_000_000_000L;
        while (s.server.live().size() < 2 && System.nanoTime() < until) {
          Thread.sleep(1);
        }
        sock.close();
        // the cancelled generation leaves: one place is free while the other stream still runs
        while (s.server.live().size() > 1 && System.nanoTime() < until) {
          Thread.sleep(1);
        }
        assertEquals(1, s.server.live().size(), "the cancelled generation ended");
        long t0 = System.nanoTime();
        HttpResponse<String> next =
            ServerFixture.HTTP.send(
                HttpRequest.newBuilder(URI.create(s.base + "/completions"))
                    .header("Authorization", "Bearer sk-test-internal-1")
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 3,"
                                + " \"temperature\": 0}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        long nextNanos = System.nanoTime() - t0;
        boolean otherStillRunning = !other.isDone();
        assertEquals(200, next.statusCode(), next.body());
        assertTrue(
            otherStillRunning,
            "the next request ("
                + nextNanos / 1e6
                + " ms) was served while the other stream still ran, in the place the cancelled"
                + " one left");
        parse(other.get(60, TimeUnit.SECONDS));
        String metrics = s.admin("GET", "/metrics", null).body();
        assertTrue(
            metrics.contains(
                "moat_requests_total{level=\"0\",outcome=\"cancelled\",tier=\"internal\"} 1.0"),
            metrics);
      } finally {
        sock.close();
      }
    }
  }
}
