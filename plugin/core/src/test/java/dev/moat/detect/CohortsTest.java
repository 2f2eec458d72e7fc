package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Venues ({@link Cohorts}): new accounts starting together on one network are a class, not a
 * campaign, and their youth does not make the everyday templates they pass through young.
 */
class CohortsTest {
  static final long HOUR = 3_600_000L;

  @TempDir Path dir;

  @Test
  void aNetworkIsAVenueOnceTenNewAccountsStartedThereWithinSixteenHoursOfTheDay() {
    Cohorts c = new Cohorts();
    int slot = -1;
    for (int i = 0; i < Cohorts.MIN; i++) {
      if (slot >= 0) {
        assertFalse(c.venue(slot), "a venue after " + i + " starts");
      }
      slot = c.start("192.0.2.0/24", START + 9 * HOUR + i * 60_000L);
    }
    assertTrue(c.venue(slot));
    // Starts in 16 hours of the day in all keep it a venue; the 17th hour makes it a factory.
    for (int h = 10; h < 9 + Cohorts.VENUE_HOURS; h++) {
      c.start("192.0.2.0/24", START + DAY + h * HOUR);
    }
    assertTrue(c.venue(slot));
    c.start("192.0.2.0/24", START + 2 * DAY + (9 + Cohorts.VENUE_HOURS) * HOUR);
    assertFalse(c.venue(slot), "new accounts starting in 17 hours of the day");
    assertEquals(slot, Cohorts.slot("192.0.2.0/24"));
  }

