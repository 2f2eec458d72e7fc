package dev.moat.detect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.AccountMark;
import dev.moat.detect.ReplicaHarness;
import dev.moat.detect.Suspicion;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
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

  /** Three replicas, each with its own client (added to {@code clients}) of one Redis. */
  private static ReplicaHarness fleet(String prefix, List<RedisLinkStore> clients) {
    return new ReplicaHarness(
        3,
        i -> {
          RedisLinkStore c = client(prefix);
          clients.add(c);
          return c;
        });
  }

  @Test
  void aCampaignSpreadOverReplicasIsCaughtAboutAsFast() {
    List<TraceRecord> trace = ReplicaHarness.campaign(42);
    long alone = ReplicaHarness.alone(trace, "bot-");
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet = fleet("replicas:", clients);
    fleet.replay(trace);
    assertTrue(clients.stream().allMatch(RedisLinkStore::connected));
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.flagged("person-"));
    long spread = fleet.servedBeforeFlag("bot-");
    System.out.println(
        "served before the flags: alone " + alone + ", over three replicas " + spread);
    // Each replica needs its own hits into the campaign's templates: somewhat slower, not 3x.
    assertTrue(spread <= 1.5 * alone + 20, "alone " + alone + ", over three replicas " + spread);
    // The first replica's flag reaches the others through Redis before their next request.
    assertEquals(0, fleet.servedUnflaggedAfterFlag("bot-"));
    // An admin's clearing on one replica clears the account on the others.
    assertTrue(fleet.flaggedOn(2, "bot-3"));
    assertTrue(fleet.replica(0).clear("bot-3", "admin", "false positive"));
    TraceRecord last =
        trace.stream().filter(r -> r.account().equals("bot-3")).reduce((a, b) -> b).orElseThrow();
    assertFalse(fleet.replica(2).observe(later(last, 60_000)).flagged());
    clients.forEach(RedisLinkStore::close);
  }

  static TraceRecord later(TraceRecord r, long millis) {
    return new TraceRecord(
        r.ts() + millis,
        r.account(),
        r.accountCreated(),
        r.tier(),
        r.client(),
        r.conversation(),
        r.turn(),
        r.system(),
        r.prompt(),
        r.maxTokens(),
        r.temperature(),
        r.topLogprobs(),
        r.outputTokens());
  }

  /** A watch raised on one replica holds on the others from their next request of the account. */
  @Test
  void aWatchOnOneReplicaHoldsOnTheOthers() {
    List<TraceRecord> trace = ReplicaHarness.campaign(46);
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet = fleet("watches:", clients);
    fleet.replay(trace);
    assertTrue(clients.stream().allMatch(RedisLinkStore::connected));
    assertTrue(fleet.watched("bot-") > 0);
    assertEquals(0, fleet.servedUnwatchedAfterWatch("bot-"));
    assertEquals(0, fleet.servedUnwatchedAfterWatch("person-"));
    clients.forEach(RedisLinkStore::close);
  }

  @Test
  void marksFollowTheRuleAtomicallyInRedis() {
    try (RedisLinkStore a = client("marks:");
        RedisLinkStore b = client("marks:")) {
      long day = 86_400_000L;
      AccountMark cleared = AccountMark.cleared(5_000, "false positive");
      assertTrue(a.mark("acct", cleared, day));
      assertEquals(cleared, b.mark("acct"));
      // A replica that had not seen the clearing may not flag the account again within the guard.
      assertTrue(b.mark("acct", AccountMark.flag(4_000, 5_000 + day - 1, "g-1", "r"), day));
      assertEquals(cleared, a.mark("acct"));
      AccountMark again = AccountMark.flag(4_000, 5_000 + day, "g-1", "coordinated | again");
      assertTrue(b.mark("acct", again, day));
      assertEquals(again, a.mark("acct"));
      assertNull(a.mark("nobody"));
    }
  }

  /**
   * A watch raised while Redis is down (the write fails, and the replica must not count it as told)
   * reaches Redis at the watching replica's next request of the account once Redis is back, not an
   * eighth of the decay period (9 hours) later: checked over the first two hours after the return.
   * Redis is down for the campaign's first tenth, while most of its accounts are watched and few
   * are flagged yet.
   */
  @Test
  void aWatchRaisedWhileRedisIsDownReachesTheFleetWhenItIsBack() throws Exception {
    List<TraceRecord> trace = ReplicaHarness.campaign(47);
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet = fleet("watch-outage:", clients);
    int half = trace.size() / 10; // where the most bots are watched and not yet flagged
    server.stop();
    fleet.replay(trace.subList(0, half));
    java.util.Map<String, Integer> watchedOn = new java.util.HashMap<>();
    for (int a = 0; a < 40; a++) {
      for (int i = 0; i < 3; i++) {
        Verdict v = fleet.replica(i).verdict("bot-" + a);
        if (v != null && v.level() == Suspicion.WATCH) {
          watchedOn.put("bot-" + a, i);
        }
      }
    }
    server.restart();
    Thread.sleep(300); // past retryAfter: the clients try Redis again
    long until = trace.get(half).ts() + Duration.ofHours(2).toMillis();
    int end = half;
    while (end < trace.size() && trace.get(end).ts() < until) {
      end++;
    }
    fleet.replay(trace.subList(half, end)); // record k goes to replica k % 3
    java.util.Set<String> due = new java.util.TreeSet<>();
    for (int k = half; k < end; k++) {
      String account = trace.get(k).account();
      Integer i = watchedOn.get(account);
      Verdict v = i == null ? null : fleet.replica(i).verdict(account);
      if (i != null && k % 3 == i && v != null && v.level() == Suspicion.WATCH) {
        due.add(account);
      }
    }
    System.out.println(
        "watched during the outage: " + watchedOn.size() + ", seen again by their replica: " + due);
    assertFalse(due.isEmpty(), "the trace must give the test something to check");
    for (String account : due) {
      AccountMark m = clients.get(0).mark(account);
      assertTrue(
          m != null && m.watchedAt() != Long.MIN_VALUE, account + "'s watch never reached Redis");
    }
    clients.forEach(RedisLinkStore::close);
  }

  /** Kill Redis mid-run: detection goes on, and nothing flagged is forgotten once it returns. */
  @Test
  void redisDownMidCampaign() throws Exception {
    List<TraceRecord> trace = ReplicaHarness.campaign(43);
    int third = trace.size() / 3;
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet = fleet("outage:", clients);
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
    // Flags raised while Redis was down were told to the fleet once it came back.
    for (int a = 0; a < 40; a++) {
      for (int i = 0; i < 3; i++) {
        assertTrue(fleet.flaggedOn(i, "bot-" + a), "bot-" + a + " on replica " + i);
      }
    }
    clients.forEach(RedisLinkStore::close);
  }

  /**
   * An admin's pin on one replica holds on the others from their next request of the account, both
   * ways (allow-listed, enforced), lives in Redis no longer than the pin, and its removal reaches
   * them too.
   */
  @Test
  void aPinOnOneReplicaHoldsOnTheOthers() {
    List<TraceRecord> trace = ReplicaHarness.campaign(46);
    List<RedisLinkStore> clients = new ArrayList<>();
    ReplicaHarness fleet = fleet("pins:", clients);
    fleet.replay(trace.subList(0, trace.size() / 3));
    String bot = null;
    for (int a = 0; a < 40 && bot == null; a++) {
      bot = fleet.flaggedOn(2, "bot-" + a) ? "bot-" + a : null;
    }
    assertTrue(bot != null, "a bot flagged on replica 2");
    TraceRecord botLast = last(trace.subList(0, trace.size() / 3), bot);
    TraceRecord person = last(trace.subList(0, trace.size() / 3), "person-7");
    assertFalse(fleet.replica(1).observe(later(person, 1_000)).watched());

    fleet.replica(0).pin(bot, Suspicion.NONE, Duration.ofDays(7), "ops-ann", "partner");
    fleet.replica(0).pin("person-7", Suspicion.FLAG, Duration.ofHours(1), "ops-ann", "resold");
    Verdict b = fleet.replica(2).observe(later(botLast, 60_000));
    assertEquals(Suspicion.NONE, b.level(), b.toString());
    assertTrue(b.reasons().get(0).startsWith("pinned at none"), b.reasons().toString());
    assertTrue(fleet.replica(1).observe(later(person, 60_000)).flagged());
    try (redis.clients.jedis.JedisPooled raw =
        new redis.clients.jedis.JedisPooled("127.0.0.1", server.port())) {
      long ttl = raw.pttl("pins:p:person-7");
      assertTrue(ttl > 3_500_000 && ttl <= 3_600_000, "expires with the pin: " + ttl + " ms");
    }

    fleet.replica(1).unpin("person-7", "ops-ann", "reviewed");
    assertEquals(Suspicion.NONE, fleet.replica(2).observe(later(person, 120_000)).level());
    clients.forEach(RedisLinkStore::close);
  }

  static TraceRecord last(List<TraceRecord> trace, String account) {
    return trace.stream()
        .filter(r -> r.account().equals(account))
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
