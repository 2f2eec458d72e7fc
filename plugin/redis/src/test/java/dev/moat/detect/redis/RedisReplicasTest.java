package dev.moat.detect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.ReplicaHarness;
import dev.moat.detect.TraceRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three detector replicas, each with its own client of one real redis-server, behind round-robin;
 * Redis is killed in the middle of the campaign and comes back.
 */
class RedisReplicasTest {
  private static RedisServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static RedisLinkStore client(String prefix) {
    return RedisLinkStore.builder()
        .address("127.0.0.1", server.port())
        .prefix(prefix)
        .retryAfter(Duration.ofMillis(100))
        .build();
  }

  @Test
  void aCampaignSpreadOverReplicasIsCaughtAboutAsFast() {
    List<TraceRecord> trace = ReplicaHarness.campaign(42);
    long alone = ReplicaHarness.alone(trace, "bot-");
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet =
        new ReplicaHarness(
            3,
            i -> {
              RedisLinkStore c = client("replicas:");
              clients.add(c);
              return c;
            });
    fleet.replay(trace);
    assertTrue(clients.stream().allMatch(RedisLinkStore::connected));
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.flagged("person-"));
    long spread = fleet.servedBeforeFlag("bot-");
    System.out.println(
        "served before the flags: alone " + alone + ", over three replicas " + spread);
    // Each replica needs its own hits into the campaign's templates: somewhat slower, not 3x.
    assertTrue(spread <= 1.5 * alone + 20, "alone " + alone + ", over three replicas " + spread);
    clients.forEach(RedisLinkStore::close);
  }

  /** Kill Redis mid-run: detection goes on, and nothing flagged is forgotten once it returns. */
  @Test
  void redisDownMidCampaign() throws Exception {
    List<TraceRecord> trace = ReplicaHarness.campaign(43);
    int third = trace.size() / 3;
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet =
        new ReplicaHarness(
            3,
            i -> {
              RedisLinkStore c = client("outage:");
              clients.add(c);
              return c;
            });
    fleet.replay(trace.subList(0, third));
    long before = fleet.flagged("bot-");
    assertTrue(before > 20, "flagged before the outage: " + before);
    List<String> flaggedBefore = new ArrayList<>();
    for (int a = 0; a < 40; a++) {
      for (int i = 0; i < 3; i++) {
        if (fleet.flaggedOn(i, "bot-" + a)) {
          flaggedBefore.add(i + "/bot-" + a);
        }
      }
    }
    server.stop();
    fleet.replay(trace.subList(third, 2 * third)); // answered from each replica's local store
    assertTrue(clients.stream().allMatch(c -> c.failures() > 0), "the outage is counted");
    // A replica started while Redis is down starts on its local store, and joins Redis later.
    RedisLinkStore late = client("outage:");
    assertTrue(late.failures() > 0);
    server.restart();
    Thread.sleep(300); // past retryAfter: the clients try Redis again
    fleet.replay(trace.subList(2 * third, trace.size()));
    assertTrue(clients.stream().allMatch(RedisLinkStore::connected), "back on Redis");
    long[] out = new long[dev.moat.detect.LinkStore.WORDS];
    late.record(3, true, false, new long[] {0x1234L}, 1, out); // threw before its scripts loaded
    assertTrue(late.connected());
    late.close();
    for (String f : flaggedBefore) {
      int i = f.charAt(0) - '0';
      assertTrue(fleet.flaggedOn(i, f.substring(2)), f + " forgotten");
    }
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.flagged("person-"));
    clients.forEach(RedisLinkStore::close);
  }
}
