package dev.moat.research.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.TraceRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrafficSimulatorTest {
  static final long START = Instant.parse("2026-04-22T00:00:00Z").toEpochMilli();

  static List<Population> populations() {
    return List.of(
        new Population("casual", Population.Kind.CASUAL, 200, 6),
        new Population("developers", Population.Kind.DEVELOPER_TOOL, 50, 40),
        new Population("enterprise", Population.Kind.ENTERPRISE_APP, 3, 2000),
        new Population("benchmarks", Population.Kind.BENCHMARK_RUNNER, 5, 200),
        new Population("signups", Population.Kind.NEW_SIGNUP, 50, 3),
        new Population("campaign-hydra", Population.Kind.CAMPAIGN_HYDRA, 300, 26),
        new Population("campaign-stealth", Population.Kind.CAMPAIGN_STEALTH, 30, 20),
        new Population("campaign-split", Population.Kind.CAMPAIGN_SPLIT, 30, 20));
  }

  @Test
  void sameSeedSameTrafficInTimestampOrder() {
    TrafficSimulator a = new TrafficSimulator(7, START, 2, populations());
    TrafficSimulator b = new TrafficSimulator(7, START, 2, populations());
    TrafficSimulator c = new TrafficSimulator(8, START, 2, populations());
    long last = Long.MIN_VALUE;
    int n = 0;
    boolean differs = false;
    while (a.hasNext()) {
      TrafficSimulator.Labeled x = a.next();
      assertEquals(x, b.next());
      if (c.hasNext() && !x.equals(c.next())) {
        differs = true;
      }
      assertTrue(x.record().ts() >= last, "sorted by ts");
      assertTrue(x.record().ts() >= START && x.record().ts() < START + 2 * TrafficSimulator.DAY);
      last = x.record().ts();
      n++;
    }
    assertTrue(!b.hasNext());
    assertTrue(differs, "another seed gives other traffic");
    assertTrue(n > 10_000, "requests: " + n);
  }

  /**
   * The campaign's per-account rate is the seeds' ~26 a day (within 10%, over 300 accounts and the
   * days each was active); its accounts are young and rotate clients; benign people keep theirs.
   */
  @Test
  void populationsBehaveAsDescribed() {
    double days = 6;
    TrafficSimulator sim = new TrafficSimulator(11, START, days, populations());
    Map<String, Integer> requests = new HashMap<>();
    Map<String, Long> first = new HashMap<>();
    Map<String, Long> lastSeen = new HashMap<>();
    Map<String, Set<String>> clients = new HashMap<>();
    int[] benignByHour = new int[24];
    int cot = 0;
    int hydra = 0;
    while (sim.hasNext()) {
      TrafficSimulator.Labeled l = sim.next();
      TraceRecord r = l.record();
      requests.merge(r.account(), 1, Integer::sum);
      first.putIfAbsent(r.account(), r.ts());
      lastSeen.put(r.account(), r.ts());
      clients.computeIfAbsent(r.account(), k -> new HashSet<>()).add(r.client());
      if (l.population().equals("campaign-hydra")) {
        hydra++;
        cot += r.prompt().contains("step by step") ? 1 : 0;
        if (first.get(r.account()) == r.ts()) {
          assertTrue(r.ts() - r.accountCreated() < 5 * TrafficSimulator.DAY, "young at first use");
        }
        assertEquals(8192, r.maxTokens());
      }
      if (l.population().equals("casual")) {
        benignByHour[(int) ((r.ts() / TrafficSimulator.HOUR) % 24)]++;
      }
    }
    double hydraRate = 0;
    int hydraAccounts = 0;
    for (int i = 0; i < 300; i++) {
      String id = "campaign-hydra-" + i;
      if (requests.getOrDefault(id, 0) >= 10) {
        double activeDays = (lastSeen.get(id) - first.get(id)) / (double) TrafficSimulator.DAY;
        hydraRate += (requests.get(id) - 1) / activeDays;
        hydraAccounts++;
        assertTrue(clients.get(id).size() > requests.get(id) / 2, "rotating clients");
      }
    }
    assertTrue(hydraAccounts > 150, "accounts active long enough: " + hydraAccounts);
    assertEquals(26, hydraRate / hydraAccounts, 2.6);
    assertEquals(hydra, cot, "every campaign prompt elicits reasoning");
    // People keep a handful of networks (about one change in 20 requests); the app one ASN.
    int casualClients = 0;
    int casualRequests = 0;
    for (int i = 0; i < 200; i++) {
      casualClients += clients.getOrDefault("casual-" + i, Set.of()).size();
      casualRequests += requests.getOrDefault("casual-" + i, 0);
    }
    assertTrue(
        casualClients < 0.25 * casualRequests, casualClients + " clients, " + casualRequests);
    assertEquals(1, clients.get("enterprise-0").size());
    // People are diurnal: across time zones there are still quiet and busy UTC hours.
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int h : benignByHour) {
      min = Math.min(min, h);
      max = Math.max(max, h);
    }
    assertTrue(max > 1.5 * min, "busiest " + max + " quietest " + min);
    assertNotEquals(0, requests.getOrDefault("developers-0", 0));
    assertEquals(populations().stream().mapToInt(Population::accounts).sum(), sim.labels().size());
  }
}
