package dev.moat.research.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.TraceReader;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.TraceWriter;
import dev.moat.research.usage.UsageGenerator.Event;
import dev.moat.research.usage.UsageGenerator.Metadata;
import dev.moat.research.usage.UsageGenerator.Mix;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class UsageGeneratorTest {
  private static final long START = Instant.parse("2026-04-22T00:00:00Z").toEpochMilli();

  private static final List<String> POPULATIONS =
      List.of(
          "casual",
          "developers",
          "agent-platform",
          "eval-runners",
          "enterprise",
          "classroom",
          "hackathon",
          "viral-prompt",
          "campaign-hydra",
          "campaign-stealth",
          "campaign-reseller",
          "campaign-slowdrip");

  private static UsageGenerator small(long seed) {
    return new UsageGenerator(seed, START, Mix.small().days(), Mix.small());
  }

  /** Per population: requests, extraction requests; plus per-account counts. */
  private record Tally(
      Map<String, long[]> byPopulation, Map<String, long[]> byAccount, Set<String> accounts) {}

  private static Tally tally(UsageGenerator g) {
    Map<String, long[]> pops = new TreeMap<>();
    Map<String, long[]> accounts = new HashMap<>();
    long last = Long.MIN_VALUE;
    while (g.hasNext()) {
      Event e = g.next();
      TraceRecord r = e.record();
      assertTrue(r.ts() >= last, "timestamps must not go backwards");
      assertTrue(r.ts() >= START && r.ts() < g.endEpochMs(), "ts inside the run");
      last = r.ts();
      long[] p = pops.computeIfAbsent(e.population(), k -> new long[2]);
      p[0]++;
      p[1] += e.extraction() ? 1 : 0;
      long[] a = accounts.computeIfAbsent(r.account(), k -> new long[2]);
      a[0]++;
      a[1] += e.extraction() ? 1 : 0;
    }
    return new Tally(pops, accounts, accounts.keySet());
  }

  @Test
  void sameSeedSameTrace() {
    UsageGenerator a = small(11);
    UsageGenerator b = small(11);
    assertEquals(a.labels(), b.labels());
    assertEquals(a.knobs(), b.knobs());
    long n = 0;
    while (a.hasNext()) {
      assertTrue(b.hasNext());
      assertEquals(a.next(), b.next());
      n++;
    }
    assertFalse(b.hasNext());
    assertTrue(n > 10_000, "a small world still has traffic: " + n);
  }

  @Test
  void everyPopulationIsPresentSortedAndLabelled() {
    UsageGenerator g = small(3);
    Map<String, String> labels = g.labels();
    Map<String, Integer> sizes = new HashMap<>();
    labels.values().forEach(p -> sizes.merge(p, 1, Integer::sum));
    for (String p : POPULATIONS) {
      assertTrue(sizes.getOrDefault(p, 0) > 0, p + " has accounts");
    }
    for (String p : sizes.keySet()) {
      assertTrue(POPULATIONS.contains(p), "unexpected population " + p);
      assertEquals(p.startsWith("campaign-"), p.startsWith("campaign"), p);
    }
    Tally t = tally(g);
    for (String p : POPULATIONS) {
      assertTrue(t.byPopulation().containsKey(p), p + " sends requests");
    }
    for (String account : t.accounts()) {
      assertTrue(labels.containsKey(account), "label for " + account);
    }
    long[] benignExtraction = {0};
    t.byPopulation()
        .forEach(
            (p, c) -> {
              if (!p.startsWith("campaign-")) {
                benignExtraction[0] += c[1];
              }
            });
    assertEquals(0, benignExtraction[0], "benign traffic is never extraction");
    long[] hydra = t.byPopulation().get("campaign-hydra");
    assertEquals(hydra[0], hydra[1], "every hydra request harvests");
  }

  @Test
  void classroomSharesOneClientAndOneCreationTime() {
    UsageGenerator g = small(5);
    Set<String> clients = new HashSet<>();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    int n = 0;
    while (g.hasNext()) {
      Event e = g.next();
      if (e.population().equals("classroom")) {
        clients.add(e.record().client());
        min = Math.min(min, e.record().accountCreated());
        max = Math.max(max, e.record().accountCreated());
        n++;
      }
    }
    assertTrue(n > 20, "the class sends requests: " + n);
    assertEquals(1, clients.size(), "one NAT: " + clients);
    assertTrue(min >= START, "created during the run");
    assertTrue(max - min <= 30 * 60_000L, "created within one class: " + (max - min) + " ms");
  }

  @Test
  void resellerExtractionShareStaysInRange() {
    int checked = 0;
    for (long seed = 1; seed <= 3; seed++) {
      UsageGenerator g = small(seed);
      Map<String, String> labels = g.labels();
      Tally t = tally(g);
      for (Map.Entry<String, long[]> e : t.byAccount().entrySet()) {
        if (!labels.get(e.getKey()).equals("campaign-reseller") || e.getValue()[0] < 300) {
          continue;
        }
        double n = e.getValue()[0];
        double share = e.getValue()[1] / n;
        double tol = 3 * Math.sqrt(0.25 / n);
        assertTrue(
            share >= CampaignPopulations.RESELLER_SHARE_MIN - tol
                && share <= CampaignPopulations.RESELLER_SHARE_MAX + tol,
            "reseller " + e.getKey() + " extraction share " + share);
        assertTrue(e.getValue()[1] < e.getValue()[0], "a reseller also serves its end users");
        checked++;
      }
    }
    assertTrue(checked > 0, "some reseller was checked");
  }

  @Test
  void roundTripsThroughTheTraceFormat() throws Exception {
    for (Metadata m : Metadata.values()) {
      UsageGenerator g = new UsageGenerator(7, START, 0.5, Mix.small().withMetadata(m));
      List<TraceRecord> written = new ArrayList<>();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (TraceWriter w = TraceWriter.of(bytes)) {
        while (g.hasNext()) {
          TraceRecord r = g.next().record();
          written.add(r);
          w.write(r);
        }
      }
      List<String> problems = new ArrayList<>();
      List<TraceRecord> read = new ArrayList<>();
      try (TraceReader reader =
          TraceReader.of(new ByteArrayInputStream(bytes.toByteArray()), "usage", problems::add)) {
        for (TraceRecord r = reader.next(); r != null; r = reader.next()) {
          read.add(r);
        }
        assertEquals(0, reader.skipped(), m + ": " + problems);
      }
      assertEquals(written.size(), read.size(), m.toString());
      assertEquals(written, read, m.toString());
      if (m == Metadata.MINIMAL) {
        for (TraceRecord r : read) {
          assertEquals(-1, r.accountCreated());
          assertNull(r.client());
          assertNull(r.system());
          assertEquals(0, r.maxTokens());
        }
      }
    }
  }

  @Test
  void seedsDrawDifferentWorlds() {
    Set<Map<String, Integer>> worlds = new HashSet<>();
    for (long seed = 1; seed <= 3; seed++) {
      Map<String, Integer> sizes = new TreeMap<>();
      small(seed).labels().values().forEach(p -> sizes.merge(p, 1, Integer::sum));
      worlds.add(sizes);
    }
    assertEquals(3, worlds.size(), "population sizes vary by seed: " + worlds);
    assertNotEquals(small(1).knobs(), small(2).knobs());
  }

  @Test
  void badParametersAreNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new UsageGenerator(1, START, 0, Mix.small()));
    assertTrue(e.getMessage().contains("days"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Mix.of("huge"));
    assertTrue(e.getMessage().contains("huge"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Mix.small().withScale(-1));
    assertTrue(e.getMessage().contains("scale"), e.getMessage());
  }
}
