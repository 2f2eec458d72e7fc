package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conversations where a trace gives no turns ({@link AccountState#conversing}): people follow up
 * with prompts too short to stand alone ("make it async"), a harvest sends whole tasks. Found on
 * 2026-12-04 in the usage generator's seed 10 with partial metadata (no turns): 75 of a hackathon's
 * 109 new accounts were flagged in a coding template they swept from their homes and the venue over
 * a day.
 */
class ConversingTest {
  static final long HOUR = 3_600_000L;
  static final String[] SHORT = {
    "make it async", "use rust instead", "now it says out of memory", "it works, thanks",
    "shorter please", "why?", "add tests", "what about errors"
  };

  /**
   * 1,000 other users (a quarter young) and 60 new accounts, each on its own network, working for a
   * day through one coding frame with many topics; every request at turn 0, as a trace without
   * turns gives it. With {@code followUps}, two of every three requests after the first are short
   * follow-ups.
   */
  static List<TraceRecord> hackathon(boolean followUps) {
    SplittableRandom r = new SplittableRandom(52);
    List<TraceRecord> out = new ArrayList<>();
    people(r, 1000, out);
    for (int a = 0; a < 60; a++) {
      long created = START + 6 * HOUR;
      long t = START + 7 * HOUR + r.nextLong(HOUR);
      for (int k = 0; k < 15; k++, t += 20 * 60_000 + r.nextLong(40 * 60_000)) {
        boolean small = followUps && k > 0 && k % 3 != 0;
        String prompt =
            small
                ? SHORT[r.nextInt(SHORT.length)]
                : "review this change to my hackathon project and point out the bugs: in "
                    + DetectorTest.LANGUAGES[r.nextInt(DetectorTest.LANGUAGES.length)]
                    + " I "
                    + DetectorTest.TASKS[r.nextInt(DetectorTest.TASKS.length)]
                    + " for "
                    + DetectorTest.SUBJECTS[r.nextInt(DetectorTest.SUBJECTS.length)]
                    + " and the demo is tonight";
        out.add(
            NullModelTest.request(
                t, "hacker-" + a, created, "198.18." + a + ".0/24", null, prompt, 0));
      }
    }
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  /**
   * {@code n} people ({@code user-0} ...), a quarter of them young, each sending three everyday
   * requests from its own network over two days from {@code START}.
   */
  static void people(SplittableRandom r, int n, List<TraceRecord> out) {
    for (int a = 0; a < n; a++) {
      long created = START - (r.nextDouble() < 0.25 ? 3 : 400) * DAY;
      for (int k = 0; k < 3; k++) {
        String prompt =
            DetectorTest.EVERYDAY[r.nextInt(DetectorTest.EVERYDAY.length)]
                + " ideas for "
                + DetectorTest.SUBJECTS[r.nextInt(DetectorTest.SUBJECTS.length)]
                + " please, number "
                + r.nextInt(1000);
        out.add(
            NullModelTest.request(
                START + r.nextLong(2 * DAY),
                "user-" + a,
                created,
                a + ".7.0.0/24",
                null,
                prompt,
                0));
      }
    }
  }

  @Test
  void aHackathonThatFollowsUpIsNotAHarvestWhereTheTraceGivesNoTurns() {
    try (Detector people = Detector.builder().build();
        Detector harvest = Detector.builder().build()) {
      hackathon(true).forEach(people::observe);
      hackathon(false).forEach(harvest::observe);
      assertEquals(0, people.verdicts().filter(Verdict::flagged).count());
      // The control: the same accounts sending whole tasks only are a young sweep in the shape of
      // a harvest.
      long flagged = harvest.verdicts().filter(Verdict::flagged).count();
      assertTrue(flagged > 30, "control flagged " + flagged);
    }
  }

  @Test
  void conversingIsTheShareOfLaterTurnsAndShortPromptsOverTheLastFifty() {
    AccountState s = new AccountState("a");
    for (int i = 0; i < 100; i++) {
      s.converse(i % 4 == 0);
    }
    assertEquals(0.25, s.conversing, 0.05);
    for (int i = 0; i < 200; i++) {
      s.converse(false);
    }
    assertTrue(s.conversing < 0.01, "forgets: " + s.conversing);
  }
}
