package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ActivityTest {
  static final long DAY = 86_400_000L;

  /**
   * A timer (gaps uniform within ±10% of an hour), a Poisson process (exponential gaps) and a
   * person (Poisson by day, silent at night): the gap spread and the hour entropy tell them apart,
   * each within its stated bound over 2,000 requests (seeded).
   */
  @Test
  void timingRegularityAndTimeOfDaySeparateMachinesFromPeople() {
    SplittableRandom r = new SplittableRandom(1);
    Activity timer = new Activity();
    Activity poisson = new Activity();
    Activity person = new Activity();
    long t1 = 0;
    long t2 = 0;
    long t3 = 0;
    for (int i = 0; i < 2000; i++) {
      timer.record(t1, -1, "c");
      poisson.record(t2, -1, "c");
      person.record(t3, -1, "c");
      t1 += (long) (3_600_000 * r.nextDouble(0.9, 1.1));
      t2 += (long) (-3_600_000 * Math.log(1 - r.nextDouble()));
      do {
        t3 += (long) (-1_800_000 * Math.log(1 - r.nextDouble()));
      } while ((t3 / 3_600_000) % 24 < 8); // asleep from midnight to 8 a.m. UTC
    }
    assertTrue(timer.logGapSpread() < 0.1, "timer spread " + timer.logGapSpread());
    // The log of an exponential has standard deviation pi / sqrt(6) = 1.28.
    assertEquals(1.28, poisson.logGapSpread(), 0.15);
    assertTrue(person.logGapSpread() > 1.3, "person spread " + person.logGapSpread());
    assertTrue(timer.hourEntropy() > 4.5, "timer entropy " + timer.hourEntropy());
    assertTrue(poisson.hourEntropy() > 4.5, "poisson entropy " + poisson.hourEntropy());
    // Sixteen waking hours: at most log2(16) = 4 bits.
    assertTrue(person.hourEntropy() <= 4.0 + 1e-9, "person entropy " + person.hourEntropy());
    assertEquals(2000, timer.requests());
    assertEquals(24, timer.requestsPerDay(), 2.5);
  }

  /**
   * Around the clock without a night ({@link Activity#sleepless}): over 100 seeds each, Poisson
   * traffic at 26 requests a day for four days (a distillation account's pace) is sleepless in at
   * least 94 (each is with probability 0.983 by 20,000 simulations of the rule, so 94 is about
   * three standard deviations below the mean; 0.81 after two days, 0.95 after three), and a heavy
   * user awake 16 hours a day (200 requests a day for a week, one in twenty at night) in none: a
   * night of eight hours leaves at most about 5% of the requests in any six hours of it.
   */
  @Test
  void trafficAroundTheClockIsSleeplessAndAPersonsIsNot() {
    int sleepless = 0;
    int person = 0;
    for (int seed = 0; seed < 100; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Activity machine = new Activity();
      for (long t = 0; t < 4 * DAY; t += (long) (-DAY / 26.0 * Math.log(1 - r.nextDouble()))) {
        machine.record(t, -1, null);
      }
      sleepless += machine.sleepless() ? 1 : 0;
      Activity heavy = new Activity();
      for (int i = 0; i < 1400; i++) {
        long day = r.nextLong(7) * DAY;
        long hour = r.nextInt(20) == 0 ? r.nextLong(8) : 8 + r.nextLong(16); // asleep 0-8 UTC
        heavy.record(day + hour * 3_600_000L + r.nextLong(3_600_000L), -1, null);
      }
      person += heavy.sleepless() ? 1 : 0;
    }
    assertTrue(sleepless >= 94, "sleepless machines " + sleepless + " of 100");
    assertEquals(0, person, "sleepless people");
  }

  /** Fewer than 24 requests, or less than a day between the first and the latest, say nothing. */
  @Test
  void aNightNeedsADayAndTwentyFourRequestsToBeMissed() {
    Activity few = new Activity();
    Activity brief = new Activity();
    for (int i = 0; i < 23; i++) {
      few.record(i * 4_000_000L, -1, null); // every 67 minutes: over a day, 23 requests
    }
    for (int i = 0; i < 200; i++) {
      brief.record(i * (DAY - 1) / 200, -1, null); // evenly over just under a day
    }
    assertFalse(few.sleepless());
    assertFalse(brief.sleepless());
    few.record(23 * 4_000_000L, -1, null);
    brief.record(DAY, -1, null);
    assertTrue(few.sleepless());
    assertTrue(brief.sleepless());
  }

  /** The quietest six consecutive hours wrap around midnight (UTC). */
  @Test
  void theQuietestSixHoursWrapAroundMidnight() {
    Activity a = new Activity();
    for (int h = 3; h < 21; h++) {
      a.record(h * 3_600_000L, -1, null); // hours 3 to 20: 21 to 2 are empty
    }
    a.record(22 * 3_600_000L, -1, null); // hour 22
    assertEquals(1, a.quietestSixHours()); // 21 to 2 (UTC) hold only hour 22's request
  }

  @Test
  void distinctClientsAndAccountAge() {
    Activity sticky = new Activity();
    Activity rotating = new Activity();
    long created = 10 * DAY;
    for (int i = 0; i < 200; i++) {
      sticky.record(20 * DAY + i * 60_000L, created, i % 10 == 0 ? "home" : "work");
      rotating.record(20 * DAY + i * 60_000L, created, "10." + i + ".0.0/24");
    }
    assertEquals(2, sticky.distinctClients(), 0.1);
    assertTrue(rotating.distinctClients() > 100, "rotating " + rotating.distinctClients());
    assertEquals(10, sticky.ageAtFirstDays(), 1e-9);
    Activity unknown = new Activity();
    unknown.record(0, -1, null);
    assertEquals(-1, unknown.ageAtFirstDays());
    assertEquals(0, unknown.distinctClients());
    assertEquals(0, unknown.logGapSpread());
  }

  /** The running entropy equals the histogram's, computed directly, to 1e-9 bits. */
  @Test
  void runningHourEntropyIsExact() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    Activity a = new Activity();
    int[] hours = new int[24];
    long ts = 1_776_816_000_000L;
    for (int i = 0; i < 5000; i++) {
      ts += (long) (r.nextDouble() * (i % 7 == 0 ? 40_000_000 : 900_000));
      a.record(ts, -1, null);
      hours[(int) ((ts / 3_600_000L) % 24)]++;
      if (i % 97 == 0 || i < 30) {
        double h = 0;
        for (int c : hours) {
          if (c > 0) {
            double p = c / (double) (i + 1);
            h -= p * Math.log(p) / Math.log(2);
          }
        }
        org.junit.jupiter.api.Assertions.assertEquals(h, a.hourEntropy(), 1e-9, "after " + (i + 1));
      }
    }
  }

  /** Five requests within two minutes are a burst; a person's pace (40 s apart and more) is not. */
  @Test
  void burstsAreFiveRequestsWithinTwoMinutes() {
    Activity paced = new Activity();
    Activity harness = new Activity();
    for (int i = 0; i < 50; i++) {
      paced.record(i * 40_001L, -1, null); // four gaps: just over two minutes
      harness.record(i * 29_000L, -1, null); // four gaps: 116 s
    }
    assertEquals(0, paced.bursts());
    assertEquals(46, harness.bursts()); // every request from the fifth on
    Activity edge = new Activity();
    for (int i = 0; i < 5; i++) {
      edge.record(i * 30_000L, -1, null); // the fifth exactly 120 s after the first
    }
    assertEquals(1, edge.bursts());
  }

  /**
   * A request at a person's pace: at least 10 s after the previous one and not the fifth within two
   * minutes (the phrase view counts only those).
   */
  @Test
  void aRequestIsPacedTenSecondsAfterThePreviousAndOutsideABurst() {
    Activity a = new Activity();
    assertTrue(a.paced(0), "the first request");
    a.record(0, -1, null);
    assertFalse(a.paced(9_999), "under 10 s after the previous");
    assertTrue(a.paced(10_000));
    for (int i = 1; i < 4; i++) {
      a.record(i * 25_000L, -1, null); // four requests 25 s apart
    }
    assertFalse(a.paced(100_000), "the fifth within 120 s of the first");
    assertTrue(a.paced(120_001), "just over two minutes after the first of the four");
  }

  /**
   * Many hands ({@link Activity#manyHands}): a key whose requests carry eight or more distinct
   * settings (system prompt, {@code max_tokens}, temperature), as many people's tools send; one
   * person's two settings over 2,000 requests, or a trace without the fields, never. The settings
   * survive a snapshot from version 10 on and start afresh from an older one.
   */
  @Test
  void manySettingsAreManyHandsAndSurviveASnapshot() throws java.io.IOException {
    SplittableRandom r = new SplittableRandom(5);
    Activity relay = new Activity();
    Activity person = new Activity();
    Activity bare = new Activity();
    int at = -1;
    for (int i = 0; i < 2000; i++) {
      long t = i * 60_000L;
      relay.record(
          t, -1, null, Activity.setting(r.nextInt(6), 1024 << r.nextInt(4), r.nextInt(3) / 2.0));
      person.record(t, -1, null, Activity.setting(42, i % 2 == 0 ? 4096 : 0, 0.7));
      bare.record(t, -1, null, Activity.setting(0, 0, -1));
      if (at < 0 && relay.manyHands()) {
        at = i + 1;
      }
    }
    // 72 possible settings: eight distinct bits within a few dozen requests.
    assertTrue(at >= 8 && at <= 40, "many hands after " + at + " requests");
    assertFalse(person.manyHands());
    assertTrue(person.settingsSeen() <= 2);
    assertFalse(bare.manyHands());
    assertEquals(1, bare.settingsSeen());
    for (int version : new int[] {DetectorState.VERSION, 9}) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      relay.write(new java.io.DataOutputStream(bytes), version);
      Activity back = new Activity();
      back.read(
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())),
          version);
      assertEquals(version >= 10, back.manyHands(), "version " + version);
      assertEquals(relay.requests(), back.requests());
    }
  }
}
