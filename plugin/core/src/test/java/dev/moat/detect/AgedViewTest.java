package dev.moat.detect;

import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The aged view in a detector's first hours ({@link AgedView}, {@link Tenure#coldHours}): a
 * campaign already running when observation begins, with no ages or networks given, is around the
 * clock for that view once its template has been used in every hour observed (from three on), not
 * only after eight hours of the day.
 */
class AgedViewTest {
  static final long HOUR = 3_600_000L;

  /**
   * 60 accounts sweeping one eliciting template ({@link TenureTest#sweepPrompt}) from observation's
   * first minutes for {@code hours}, each a request every 4 to 8 minutes (a person's pace), no age,
   * no network.
   */
  static List<TraceRecord> running(int hours) {
    SplittableRandom r = new SplittableRandom(23);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 60; a++) {
      for (long t = START + r.nextLong(600_000); t < START + hours * HOUR; ) {
        out.add(TenureTest.sweepRequest(t, "running-" + a, -1, null, TenureTest.sweepPrompt(n++)));
        t += 240_000 + r.nextLong(240_000);
      }
    }
    return out;
  }

  /** Hours from observation's start to the first flag of an account named {@code prefix...}. */
  static double firstFlag(Detector d, String prefix) {
    return d.verdicts()
        .filter(v -> v.account().startsWith(prefix) && v.flaggedAt() >= 0)
        .mapToDouble(v -> (v.flaggedAt() - START) / (double) HOUR)
        .min()
        .orElse(Double.NaN);
  }

  @Test
  void aTemplateUsedInTheHoursObservedIsAroundTheClockOnlyWhileNew() {
    long[] w = ContagionTest.agedBucket(20); // every hour of the day, on three days: coordinated
    double k = LinkStore.estimate(w, LinkStore.ACCOUNTS);
    assertTrue(AgedView.swept(w, 0, k, 0.05, Integer.MAX_VALUE));
    w[LinkStore.ACTIVITY] = 0b1111L | (1L << 24); // four hours of one day
    assertFalse(AgedView.swept(w, 0, k, 0.05, Integer.MAX_VALUE), "not cold: eight hours");
    assertTrue(AgedView.swept(w, 0, k, 0.05, 4), "cold, four hours observed");
    assertFalse(AgedView.swept(w, 0, k, 0.05, 5), "cold, five hours observed");
    // The same four hours a day over three days: a warm fleet's template, read by a new replica.
    w[LinkStore.ACTIVITY] = 0b1111L | (0b111L << 24);
    assertFalse(AgedView.swept(w, 0, k, 0.05, 4));
  }

  @Test
  void theColdBarIsTheHoursObservedFromThreeToEight() {
    Tenure t = new Tenure();
    assertEquals(Tenure.COLD_MIN_HOURS, t.coldHours(START));
    assertEquals(Tenure.COLD_MIN_HOURS, t.coldHours(START + 2 * HOUR + 59 * 60_000));
    assertEquals(5, t.coldHours(START + 5 * HOUR + 1));
    assertEquals(7, t.coldHours(START + 8 * HOUR - 1));
    assertEquals(Integer.MAX_VALUE, t.coldHours(START + 8 * HOUR));
  }

  @Test
  void aCampaignRunningWhenObservationBeginsIsFlaggedInItsFirstHours() {
    List<TraceRecord> people = TenureTest.regulars(5, 300, 2);
    try (Detector d = Detector.builder().build();
        Detector workshop = Detector.builder().build()) {
      TenureTest.sorted(people, running(24)).forEach(d::observe);
      // Before (2026-12-07, session 47) no template was around the clock before eight hours of
      // the day: the first flag came at 7.1 hours (3.5 now).
      double first = firstFlag(d, "running-");
      assertTrue(first < 5, "first flag at " + first + " h");
      assertTrue(
          TenureTest.flagged(d, "running-") >= 50, "flagged " + TenureTest.flagged(d, "running-"));
      assertEquals(0, TenureTest.flagged(d, "person-"));
      // The same for two hours only (a workshop, a class): never in three hours of the day.
      TenureTest.sorted(people, running(2)).forEach(workshop::observe);
      assertEquals(0, TenureTest.flagged(workshop, "running-"));
      assertEquals(0, TenureTest.flagged(workshop, "person-"));
    }
  }
}
