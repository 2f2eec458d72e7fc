package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Accounts created together ({@link CohortView}): a wave of accounts registered within an hour,
 * each asking its own tasks, whose templates hold a handful of them in their first hours. Found on
 * 2026-12-07 (session 49) in a fourth generator's seed 109, whose first wave was served 2,115
 * requests before its flags. The bucket cases differ from a strong cohort in the one count that
 * decides; the detector case runs the same wave created within its hour, within one hour three days
 * before (a detector that starts after the accounts were made: not seen), and over days; its person
 * fails without the own-score gate ({@link CohortView#takes}: with the tier's top tenth or an
 * elevated account taking the evidence, it was flagged at its eighth request).
 */
class CohortViewTest {
  private static final long HOUR = 3_600_000L;
  private static final double BASE_WATCHED = 0.1;

  /**
   * A cohort bucket: {@code accounts} and {@code watched} bits in its sets (linear counting reads
   * 40 bits as about 43 accounts, 200 as about 389), each from a network of its own, with 60
   * requests, each a skeleton of its own, {@code cued} of them eliciting.
   */
  static long[] cohort(int accounts, int watched, int cued) {
    long[] w = YoungSweepTest.bucket(accounts, 60, cued);
    ContagionTest.set(w, LinkStore.WATCHED, 0, watched);
    return w;
  }

  @Test
  void aQuarterElevatedFarAboveTheBaseRateMakesAStrongCohort() {
    assertEquals(GroupEvidence.STRONG, CohortView.judge(cohort(40, 20, 60), 0, BASE_WATCHED));
    assertEquals(GroupEvidence.STRONG, CohortView.judge(cohort(12, 10, 60), 0, BASE_WATCHED));
    // The controls: at a base rate of a fifth, 21 of 43 is not rare enough (a tail of 2e-5).
    assertEquals(GroupEvidence.NONE, CohortView.judge(cohort(40, 20, 60), 0, 0.2));
    // 82 of 389 is rare (a tail of 1e-10) but not a quarter of the cohort.
    assertEquals(GroupEvidence.NONE, CohortView.judge(cohort(200, 70, 60), 0, BASE_WATCHED));
    // Seven accounts; a fifth of its requests eliciting (a third is strong).
    assertEquals(GroupEvidence.NONE, CohortView.judge(cohort(7, 7, 60), 0, BASE_WATCHED));
    assertEquals(GroupEvidence.NONE, CohortView.judge(cohort(40, 20, 12), 0, BASE_WATCHED));
    assertEquals(GroupEvidence.STRONG, CohortView.judge(cohort(40, 20, 20), 0, BASE_WATCHED));
  }

  @Test
  void aClassPastingOneHomeworkFromItsNetworkIsNotASweep() {
    long[] w = cohort(120, 120, 60);
    assertEquals(GroupEvidence.STRONG, CohortView.judge(w, 0, BASE_WATCHED)); // the control
    java.util.Arrays.fill(
        w,
        LinkStore.CONTENT + LinkStore.SKELETONS,
        LinkStore.CONTENT + LinkStore.SKELETONS + 4,
        0L);
    w[LinkStore.CONTENT + LinkStore.SKELETONS] = 0xFFL; // 8 texts
    java.util.Arrays.fill(w, LinkStore.CLIENTS, LinkStore.CLIENTS + 4, 0L);
    w[LinkStore.CLIENTS] = 1L; // one network
    assertEquals(GroupEvidence.NONE, CohortView.judge(w, 0, BASE_WATCHED));
  }

  @Test
  void anAccountIsInItsCreationHoursCohortForItsFirstDay() {
    long created = START + 5 * HOUR + 59 * 60_000L;
    assertTrue(CohortView.fresh(created, created + 23 * HOUR));
    assertFalse(CohortView.fresh(created, created + DAY));
    assertFalse(CohortView.fresh(-1, created));
    assertEquals(CohortView.key(START + 5 * HOUR), CohortView.key(created));
    assertTrue(CohortView.key(START + 6 * HOUR) != CohortView.key(created));
  }

  /** The wave's accounts created within its hour. */
  static final int TOGETHER = 0;

  /** The wave's accounts each created at a random time in the ten days before it starts. */
  static final int OVER_DAYS = 1;

  /** The wave's accounts created within one hour, three days before it starts. */
  static final int BEFORE = 2;

  /**
   * 2,000 people (a quarter young) asking everyday questions over two days; {@code wave} accounts
   * registered within one hour on day one (created then, or as {@code created} says, starting at
   * the same times), each from its own network, starting within six hours of that hour and asking
   * for a task of its own step by step about once an hour, with a long answer. One person created
   * in the wave's hour asks an everyday question step by step once an hour from four hours after
   * it: after eight such requests it is elevated on its own behaviour (mostly eliciting at a
   * person's pace), though it scores low.
   */
  static List<TraceRecord> traffic(int wave, int created) {
    SplittableRandom r = new SplittableRandom(109);
    List<TraceRecord> out = new ArrayList<>();
    ConversingTest.people(r, 2000, out);
    long hour = START + 20 * HOUR;
    for (int a = 0; a < wave; a++) {
      long registered = hour + r.nextLong(HOUR);
      long t = registered + r.nextLong(6 * HOUR);
      long earlier = registered - HOUR - r.nextLong(10 * DAY);
      long at =
          created == TOGETHER ? registered : created == BEFORE ? registered - 3 * DAY : earlier;
      for (int k = 0; k < 12; k++, t += 40 * 60_000L + r.nextLong(40 * 60_000L)) {
        StringBuilder task = new StringBuilder();
        for (int w = 0; w < 14; w++) {
          task.append(WORDS[r.nextInt(WORDS.length)]).append(w % 5 == 4 ? ", " : " ");
        }
        String prompt =
            FRAMES[r.nextInt(FRAMES.length)] + task + "Think step by step and show your reasoning.";
        out.add(
            new TraceRecord(
                t,
                "wave-" + a,
                at,
                "free",
                "198.51." + a + ".0/24",
                null,
                0,
                null,
                prompt,
                16000,
                0.7,
                0,
                1500));
      }
    }
    for (int k = 0; k < 16; k++) {
      out.add(
          NullModelTest.request(
              hour + 4 * HOUR + k * HOUR,
              "person",
              hour + 30 * 60_000L,
              "203.0.113.0/24",
              null,
              "explain step by step why "
                  + DetectorTest.EVERYDAY[k % DetectorTest.EVERYDAY.length]
                  + " works the way it does, for my sister, question "
                  + k,
              0));
    }
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  static final String[] FRAMES = {
    "Solve this carefully: ",
    "Plan the following task end to end: ",
    "Work through this: ",
    "As an agent with a shell and a browser, do this: ",
    "Give a complete solution for: "
  };
  static final String[] WORDS = {
    "graph",
    "ledger",
    "queue",
    "kernel",
    "tensor",
    "invoice",
    "orbit",
    "parser",
    "cache",
    "vector",
    "matrix",
    "schema",
    "router",
    "thread",
    "budget",
    "lattice",
    "prime",
    "circuit",
    "polygon",
    "contract",
    "warehouse",
    "pipeline",
    "sensor",
    "index",
    "compiler",
    "auction",
    "glacier",
    "harvest",
    "tariff",
    "voltage",
    "mortgage",
    "enzyme",
    "satellite",
    "turbine",
    "census",
    "dialect"
  };

  @Test
  void aWaveCreatedTogetherIsFlaggedAtTheFirstRequestOfItsLaterAccounts() {
    try (Detector d = Detector.builder().build();
        Detector before = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      traffic(150, TOGETHER).forEach(d::observe);
      traffic(150, BEFORE).forEach(before::observe);
      traffic(150, OVER_DAYS).forEach(control::observe);
      long atFirst = atFirstRequest(d);
      long beforeAtFirst = atFirstRequest(before);
      long controlAtFirst = atFirstRequest(control);
      // Measured: 66 of the 150 flagged at their first request, none created three days before
      // or over days.
      assertTrue(atFirst >= 50, "wave accounts flagged at their first request: " + atFirst);
      // Not seen: a wave registered three days before (membership is the first day after creation).
      assertTrue(beforeAtFirst <= 10, "created together before: " + beforeAtFirst);
      assertTrue(controlAtFirst <= 10, "created over days: " + controlAtFirst + " of 150");
      assertTrue(
          d.verdicts()
              .filter(v -> v.account().startsWith("wave-") && v.requestsBeforeFlag() == 0)
              .anyMatch(v -> v.reasons().stream().anyMatch(s -> s.startsWith("created together"))));
      // A person created in the wave's hour, asking step by step, elevated by that, is not flagged
      // by the cohort: its own score is low.
      Verdict person = d.verdict("person");
      assertNotNull(person);
      assertFalse(person.flagged(), person.reasons().toString());
      assertEquals(
          0,
          d.verdicts()
              .filter(v -> v.account().startsWith("user-"))
              .filter(Verdict::flagged)
              .count());
    }
  }

  private static long atFirstRequest(Detector d) {
    return d.verdicts()
        .filter(v -> v.account().startsWith("wave-") && v.flagged() && v.requestsBeforeFlag() == 0)
        .count();
  }
}
