package dev.moat.examples.serve;

import static dev.moat.examples.serve.ServerFixture.HTTP;
import static dev.moat.examples.serve.ServerFixture.KEY_HEX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.examples.serve.ServerFixture.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port over real HTTP: the admin key required, account, group, session and policy
 * inspection, a policy reload (a broken file refused, the old policy kept), the watermark check
 * (and its rate limit), Prometheus metrics, and never key material or API keys in any answer.
 */
class ServerAdminTest {
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
  void adminPortInspectsReloadsChecksAndNeverShowsKeys() throws Exception {
    server.post(
        "/completions",
        "sk-test-free-0001",
        "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}");
    HttpResponse<String> noKey =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.adminBase + "/admin/sessions")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, noKey.statusCode());
    HttpResponse<String> acct = server.admin("GET", "/admin/accounts/alice", null);
    assertEquals(200, acct.statusCode(), acct.body());
    JsonNode a = ModelServer.MAPPER.readTree(acct.body());
    assertEquals("free", a.get("tier").asText());
    assertEquals(1000, a.get("budget").get("requests_per_minute").asInt());
    assertEquals(404, server.admin("GET", "/admin/accounts/nobody", null).statusCode());
    assertEquals(200, server.admin("GET", "/admin/groups", null).statusCode());
    assertEquals(200, server.admin("GET", "/admin/sessions", null).statusCode());
    HttpResponse<String> policy = server.admin("GET", "/admin/policy", null);
    assertTrue(policy.body().contains("test-wm"), "key ids are fine: " + policy.body());
    // A broken policy file: 400 naming the problem; the old policy stays in force.
    Path file = dir.resolve("policy.yaml");
    String good = Files.readString(file);
    Files.writeString(file, good.replace("delta: 2.0", "delta: -1"));
    HttpResponse<String> bad = server.admin("POST", "/admin/policy/reload", null);
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("delta"), bad.body());
    Files.writeString(file, good);
    assertEquals(200, server.admin("POST", "/admin/policy/reload", null).statusCode());
    assertEquals(
        200,
        server
            .post(
                "/completions",
                "sk-test-free-0001",
                "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}")
            .status());
    // The watermark check: watermarked free-tier output is detected.
    Reply w =
        server.post(
            "/completions",
            "sk-test-free-0001",
            "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 120, \"seed\": 3}");
    String text = w.body().get("choices").get(0).get("text").asText();
    HttpResponse<String> check =
        server.admin(
            "POST",
            "/admin/watermark/check",
            ModelServer.MAPPER.createObjectNode().put("text", text).toString());
    assertEquals(200, check.statusCode(), check.body());
    JsonNode res = ModelServer.MAPPER.readTree(check.body()).get("results").get(0);
    assertTrue(res.get("z").asDouble() > 4, check.body());
    // Metrics in Prometheus format.
    HttpResponse<String> m =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.adminBase + "/metrics")).build(),
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
          server.admin("GET", "/admin/sessions", null).body()
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
      if (server.admin("POST", "/admin/watermark/check", "{\"text\": \"hello world\"}").statusCode()
          == 429) {
        limited++;
      }
    }
    assertTrue(limited >= 2, "rate limited " + limited);
  }
}
