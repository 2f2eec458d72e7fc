package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin's pins ({@link Detector#pin}): a pin overrides the evidence both ways (an allow-listed
 * campaign account is never flagged, a quiet account pinned at flag is enforced), ends by itself on
 * the detector's clock, can be removed, holds on every replica sharing the link store from their
 * next request, and survives a snapshot and restore (version 1 files, without pins, and version 2
 * files, with score bins only, still read).
 */
class DetectorPinTest {
  static final Duration WEEK = Duration.ofDays(7);

  @TempDir Path dir;

  /** A clock the test moves by hand. */
  static final class HandClock implements dev.moat.time.Clock {
    final AtomicLong nanos = new AtomicLong(5_000_000_000L);

    @Override
    public long nanoTime() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /** The first half of a campaign, observed; returns the second half. */
  static List<TraceRecord> half(Detector d, long seed) {
    List<TraceRecord> trace = DetectorTest.traffic(seed, 40, 120, true);
    int half = trace.size() / 2;
    trace.subList(0, half).forEach(d::observe);
    return trace.subList(half, trace.size());
  }

  /** A bot flagged by now and a person never watched. */
  static String[] flaggedBotAndQuietPerson(Detector d) {
    String bot =
        d.verdicts()
            .filter(v -> v.account().startsWith("bot-") && v.flagged())
            .map(Verdict::account)
            .sorted()
            .findFirst()
            .orElseThrow();
    String person =
        d.verdicts()
            .filter(v -> v.account().startsWith("person-") && v.level() == Suspicion.NONE)
            .map(Verdict::account)
            .sorted()
            .findFirst()
            .orElseThrow();
    return new String[] {bot, person};
  }

  @Test
  void aPinOverridesTheEvidenceBothWays() {
    try (Detector d = Detector.builder().build()) {
      List<TraceRecord> rest = half(d, 61);
      String[] ids = flaggedBotAndQuietPerson(d);
      String bot = ids[0];
      String person = ids[1];
      d.pin(bot, Suspicion.NONE, WEEK, "ops-ann", "a partner's load test");
      d.pin(person, Suspicion.FLAG, WEEK, "ops-ann", "resold access");
      // At once, on the held state.
      assertEquals(Suspicion.NONE, d.verdict(bot).level());
      assertEquals(Suspicion.FLAG, d.verdict(person).level());
      int botRequests = 0;
      int personRequests = 0;
      for (TraceRecord r : rest) {
        Verdict v = d.observe(r);
        if (r.account().equals(bot)) {
          botRequests++;
          assertEquals(Suspicion.NONE, v.level(), "allow-listed: " + v);
          assertEquals(0, v.escalationScore());
          assertTrue(
              v.reasons().get(0).startsWith("pinned at none by an admin until ")
                  && v.reasons().get(0).endsWith(": a partner's load test"),
              v.reasons().toString());
        } else if (r.account().equals(person)) {
          personRequests++;
          assertTrue(v.flagged(), "pinned at flag: " + v);
          assertEquals(1, v.escalationScore());
          assertTrue(v.reasons().get(0).startsWith("pinned at flag"), v.reasons().toString());
        }
      }
      assertTrue(botRequests > 10 && personRequests > 0, botRequests + ", " + personRequests);
      // The other bots are still caught: the pin is the account's, not its campaign's.
      long others = d.verdicts().filter(v -> v.account().startsWith("bot-") && v.flagged()).count();
      assertTrue(others >= 35, others + " other bots flagged");
    }
  }

  @Test
  void aPinAtWatchHoldsBackAFlagUntilUnpinned() {
    try (Detector d = Detector.builder().build()) {
      half(d, 62);
      String bot = flaggedBotAndQuietPerson(d)[0];
      assertNull(d.pinned(bot));
      AccountPin pin = d.pin(bot, Suspicion.WATCH, WEEK, "ops-ann", "under review");
      assertEquals(pin, d.pinned(bot));
      Verdict v = d.verdict(bot);
      assertEquals(Suspicion.WATCH, v.level());
      assertTrue(!v.flagged() && v.escalationScore() == 0.5);
      // The evidence is kept: its reasons follow the pin's.
      assertTrue(v.reasons().get(1).startsWith("coordinated: "), v.reasons().toString());
      assertEquals(pin, d.unpin(bot, "ops-ann", "reviewed"));
      assertNull(d.pinned(bot));
      assertEquals(Suspicion.FLAG, d.verdict(bot).level());
      assertNull(d.unpin(bot, "ops-ann", "twice"), "nothing left to unpin");
    }
  }

