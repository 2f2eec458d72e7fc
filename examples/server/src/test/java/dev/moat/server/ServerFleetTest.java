package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

/**
 * {@code serve --redis}: three replicas over one real redis-server share the detector's links,
 * round-robin from one client; Redis killed, serving goes on and the outage is counted.
 */
class ServerFleetTest {
  @TempDir Path dir;

  private ModelServer start(String redis) throws Exception {
    return ServerFixture.startIn(dir, null, redis);
  }

  private static int complete(ModelServer s, String prompt) throws Exception {
    return complete(s, prompt, "sk-test-free-0001");
  }

  private static int complete(ModelServer s, String prompt, String key) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\": \"moat-tiny\", \"prompt\": \""
                            + prompt
                            + "\", \"max_tokens\": 2, \"seed\": 1}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void replicasShareTheDetectorsLinksThroughRedis() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      String url = "redis://127.0.0.1:" + redis.port();
      ModelServer[] replicas = {start(url), start(url), start(url)};
      try {
        for (int i = 0; i < 9; i++) {
          assertEquals(
              200, complete(replicas[i % 3], "Explain step by step how to build topic " + i));
        }
        try (JedisPooled j = new JedisPooled("127.0.0.1", redis.port())) {
          // One skeleton (the numbers are not part of it): its 8 band buckets and its one
          // content phrase ("build topic", PhraseKeys), written by all three replicas into the
          // same keys.
          assertEquals(9, j.keys("moat:b:*").size(), "buckets in Redis: " + j.keys("*"));
        }
        for (ModelServer s : replicas) {
          assertTrue(s.fleetLinks().connected());
          assertEquals(0, s.fleetLinks().failures());
          assertEquals(3, s.detector().verdict("alice").requests(), "each saw its third");
        }
        redis.stop();
        assertEquals(200, complete(replicas[0], "Redis is down and serving goes on"));
        assertTrue(replicas[0].fleetLinks().failures() > 0, "the outage is counted");
      } finally {
        for (ModelServer s : replicas) {
          s.close();
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> FleetLinks.connect("http://x:1"));
  }

  /**
   * The {@code tiny} tier allows one request a minute. Round-robin over three replicas, each with
   * only its local budget, would admit three; with the fleet's budget in Redis, one.
   */
  @Test
  void budgetsHoldAcrossReplicas() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      String url = "redis://127.0.0.1:" + redis.port();
      ModelServer[] replicas = {start(url), start(url), start(url)};
      try {
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 6; i++) {
          int status = complete(replicas[i % 3], "hello number " + i, "sk-test-tiny-0001");
          if (status == 200) {
            admitted++;
          } else {
            assertEquals(429, status);
            refused++;
          }
        }
        assertEquals(1, admitted, "one request a minute, fleet-wide");
        assertEquals(5, refused);
        for (ModelServer s : replicas) {
          assertTrue(s.fleetBudgets().connected());
        }
      } finally {
        for (ModelServer s : replicas) {
          s.close();
        }
      }
    }
  }
}
