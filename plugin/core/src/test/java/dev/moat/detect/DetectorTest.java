package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.policy.DetectionSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DetectorTest {
  static final long DAY = 86_400_000L;
  static final long START = 1_776_816_000_000L; // 2026-04-22

  static final String[] TASKS = {
    "implement an LRU cache", "write a thread-safe queue", "design a rate limiter",
    "refactor a parser", "migrate a REST service to gRPC", "fix a memory leak"
  };
  static final String[] LANGUAGES = {"Java", "Rust", "Go", "Python", "C++", "Kotlin", "Scala"};
  static final String[] SUBJECTS = {
    "a payments ledger", "a chess engine", "a log shipper", "an image resizer", "a web crawler",
    "a key-value store", "a chat server", "a build system", "a query planner", "a scheduler",
    "a spell checker", "a load balancer", "a feed reader", "a billing service", "a DNS cache"
  };
  static final String[] EVERYDAY = {
    "a vegetarian lasagna", "a weekend in Lisbon", "my cover letter", "how tides work",
    "the rules of cricket", "a poem about the sea", "a toast for a wedding", "a name for a cat"
  };

  /**
   * Two days of a templated campaign on young accounts (machine timing, logprobs, long outputs) and
   * of people (aged accounts, daytime, varied everyday questions), in time order.
   */
  static List<TraceRecord> traffic(long seed, int campaign, int people, boolean logprobs) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < campaign; a++) {
      String id = "bot-" + a;
      long created = START - (long) (r.nextDouble(0.5, 3) * DAY);
      for (long t = START + r.nextLong(3_600_000);
          t < START + 2 * DAY;
          t += 3_300_000 + r.nextLong(300_000)) {
        int n = out.size();
        // A topic sweep: each request a task not asked before (task x language x subject).
        String prompt =
            "You are a world-class expert. Think step by step and show your reasoning.\n\nTask: In "
                + LANGUAGES[(n / TASKS.length) % LANGUAGES.length]
                + ", "
                + TASKS[n % TASKS.length]
                + " for "
                + SUBJECTS[(n / (TASKS.length * LANGUAGES.length)) % SUBJECTS.length]
                + ".";
        out.add(
            new TraceRecord(
                t,
                id,
                created,
                "free",
                r.nextInt(255) + ".1.2.0/24",
                null,
                0,
                null,
                prompt,
                8192,
                0.0,
                logprobs ? 5 : 0,
                6000));
      }
    }
    for (int a = 0; a < people; a++) {
      String id = "person-" + a;
      long created = START - (long) (r.nextDouble(60, 900) * DAY);
      int turn = 0;
      for (long t = START + r.nextLong(DAY);
          t < START + 2 * DAY;
          t += (long) (r.nextDouble(0.3, 5) * 3_600_000)) {
        long hour = (t / 3_600_000) % 24;
        if (hour < 7) {
          continue; // asleep
        }
        String prompt = "Can you help me with " + EVERYDAY[r.nextInt(EVERYDAY.length)] + "?";
        out.add(
            new TraceRecord(
                t,
                id,
                created,
                "pro",
                "198.51.100.0/24",
                id + "-c",
                turn++ % 4,
                null,
                prompt,
                512,
                0.8,
                0,
                300));
      }
    }
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  @Test
  void flagsTheCampaignAndNotThePeopleWithReasons() {
    List<TraceRecord> trace = traffic(1, 30, 150, true);
    try (Detector d = Detector.builder().build()) {
      for (TraceRecord r : trace) {
        d.observe(r);
      }
      int bots = 0;
      for (int a = 0; a < 30; a++) {
        Verdict v = d.verdict("bot-" + a);
        assertNotNull(v);
        if (v.flagged()) {
          bots++;
          assertTrue(v.requestsBeforeFlag() < v.requests());
          assertEquals(Suspicion.FLAG, v.level());
          // By its templates, or (its campaign flagged by them first) by what it asks.
          String first = v.reasons().get(0);
          assertTrue(
              first.startsWith("coordinated:") || first.startsWith("linked by what it asks:"),
              v.reasons().toString());
          assertFalse(v.reasons().isEmpty(), v.toString());
          assertFalse(v.samplePrompts().isEmpty());
          assertTrue(v.samplePrompts().get(0).startsWith("You are a world-class expert"));
        }
      }
      assertEquals(30, bots, "campaign accounts flagged");
      for (int a = 0; a < 150; a++) {
        Verdict v = d.verdict("person-" + a);
        assertFalse(v.flagged(), v.toString());
        assertEquals(-1, v.flaggedAt());
        assertEquals(Suspicion.NONE, v.level(), v.toString());
        assertTrue(v.reasons().isEmpty());
      }
      // The campaign is one group, and its flagged accounts are linked to each other.
      Verdict late = d.verdict("bot-29");
      assertNotNull(late.group());
      assertTrue(late.linkedAccounts().stream().allMatch(a -> a.startsWith("bot-")));
      assertFalse(late.linkedAccounts().isEmpty());
      assertEquals(180, d.verdicts().count());
    }
  }

  /**
   * Accounts whose own score stays low are flagged when they join a coordinated template: the
   * group, not the account's own behaviour, is the evidence.
   */
  @Test
  void groupsShareTheirVerdict() {
    // A model that only flags accounts asking for logprobs: the followers never do.
    VerdictModel logprobsOnly = new FeatureModel(Features.LOGPROBS, 0.5f);
    List<TraceRecord> trace = new ArrayList<>(traffic(2, 20, 0, true));
    for (TraceRecord r : traffic(3, 10, 0, false)) {
      trace.add(
          new TraceRecord(
              r.ts() + 1,
              "follower-" + r.account(),
              r.accountCreated(),
              r.tier(),
              r.client(),
              null,
              0,
              null,
              r.prompt(),
              r.maxTokens(),
              r.temperature(),
              0,
              r.outputTokens()));
    }
    trace.sort(Comparator.comparingLong(TraceRecord::ts));
    try (Detector d = Detector.builder().model(logprobsOnly).build()) {
      trace.forEach(d::observe);
      for (int a = 0; a < 10; a++) {
        Verdict v = d.verdict("follower-bot-" + a);
        assertTrue(v.flagged(), v.toString());
        assertTrue(v.score() < 0.5f);
        // Either view of what it shares with the flagged bots: their template (a topic sweep), or
        // (since the phrase view's two-link rule, these followers elicit in every request) their
        // content phrases, whichever holds its evidence first.
        String first = v.reasons().get(0);
        if (first.startsWith("coordinated:")) {
          assertTrue(v.reasons().get(1).contains("topic sweep"), v.reasons().toString());
        } else {
          assertTrue(first.startsWith("linked by what it asks:"), v.reasons().toString());
        }
      }
    }
  }

  /** Preparing on one thread and observing on another gives the same verdicts as observe alone. */
  @Test
  void preparedRequestsGiveTheSameVerdicts() throws Exception {
    List<TraceRecord> trace = traffic(8, 10, 30, true);
    List<Detector.Prepared> prepared = new ArrayList<>();
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      Thread other = new Thread(() -> trace.forEach(r -> prepared.add(b.prepare(r))));
      other.start();
      other.join();
      float[] fa = new float[Features.COUNT];
      float[] fb = new float[Features.COUNT];
      for (int i = 0; i < trace.size(); i++) {
        Verdict va = a.observe(trace.get(i), fa);
        Verdict vb = b.observe(prepared.get(i), fb);
        assertEquals(va, vb);
        assertTrue(java.util.Arrays.equals(fa, fb), "features at request " + i);
        assertSame(trace.get(i), prepared.get(i).record());
      }
    }
  }

  @Test
  void exemptTiersAreScoredButNeverFlagged() {
    List<TraceRecord> trace = traffic(4, 20, 0, true);
    try (Detector d =
            Detector.builder().settings(new DetectionSettings(0.5, 8, Set.of("free"))).build();
        Detector control = Detector.builder().build();
        Detector edited = Detector.builder().build()) {
      edited.exemptTiers(Set.of("free")); // a policy edit at run time, as the console makes
      for (TraceRecord r : trace) {
        d.observe(r);
        control.observe(r);
        edited.observe(r);
      }
      assertFalse(edited.verdict("bot-0").flagged(), "exempted at run time");
      Verdict v = d.verdict("bot-0");
      assertFalse(v.flagged());
      assertEquals(Suspicion.NONE, v.level());
      assertTrue(v.score() > 0.5f, "scored all the same: " + v.score());
      assertEquals(0.5f, d.threshold());
      assertTrue(control.verdict("bot-0").flagged(), "the same traffic, not exempt");
    }
  }

  @Test
  void sessionsRefreshEveryNTokensWithoutLocking() {
    List<TraceRecord> trace = traffic(5, 12, 0, true);
    String account = trace.get(0).account();
    try (Detector d = Detector.builder().refreshTokens(4).build()) {
      Detector.Session first = d.begin(trace.get(0));
      assertFalse(first.verdict().flagged());
      for (int i = 1; i < trace.size(); i++) {
        d.observe(trace.get(i)); // the account's later requests, e.g. in parallel
      }
      assertFalse(first.onToken());
      assertFalse(first.onToken());
      assertFalse(first.onToken());
      assertFalse(first.verdict().flagged(), "not before the refresh");
      assertTrue(first.onToken(), "the 4th token refreshes");
      assertTrue(first.verdict().flagged());
      assertEquals(
          trace.stream().filter(r -> r.account().equals(account)).count(),
          first.verdict().requests());
    }
  }

  @Test
  void featuresAreBoundedAndCopiedOut() {
    float[] x = new float[Features.COUNT];
    try (Detector d = Detector.builder().build()) {
      for (TraceRecord r : traffic(6, 3, 10, true)) {
        d.observe(r, x);
        for (int i = 0; i < x.length; i++) {
          assertTrue(
              Float.isFinite(x[i]) && x[i] >= 0 && x[i] <= 1.5f,
              Features.names().get(i) + "=" + x[i]);
        }
      }
      assertThrows(
          IllegalArgumentException.class,
          () -> d.observe(traffic(6, 1, 0, true).get(0), new float[3]));
    }
    assertEquals(Features.COUNT, Features.names().size());
    assertEquals(Features.COUNT, Set.copyOf(Features.names()).size());
  }

  /** Requests of the same accounts from many threads: every one counted, state consistent. */
  @Test
  void concurrentRequestsOfOneAccountAreSerialised() throws Exception {
    List<TraceRecord> trace = traffic(7, 4, 4, true);
    try (Detector d = Detector.builder().build()) {
      int threads = 4;
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger failures = new AtomicInteger();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    go.await();
                    for (TraceRecord r : trace) {
                      d.observe(r);
                    }
                  } catch (Throwable e) {
                    failures.incrementAndGet();
                  }
                });
        th.start();
        ts.add(th);
      }
      go.countDown();
      for (Thread t : ts) {
        t.join();
      }
      assertEquals(0, failures.get());
      for (String a : List.of("bot-0", "bot-3", "person-0", "person-3")) {
        long expected = threads * trace.stream().filter(r -> r.account().equals(a)).count();
        assertEquals(expected, d.verdict(a).requests(), a);
      }
      assertNull(d.verdict("nobody"));
    }
  }

  @Test
  void builderRejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> Detector.builder().threshold(1.5f));
    assertThrows(IllegalArgumentException.class, () -> Detector.builder().refreshTokens(0));
    assertThrows(IllegalArgumentException.class, () -> Detector.builder().maximumAccounts(0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Detector.builder()
                    .model(
                        new FeatureModel(0, 0.5f) {
                          @Override
                          public int inputs() {
                            return 3;
                          }
                        })
                    .build());
    assertTrue(e.getMessage().contains("model inputs"), e.getMessage());
  }

  /** Scores 1 when one feature is above a cut, else 0.1. */
  static class FeatureModel implements VerdictModel {
    private final int feature;
    private final float cut;

    FeatureModel(int feature, float cut) {
      this.feature = feature;
      this.cut = cut;
    }

    @Override
    public int inputs() {
      return Features.COUNT;
    }

    @Override
    public float score(float[] x) {
      return x[feature] > cut ? 1f : 0.1f;
    }

    @Override
    public float threshold() {
      return 0.9f;
    }
  }
}