  @Test
  void aPinEndsByItselfOnTheDetectorsClock() {
    HandClock clock = new HandClock();
    try (Detector d = Detector.builder().clock(clock).build()) {
      TraceRecord first = DetectorTest.traffic(63, 1, 0, true).get(0);
      AccountPin pin = d.pin(first.account(), Suspicion.FLAG, Duration.ofHours(2), "ops", "probe");
      assertEquals(2 * 3_600_000L, pin.until() - pin.at());
      // Requests timed before the end are pinned, from the end on they are not.
      assertTrue(d.observe(ReplicasTest.at(first, pin.until() - 1)).flagged());
      assertEquals(Suspicion.NONE, d.observe(ReplicasTest.at(first, pin.until())).level());
      // The admin's view of it, on the clock.
      clock.advance(Duration.ofMinutes(119));
      assertEquals(pin, d.pinned(first.account()));
      clock.advance(Duration.ofMinutes(1));
      assertNull(d.pinned(first.account()));
    }
  }

  @Test
  void aPinOnOneReplicaHoldsOnAllFromTheirNextRequest() {
    LocalLinkStore shared = LocalLinkStore.standard();
    List<TraceRecord> trace = ReplicaHarness.campaign(64);
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    assertTrue(fleet.flaggedOn(1, "bot-5") && fleet.flaggedOn(2, "bot-5"));
    TraceRecord last = null;
    for (TraceRecord r : trace) {
      if (r.account().equals("bot-5")) {
        last = r;
      }
    }
    assertNotNull(last);
    // Pinned from a fresh replica that never held the account (an admin's console).
    try (Detector console = Detector.builder().linkStore(shared).build()) {
      console.pin("bot-5", Suspicion.NONE, WEEK, "ops-ann", "false positive");
      for (int i = 1; i < 3; i++) {
        Verdict v = fleet.replica(i).observe(ReplicasTest.at(last, last.ts() + 60_000L * i));
        assertEquals(Suspicion.NONE, v.level(), "replica " + i);
        assertTrue(v.reasons().get(0).startsWith("pinned at none"), v.reasons().toString());
      }
      console.unpin("bot-5", "ops-ann", "reviewed");
    }
    // Unpinned: the evidence rules again, starting afresh (the pin at none dropped it).
    Verdict after = fleet.replica(1).observe(ReplicasTest.at(last, last.ts() + 300_000L));
    assertTrue(after.reasons().stream().noneMatch(r -> r.startsWith("pinned")), after.toString());
  }

