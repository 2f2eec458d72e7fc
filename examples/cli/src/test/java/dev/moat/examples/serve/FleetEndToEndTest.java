package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.detect.redis.RedisServer;
import dev.moat.server.ModelServer;
import dev.moat.server.ServerFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet mode end to end over HTTP, as it runs: a real {@code redis-server}, three {@link
 * ModelServer} replicas on it ({@code --redis}), and one client sending round-robin to them.
 *
 * <ul>
 *   <li>A tier's budget holds fleet-wide: 600 requests a minute, 900 sent as fast as the replicas
 *       answer. Bucket4j refills the fleet's bucket greedily (10 a second at 600 a minute), so over
 *       a run of {@code T} seconds the fleet may admit {@code 600 + 10 T}. The count admitted may
 *       exceed that by at most 2% of 600 (12). It may fall short by the permits the replicas hold
 *       leased and unspent when the run ends: each replica leases 1/300 of the limit (2) at a time
 *       and prefetches the next lease below half of one, so under 1.5 leases, 3 permits each and 9
 *       over three replicas (1.5%): within the 2% both ways. Three replicas on local budgets only
 *       would admit all 900.
 *   <li>A campaign spread over the replicas is flagged on all of them: 25 young accounts (25 is
 *       prime to 3, so each account's requests reach every replica), each from its own network,
 *       sweeping the simulator's chain-of-thought template; 5 established users ask everyday
 *       questions in between. Every campaign account is flagged on every replica, none is served
 *       below the flag's level after its first flag (the flag reaches the other replicas through
 *       Redis before the account's next request there), and no user is flagged.
 *   <li>Redis killed: every replica's {@code /admin/status} says the fleet is degraded (what the
 *       console's banner shows) and {@code moat_fleet_degraded} is 1, within seconds and with no
 *       traffic; requests are still served; the outage is counted once. Redis back: it clears.
 * </ul>
 */
class FleetEndToEndTest {
  static final int CAMPAIGN = 25;
  static final int USERS = 5;
  static final int LIMIT = 600;

  static final String POLICY =
      """
      version: 1
      tiers:
        metered:
          budget: {requests_per_minute: %d}
        free:
          escalation: {rules: [{score: 1.0, level: 2}]}
      enforcement:
        max_delay_ms: 0
        noise_key: test-noise
        levels:
          - {level: 2, max_tokens: 5, logprobs_max: 1}
      """
          .formatted(LIMIT);

  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  private ModelServer[] replicas(String redis) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    StringBuilder keys = new StringBuilder("keys:\n");
    keys.append("  - {key: sk-metered-0001, account: meg, tier: metered}\n");
    String young = Instant.now().minus(Duration.ofDays(1)).toString();
    for (int i = 0; i < CAMPAIGN; i++) {
      keys.append(
          String.format(
              Locale.ROOT,
              "  - {key: sk-campaign-%02d, account: bot-%02d, tier: free, created: %s}%n",
              i,
              i,
              young));
    }
    for (int i = 0; i < USERS; i++) {
      keys.append(
          String.format(
              Locale.ROOT,
              "  - {key: sk-user-%02d-x, account: user-%d, tier: free, created:"
                  + " 2024-03-01T00:00:00Z}%n",
              i,
              i));
    }
    Path keysFile = dir.resolve("keys.yaml");
    Files.writeString(keysFile, keys);
    ModelServer[] rs = new ModelServer[3];
    for (int i = 0; i < rs.length; i++) {
      rs[i] =
          ModelServer.start(
              ModelServer.Options.builder(
                      policy, keysFile, ServerFixture.watermarkKeys(), "sk-test-admin")
                  .workers(1)
                  .redis(redis)
                  .build());
    }
    return rs;
  }

  @Test
  void budgetsHoldWithinTwoPercentAndASpreadCampaignIsFlaggedOnEveryReplica() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      ModelServer[] rs = replicas("redis://127.0.0.1:" + redis.port());
      try {
        // The budget: one account, round-robin, as fast as the replicas answer. Each request from
        // a network of its own, so that the account's budget is the one measured (the tier's
        // budget per client network, the same 600, would bind at the same time).
        int admitted = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < LIMIT * 3 / 2; i++) {
          String ip = "10." + i / 250 + "." + i % 250 + ".1";
          HttpResponse<String> r = complete(rs[i % 3], "sk-metered-0001", "hello " + i, false, ip);
          if (r.statusCode() == 200) {
            admitted++;
          } else {
            assertEquals(429, r.statusCode(), r.body());
          }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double allowed = LIMIT * (1 + seconds / 60);
        System.out.printf(
            Locale.ROOT,
            "fleet budget: %d admitted of %d sent in %.1f s; the fleet's bucket allowed %.1f"
                + " (%+.2f%% of %d)%n",
            admitted,
            LIMIT * 3 / 2,
            seconds,
            allowed,
            100 * (admitted - allowed) / LIMIT,
            LIMIT);
        assertTrue(
            admitted <= allowed + 0.02 * LIMIT,
            admitted + " admitted, the fleet's bucket allowed " + allowed);
        assertTrue(
            admitted >= allowed - 0.02 * LIMIT,
            admitted + " admitted, the fleet's bucket allowed " + allowed + " less leases");

        // The campaign, with everyday users in between.
        boolean[] flagged = new boolean[CAMPAIGN];
        int flaggedCount = 0;
        int servedUnflaggedAfterFlag = 0;
        int firstFlag = -1;
        int n = 0;
        int sweep = 0;
        for (; n < 2000 && flaggedCount < CAMPAIGN; n++) {
          ModelServer r = rs[n % 3];
          if (n % 6 == 5) {
            int u = (n / 6) % USERS;
            String prompt = LoadDemo.BENIGN[(n / 6) % LoadDemo.BENIGN.length];
            String key = String.format(Locale.ROOT, "sk-user-%02d-x", u);
            assertEquals(0, level(complete(r, key, prompt, true, "172.20." + u + ".9")), key);
            continue;
          }
          int a = sweep % CAMPAIGN;
          String prompt = dev.moat.research.sim.Prompts.campaignPrompt(sweep++);
          String key = String.format(Locale.ROOT, "sk-campaign-%02d", a);
          int level = level(complete(r, key, prompt, true, "198.18." + a + ".7"));
          if (level == 2) {
            firstFlag = firstFlag < 0 ? n : firstFlag;
            if (!flagged[a]) {
              flagged[a] = true;
              flaggedCount++;
            }
          } else if (flagged[a]) {
            servedUnflaggedAfterFlag++;
          }
        }
        System.out.printf(
            Locale.ROOT,
            "campaign over 3 replicas: first flag at request %d, all %d accounts flagged by request"
                + " %d, served below the flag after it: %d%n",
            firstFlag,
            CAMPAIGN,
            n,
            servedUnflaggedAfterFlag);
        assertEquals(CAMPAIGN, flaggedCount, "campaign accounts flagged within " + n);
        assertEquals(0, servedUnflaggedAfterFlag);
        // Each account once more on each replica: flagged there, whichever replica flagged it.
        for (ModelServer r : rs) {
          for (int a = 0; a < CAMPAIGN; a++) {
            String key = String.format(Locale.ROOT, "sk-campaign-%02d", a);
            String prompt = dev.moat.research.sim.Prompts.campaignPrompt(sweep++);
            assertEquals(2, level(complete(r, key, prompt, true, "198.18." + a + ".7")), key);
            String acct = String.format(Locale.ROOT, "bot-%02d", a);
            assertEquals(
                "flag", admin(r, "/admin/accounts/" + acct).get("detection_level").asText());
          }
          for (int u = 0; u < USERS; u++) {
            JsonNode v = admin(r, "/admin/accounts/user-" + u);
            assertFalse(v.get("detection_level").asText().equals("flag"), v.toString());
          }
          assertFalse(admin(r, "/admin/status").get("fleet").get("degraded").asBoolean());
        }
      } finally {
        for (ModelServer r : rs) {
          r.close();
        }
      }
    }
  }

  @Test
  void aRedisOutageIsShownWhileItLastsAndServingGoesOn() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      ModelServer[] rs = replicas("redis://127.0.0.1:" + redis.port());
      try {
        for (ModelServer r : rs) {
          JsonNode f = admin(r, "/admin/status").get("fleet");
          assertEquals("fleet", f.get("mode").asText());
          assertEquals("127.0.0.1:" + redis.port(), f.get("redis").asText());
          assertFalse(f.get("degraded").asBoolean(), f.toString());
          assertEquals("0.0", metric(r, "moat_fleet_degraded"));
        }
        redis.stop();
        // No traffic needed: the replicas' once-a-second check sees it within seconds (the
        // stores alone would notice at their next call: the budgets' heartbeat, up to 10 s).
        long seen = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        for (ModelServer r : rs) {
          JsonNode f = await(r, x -> x.get("degraded").asBoolean(), "degraded", seen);
          assertTrue(f.get("message").asText().contains("fail-open"), f.toString());
          assertFalse(f.get("redis_answers").asBoolean(), f.toString());
          assertEquals("1.0", metric(r, "moat_fleet_degraded"));
          assertEquals("1.0", metric(r, "moat_fleet_outages_total"));
        }
        for (int i = 0; i < 6; i++) {
          HttpResponse<String> r =
              complete(rs[i % 3], "sk-metered-0001", "Redis is down " + i, false, "10.0.0.1");
          assertEquals(200, r.statusCode(), "serving goes on: " + r.body());
        }
        for (ModelServer r : rs) {
          JsonNode f = admin(r, "/admin/status").get("fleet");
          assertTrue(f.get("degraded").asBoolean(), f.toString());
          assertEquals("local", f.get("budgets").asText(), f.toString());
        }
        redis.restart();
        long back = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (ModelServer r : rs) {
          JsonNode f =
              await(
                  r,
                  x -> {
                    // A request lets the budgets' next lease find Redis back (else their
                    // heartbeat does, within 10 s).
                    complete(r, "sk-metered-0001", "Is Redis back?", false, "10.0.0.1");
                    return !x.get("degraded").asBoolean();
                  },
                  "healthy again",
                  back);
          assertFalse(f.has("message"), f.toString());
          assertEquals("redis", f.get("links").asText());
          assertEquals("redis", f.get("budgets").asText());
          assertEquals("0.0", metric(r, "moat_fleet_degraded"));
          assertEquals("1.0", metric(r, "moat_fleet_outages_total"), "one outage, counted once");
        }
      } finally {
        for (ModelServer r : rs) {
          r.close();
        }
      }
    }
  }

  private interface Check {
    boolean test(JsonNode fleet) throws Exception;
  }

  /** Polls the replica's fleet status until {@code done}, until {@code deadline} (nanoTime). */
  private static JsonNode await(ModelServer r, Check done, String what, long deadline)
      throws Exception {
    while (true) {
      JsonNode f = admin(r, "/admin/status").get("fleet");
      if (done.test(f)) {
        return f;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not " + what + " in time: " + f);
      }
      Thread.sleep(200);
    }
  }

  /** A chat completion; {@code ip} the client's network as a proxy on this machine reports it. */
  static HttpResponse<String> complete(
      ModelServer s, String key, String prompt, boolean harvest, String ip) throws Exception {
    ObjectNode body = LoadDemo.JSON.createObjectNode();
    body.put("model", "moat-tiny");
    body.put("max_tokens", harvest ? 3 : 1);
    if (harvest) {
      // What distillers ask for, streamed (the level is in the stream's X-Moat-Level).
      body.put("temperature", 0.3);
      body.put("logprobs", true);
      body.put("top_logprobs", 5);
      body.put("stream", true);
    }
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/chat/completions"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", ip)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int level(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return Integer.parseInt(r.headers().firstValue("X-Moat-Level").orElseThrow());
  }

  static JsonNode admin(ModelServer s, String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.adminPort() + path))
                .header("Authorization", "Bearer sk-test-admin")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return LoadDemo.JSON.readTree(r.body());
  }

  /** One unlabelled sample's value from the replica's Prometheus scrape. */
  static String metric(ModelServer s, String name) throws Exception {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n", -1)) {
      if (line.startsWith(name + " ")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    throw new AssertionError(name + " is not in the scrape:\n" + body);
  }
}
