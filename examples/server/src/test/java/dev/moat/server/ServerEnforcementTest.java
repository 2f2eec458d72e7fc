package dev.moat.server;

import static dev.moat.server.ServerFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.errors.RateLimitException;
import com.openai.models.completions.CompletionCreateParams;
import dev.moat.server.ServerFixture.Reply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enforcement on the wire, over real HTTP: a budget spent is 429 with Retry-After (raw and through
 * the official OpenAI SDK), and a tier's escalation ladder applies its level to the response
 * ({@code logit_bias} refused, output capped, logprobs cut, pacing, {@code X-Moat-Level}).
 */
class ServerEnforcementTest {
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
  void overBudgetIs429WithRetryAfter() throws Exception {
    String body = "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 2}";
    assertEquals(200, server.post("/completions", "sk-test-tiny-0001", body).status());
    Reply r = server.post("/completions", "sk-test-tiny-0001", body);
    error(r, 429, null, "Rate limited");
    long retry = Long.parseLong(r.raw().headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    RateLimitException e =
        assertThrows(
            RateLimitException.class,
            () ->
                server
                    .client("sk-test-tiny-0001")
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
        server.post(
            "/completions",
            k,
            "{\"model\": \"moat-tiny\", \"prompt\": \"x\", \"logit_bias\": {\"5\": 3}}"),
        400,
        "logit_bias",
        "not available");
    long t0 = System.nanoTime();
    Reply r =
        server.post(
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
}