  @Test
  void concurrentStartsAreAllCountedAndTheCountSaturates() throws Exception {
    Cohorts c = new Cohorts();
    int threads = 8;
    int each = 10_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                for (int i = 0; i < each; i++) {
                  c.start("net-a", START + (id % 4) * HOUR);
                  if (i < 3) {
                    c.start("net-b", START + id * HOUR);
                  }
                }
              });
      th.start();
      all.add(th);
    }
    go.countDown();
    for (Thread th : all) {
      th.join();
    }
    long[] words = snapshotOf(c);
    // 80,000 starts saturate at 65,535; four hours of the day.
    assertEquals(0xFFFF, words[Cohorts.slot("net-a")] & 0xFFFF);
    assertEquals(4, Long.bitCount(words[Cohorts.slot("net-a")] >>> 16));
    // 24 starts, none lost, in 8 hours.
    assertEquals(24, words[Cohorts.slot("net-b")] & 0xFFFF);
    assertEquals(8, Long.bitCount(words[Cohorts.slot("net-b")] >>> 16));
  }

  static long[] snapshotOf(Cohorts c) throws java.io.IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    c.write(new java.io.DataOutputStream(bytes));
    return Cohorts.read(
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
  }

  @Test
  void aVenuesYouthIsWithheldUntilTheAccountIsActiveAroundTheClock() {
    Cohorts c = new Cohorts();
    for (int i = 0; i < Cohorts.MIN; i++) {
      c.start("192.0.2.0/24", START + i * 1000L);
    }
    AccountState student = new AccountState("student");
    long t = START + HOUR;
    student.activity.record(t, START, "192.0.2.0/24");
    assertTrue(c.withholds(student, "192.0.2.0/24", t, true));
    AccountState home = new AccountState("home");
    home.activity.record(t, START, "198.51.100.0/24");
    assertFalse(c.withholds(home, "198.51.100.0/24", t, true), "no venue there");
    AccountState unknown = new AccountState("unknown");
    unknown.activity.record(t, START, null);
    assertFalse(c.withholds(unknown, null, t, true), "no network given");
    // The student, anywhere, is withheld while active in fewer than 8 hours of the day.
    for (int h = 1; h < GroupEvidence.YOUNG_HOURS; h++) {
      student.activity.record(t + h * HOUR, START, "203.0.113.0/24");
      assertEquals(
          h + 1 < GroupEvidence.YOUNG_HOURS,
          c.withholds(student, "203.0.113.0/24", t + h * HOUR, false),
          "after " + (h + 1) + " hours");
    }
  }

  /**
   * Casual users keep an everyday template in use around the clock (150 users, 12 requests each
   * over three days: a quarter of them young, three fifths established, as in the deployment's
   * 1,500 other users); {@code classAccounts} new accounts paste one homework in a class on the
   * second morning and ask one follow-up each in the everyday template, from {@code classNetworks}
   * networks (1: the school's NAT). The class is two thirds of the template's accounts then, and
   * makes it young (the usage generator's seed 10 in miniature).
   */
  static List<TraceRecord> everydayTemplateAndAClass(int classAccounts, int classNetworks) {
    SplittableRandom r = new SplittableRandom(41);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < 1650; a++) {
      double u = r.nextDouble();
      long created = START - (u < 0.25 ? 3 : u < 0.4 ? 20 : 400) * DAY;
      String client = (a % 250) + "." + (a / 250) + ".30.0/24";
      boolean everyday = a < 150; // the template's users; the rest ask other things
      for (int k = 0; k < (everyday ? 12 : 2); k++) {
        long t = START + r.nextLong(3 * DAY);
        String prompt =
            everyday
                ? everyday(r)
                : DetectorTest.TASKS[r.nextInt(DetectorTest.TASKS.length)]
                    + " in "
                    + DetectorTest.LANGUAGES[r.nextInt(DetectorTest.LANGUAGES.length)]
                    + " for "
                    + DetectorTest.SUBJECTS[r.nextInt(DetectorTest.SUBJECTS.length)];
        out.add(NullModelTest.request(t, "casual-" + a, created, client, null, prompt, 0));
      }
    }
    for (int a = 0; a < classAccounts; a++) {
      long t = START + DAY + 9 * HOUR + r.nextLong(HOUR);
      String client = "192.0." + (a % classNetworks) + ".0/24";
      String id = "student-" + a;
      long created = START + DAY + 8 * HOUR;
      out.add(NullModelTest.request(t, id, created, client, null, NullModelTest.HOMEWORK, 0));
      out.add(
          NullModelTest.request(
              t + 300_000 + r.nextLong(HOUR / 2), id, created, client, null, everyday(r), 1));
    }
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  /** A long everyday frame around one made-up word: one template, a new skeleton each time. */
  static String everyday(SplittableRandom r) {
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      word.append((char) ('a' + r.nextInt(26)));
    }
    return "hey, quick question from me today, could you please tell me in a few simple and short"
        + " words what the word "
        + word
        + " means and where it comes from, no long essay needed, thank you so much for the help";
  }

  @Test
  void aClassPassingThroughAnEverydayTemplateIsNotFlagged() {
    try (Detector venue = Detector.builder().build();
        Detector spread = Detector.builder().build()) {
      everydayTemplateAndAClass(300, 1).forEach(venue::observe);
      everydayTemplateAndAClass(300, 300).forEach(spread::observe);
      assertEquals(0, venue.verdicts().filter(Verdict::flagged).count());
      // The control: the same class from 300 networks (students at home) makes the template a
      // young sweep and is flagged (201 measured), as the class behind its NAT was before venues
      // (201): what a trace without networks, or a class at home, still shows (README).
      long flagged = spread.verdicts().filter(Verdict::flagged).count();
      assertTrue(flagged > 100, "control flagged " + flagged);
    }
  }

  @Test
  void venuesSurviveASnapshotAndAVersionSixFileHasNone() throws Exception {
    Path file = dir.resolve("detector.state");
    Path v6 = dir.resolve("v6.state");
    List<TraceRecord> trace = everydayTemplateAndAClass(300, 1);
    int cut = 0;
    while (trace.get(cut).ts() < START + DAY + 10 * HOUR) {
      cut++;
    }
    try (Detector a = Detector.builder().build()) {
      trace.subList(0, cut).forEach(a::observe);
      a.snapshot(file);
      DetectorState.snapshot(a, v6, 6);
    }
    try (Detector b = Detector.builder().build();
        Detector old = Detector.builder().build()) {
      b.restore(file);
      old.restore(v6);
      trace.subList(cut, trace.size()).forEach(b::observe);
      trace.subList(cut, trace.size()).forEach(old::observe);
      assertEquals(0, b.verdicts().filter(Verdict::flagged).count());
      // Restored from version 6, the class's youth counts again from its next request (179
      // flagged, measured).
      long flagged = old.verdicts().filter(Verdict::flagged).count();
      assertTrue(flagged > 0, "restored from version 6: " + flagged);
    }
  }
}
