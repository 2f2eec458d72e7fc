package dev.moat.server;

import static dev.moat.server.ServerFixture.HTTP;
import static dev.moat.server.ServerFixture.KEY_HEX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.server.ServerFixture.Reply;
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
            && m.body().contains("moat_sessions_live")
            && m.body().contains("moat_kgw_list_cache_budget_bytes 6.7108864E7")
            && m.body().contains("moat_gumbel_race_cache_budget_bytes 6.7108864E7")
            && m.body().contains("moat_gumbel_race_cache_lookups_total{result=\"hit\"}"),
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

  /**
   * The charts' history and the status: for any admin-port key (read-only too), not without one;
   * the history's series are the server's own counts (the requests sent here show in them); the
   * charting library is served by the server itself, only under its listed names.
   */
  @Test
  void chartsStatusAndAssetsAreServedByTheServer() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.post(
          "/completions",
          "sk-test-free-0001",
          "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 3}");
    }
    assertEquals(
        401, server.admin("GET", "/admin/metrics/history", null, "sk-wrong-key").statusCode());
    JsonNode status =
        ModelServer.MAPPER.readTree(
            server.admin("GET", "/admin/status", null, "sk-test-view-001").body());
    assertEquals("single", status.get("fleet").get("mode").asText(), status.toString());
    assertFalse(status.get("fleet").get("degraded").asBoolean());
    // The next samples hold the requests: wait for a point of the free tier's series above 0.
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonNode h;
    double freeRequests;
    do {
      Thread.sleep(200);
      HttpResponse<String> r =
          server.admin("GET", "/admin/metrics/history", null, "sk-test-view-001");
      assertEquals(200, r.statusCode(), r.body());
      h = ModelServer.MAPPER.readTree(r.body());
      freeRequests = 0;
      for (JsonNode c : h.get("charts")) {
        if (c.get("id").asText().equals("requests_tier")) {
          for (JsonNode x : c.get("series")) {
            if (x.get("name").asText().equals("free")) {
              for (JsonNode v : x.get("values")) {
                freeRequests += v.asDouble();
              }
            }
          }
        }
      }
    } while (freeRequests == 0 && System.nanoTime() < deadline);
    assertTrue(freeRequests > 0, h.toString());
    assertEquals(1000, h.get("interval_ms").asInt());
    java.util.Set<String> ids = new java.util.TreeSet<>();
    h.get("charts").forEach(c -> ids.add(c.get("id").asText()));
    assertEquals(
        java.util.Set.of(
            "requests_tier",
            "requests_level",
            "tokens_tier",
            "tokens_level",
            "detection",
            "shaping",
            "moat_share",
            "per_token",
            "queue"),
        ids,
        "no fleet chart without --redis");
    HttpResponse<String> js =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.adminBase + "/assets/uPlot.iife.min.js"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, js.statusCode());
    assertTrue(js.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
    assertTrue(js.body().contains("uPlot"), "uPlot's script");
    for (String bad : new String[] {"uPlot.d.ts", "LICENSE", "..%2F..%2Fpom.properties"}) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(server.adminBase + "/assets/" + bad)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(404, r.statusCode(), bad + ": " + r.body());
    }
  }
}
