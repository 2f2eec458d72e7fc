package dev.moat.enforce.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.redis.RedisServer;
import dev.moat.enforce.Admission;
import dev.moat.enforce.Budget;
import dev.moat.enforce.Enforcer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Fleet-wide budgets against a real redis-server started by the test. */
class FleetBudgetTest {
  static Enforcer replica(RedisFleetLimiter fleet, long perMinute) {
    return Enforcer.builder()
        .budgets(Map.of("free", new Budget(perMinute, 0, 0, 0)))
        .levels(Map.of())
        .maxDelay(Duration.ZERO)
        .maximumScopes(10_000)
        .idleExpiry(Duration.ofHours(1))
        .fleet(fleet)
        .build();
  }

  /**
   * Three replicas, two threads each, one account hammering all of them: together they admit the
   * fleet's 2,000 requests a minute within 2% (without the fleet, each would admit 2,000).
   */
  @Test
  void oneLimitHoldsAcrossReplicas() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      List<RedisFleetLimiter> fleets = new ArrayList<>();
      List<Enforcer> replicas = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        RedisFleetLimiter f =
            RedisFleetLimiter.builder()
                .address("127.0.0.1", redis.port())
                .prefix("fleet-test:")
                .timeout(Duration.ofSeconds(1))
                .retryAfter(Duration.ofSeconds(1))
                .build();
        fleets.add(f);
        replicas.add(replica(f, 2_000));
      }
      AtomicInteger admitted = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int t = 0; t < 6; t++) {
        Enforcer e = replicas.get(t % 3);
        Thread th =
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException x) {
                    return;
                  }
                  long end = System.nanoTime() + 1_500_000_000L;
                  while (System.nanoTime() < end) {
                    Admission a = e.admit("free", "acct", null, null, 0, 1, 1);
                    if (a.admitted()) {
                      admitted.incrementAndGet();
                    }
                  }
                });
        th.start();
        threads.add(th);
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      // The bucket refills at 2,000 a minute while the test runs: that much more is allowed.
      double ceiling = 2_000 + 2_000 * seconds / 60 + 1;
      int n = admitted.get();
      assertTrue(
          n <= ceiling * 1.02, n + " admitted, ceiling " + ceiling + " in " + seconds + " s");
      assertTrue(n >= 2_000 * 0.98, n + " admitted");
      fleets.forEach(RedisFleetLimiter::close);
    }
  }

  /** Redis dies mid-run: admissions go on under local budgets, one outage; then fleet resumes. */
  @Test
  void failsOpenAndResumes() throws Exception {
    try (RedisServer redis = RedisServer.start();
        RedisFleetLimiter fleet =
            RedisFleetLimiter.builder()
                .address("127.0.0.1", redis.port())
                .prefix("fail-test:")
                .timeout(Duration.ofMillis(200))
                .retryAfter(Duration.ofMillis(100))
                .build()) {
      Enforcer e = replica(fleet, 600);
      for (int i = 0; i < 20; i++) {
        assertTrue(e.admit("free", "acct", null, null, 0, 1, 1).admitted(), "request " + i);
      }
      redis.stop();
      int admitted = 0;
      for (int i = 0; i < 200; i++) {
        if (e.admit("free", "acct", null, null, 0, 1, 1).admitted()) {
          admitted++;
        }
      }
      assertTrue(admitted >= 190, "requests keep flowing under local limits: " + admitted);
      assertEquals(1, fleet.outages(), "one outage, counted once");
      redis.restart();
      // Pooled connections broken by the restart fail once more; Redis is retried every 100 ms.
      int after = 0;
      long deadline = System.nanoTime() + 5_000_000_000L;
      int tries = 0;
      while (System.nanoTime() < deadline && (tries < 50 || !fleet.connected())) {
        tries++;
        if (e.admit("free", "acct2", null, null, 0, 1, 1).admitted()) {
          after++;
        }
        Thread.sleep(2);
      }
      assertTrue(after >= 0.8 * tries, "admitted after Redis returned: " + after + " of " + tries);
      assertTrue(fleet.connected());
      assertEquals(1, fleet.outages(), "the restart's broken connections are the same outage");
      // The fleet bucket for the new scope is in the restarted Redis again.
      try (redis.clients.jedis.JedisPooled j =
          new redis.clients.jedis.JedisPooled("127.0.0.1", redis.port())) {
        assertTrue(j.keys("fail-test:*").size() >= 1, "fleet accounting resumed");
      }
    }
  }

  static Enforcer replica(RedisFleetLimiter fleet, Budget budget) {
    return Enforcer.builder()
        .budgets(Map.of("free", budget))
        .levels(Map.of())
        .maxDelay(Duration.ofSeconds(1))
        .maximumScopes(10_000)
        .idleExpiry(Duration.ofHours(1))
        .fleet(fleet)
        .build();
  }

  static List<RedisFleetLimiter> fleet(RedisServer redis, String prefix, int n) {
    List<RedisFleetLimiter> fleets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fleets.add(
          RedisFleetLimiter.builder()
              .address("127.0.0.1", redis.port())
              .prefix(prefix)
              .timeout(Duration.ofSeconds(1))
              .retryAfter(Duration.ofSeconds(1))
              .build());
    }
    return fleets;
  }

  /**
   * A limit of 5 concurrent streams holds across 3 replicas (each would allow 5 alone); finished
   * streams free their slots for any replica.
   */
  @Test
  void concurrentStreamsAreOneLimitAcrossReplicas() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      List<RedisFleetLimiter> fleets = fleet(redis, "streams-test:", 3);
      List<Enforcer> replicas = new ArrayList<>();
      for (RedisFleetLimiter f : fleets) {
        replicas.add(replica(f, new Budget(0, 0, 0, 5)));
      }
      List<Admission> running = new ArrayList<>();
      List<Enforcer> where = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        for (Enforcer e : replicas) {
          Admission a = e.admit("free", "acct", null, null, 0, 1, 1);
          if (a.admitted()) {
            running.add(a);
            where.add(e);
          } else {
            assertTrue(a.reason().contains("concurrent streams"), a.reason());
          }
        }
      }
      assertEquals(5, running.size(), "five streams in the whole fleet");
      // Two end on the replica that started the first; the fleet gets them back.
      where.get(0).finish(running.get(0), 1);
      where.get(3).finish(running.get(3), 1);
      int more = 0;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (more < 2 && System.nanoTime() < deadline) {
        for (Enforcer e : replicas) {
          if (e.admit("free", "acct", null, null, 0, 1, 1).admitted()) {
            more++;
          }
        }
        Thread.sleep(5);
      }
      assertEquals(2, more, "the two freed slots, and no more");
      fleets.forEach(RedisFleetLimiter::close);
    }
  }

  /** A daily token budget of 1,000 holds across 3 replicas within 2%. */
  @Test
  void dailyTokenBudgetHoldsAcrossReplicas() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      List<RedisFleetLimiter> fleets = fleet(redis, "day-test:", 3);
      List<Enforcer> replicas = new ArrayList<>();
      for (RedisFleetLimiter f : fleets) {
        replicas.add(replica(f, new Budget(0, 0, 1_000, 0)));
      }
      int admitted = 0;
      for (int i = 0; i < 300; i++) {
        Admission a = replicas.get(i % 3).admit("free", "acct", null, null, 0, 5, 5);
        if (a.admitted()) {
          admitted++;
          replicas.get(i % 3).finish(a, 5);
        }
      }
      assertTrue(admitted * 10 <= 1_000 && admitted * 10 >= 980, admitted + " requests of 10");
      fleets.forEach(RedisFleetLimiter::close);
    }
  }
}