  @Test
  void pinsSurviveASnapshotAndVersionOneFilesStillRead() throws Exception {
    Path file = dir.resolve("detector.state");
    Path v1 = dir.resolve("v1.state");
    Path v2 = dir.resolve("v2.state");
    Path v3 = dir.resolve("v3.state");
    Path v4 = dir.resolve("v4.state");
    Path v10 = dir.resolve("v10.state");
    String bot;
    try (Detector a = Detector.builder().build()) {
      half(a, 65);
      bot = flaggedBotAndQuietPerson(a)[0];
      a.pin(bot, Suspicion.WATCH, WEEK, "ops-ann", "under review");
      a.pin("ghost", Suspicion.FLAG, WEEK, "ops-ann", "never seen here yet");
      a.snapshot(file);
      DetectorState.snapshot(a, v1, 1);
      DetectorState.snapshot(a, v2, 2);
      DetectorState.snapshot(a, v3, 3);
      DetectorState.snapshot(a, v4, 4);
      DetectorState.snapshot(a, v10, 10);
    }
    try (Detector b = Detector.builder().build()) {
      b.restore(file);
      assertEquals(Suspicion.WATCH, b.verdict(bot).level());
      assertTrue(b.verdict(bot).reasons().get(0).startsWith("pinned at watch"));
      assertEquals(Suspicion.FLAG, b.pinned("ghost").level());
      TraceRecord one = DetectorTest.traffic(66, 0, 1, true).get(0);
      TraceRecord ghost =
          new TraceRecord(
              System.currentTimeMillis(),
              "ghost",
              one.accountCreated(),
              one.tier(),
              one.client(),
              one.conversation(),
              one.turn(),
              one.system(),
              one.prompt(),
              one.maxTokens(),
              one.temperature(),
              one.topLogprobs(),
              one.outputTokens());
      assertTrue(b.observe(ghost).flagged());
    }
    try (Detector v = Detector.builder().build()) {
      // Version 10: buckets of 65 words (no many-hands set, read empty).
      assertTrue(v.restore(v10) > 100, "a version 10 file restores its accounts and link table");
      assertEquals(Suspicion.WATCH, v.verdict(bot).level());
      assertEquals(Suspicion.FLAG, v.pinned("ghost").level());
      assertTrue(v.observe(DetectorTest.traffic(66, 0, 1, true).get(0)).requests() > 0);
    }
    try (Detector v = Detector.builder().build()) {
      // Version 4: no phrase evidence in the accounts (counted from 0 again).
      assertTrue(v.restore(v4) > 100, "a version 4 file restores its accounts and link table");
      assertEquals(Suspicion.WATCH, v.verdict(bot).level());
      assertEquals(Suspicion.FLAG, v.pinned("ghost").level());
    }
    try (Detector v = Detector.builder().build()) {
      // Version 3: buckets of 61 words (no machine-burst set), accounts without burst times.
      assertTrue(v.restore(v3) > 100, "a version 3 file restores its accounts and link table");
      assertEquals(Suspicion.WATCH, v.verdict(bot).level());
      TraceRecord next = DetectorTest.traffic(66, 0, 1, true).get(0);
      assertTrue(v.observe(next).requests() > 0);
    }
    try (Detector v = Detector.builder().build()) {
      assertTrue(v.restore(v2) > 100, "a version 2 file (score bins only) restores its accounts");
      assertEquals(Suspicion.WATCH, v.verdict(bot).level(), "its pins too");
      assertEquals(Suspicion.FLAG, v.pinned("ghost").level());
    }
    try (Detector c = Detector.builder().build()) {
      assertTrue(c.restore(v1) > 100, "a version 1 file restores its accounts");
      assertNull(c.pinned("ghost"));
      assertEquals(Suspicion.FLAG, c.verdict(bot).level(), "no pin in a version 1 file");
    }
  }

  @Test
  void aPinThatEndedWhileTheDetectorWasDownIsNotRestored() throws Exception {
    Path file = dir.resolve("ended.state");
    String bot;
    try (Detector a = Detector.builder().build()) {
      half(a, 67);
      bot = flaggedBotAndQuietPerson(a)[0];
      a.pin(bot, Suspicion.WATCH, Duration.ofHours(1), "ops-ann", "under review");
      a.snapshot(file);
    }
    HandClock later = new HandClock();
    try (Detector b = Detector.builder().clock(later).build()) {
      later.advance(Duration.ofMinutes(61));
      b.restore(file);
      assertNull(b.pinned(bot));
      Verdict v = b.verdict(bot);
      assertEquals(Suspicion.FLAG, v.level(), "its evidence again");
      assertTrue(v.reasons().stream().noneMatch(r -> r.startsWith("pinned")), v.toString());
    }
  }

  @Test
  void badPinsAreRefusedNamingWhatIsAllowed() {
    try (Detector d = Detector.builder().build()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> d.pin("a", Suspicion.FLAG, Duration.ofSeconds(30), "ops", "r"));
      assertEquals(
          "`pin duration` was 'PT30S' but it must be from PT1M to PT2160H", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> d.pin("a", Suspicion.FLAG, Duration.ofDays(91), "ops", "r"));
      assertEquals(
          "`pin duration` was 'PT2184H' but it must be from PT1M to PT2160H", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Suspicion.of("banned"));
      assertEquals("`level` was 'banned' but it must be one of none, watch, flag", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> AccountPin.decode("P|ban|1|2|r"));
      assertTrue(
          e.getMessage().startsWith("`account pin` was 'P|ban|1|2|r' but it must be P|"),
          e.getMessage());
      assertNull(d.pinned("a"), "nothing pinned by a refused call");
      // A stored pin that would never end (its span overflows) is refused too.
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> AccountPin.decode("P|flag|" + Long.MIN_VALUE + "|" + Long.MAX_VALUE + "|r"));
      assertTrue(e.getMessage().contains("by at most PT2160H"), e.getMessage());
      AccountPin p = new AccountPin(Suspicion.WATCH, 10, 20, "line\nbreak | bar");
      assertEquals(p, AccountPin.decode(p.encode()));
      assertEquals("line break | bar", p.reason());
    }
  }
}
