package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static dev.moat.detect.TenureTest.flagged;
import static dev.moat.detect.TenureTest.regulars;
import static dev.moat.detect.TenureTest.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The relay view ({@link GroupEvidence#relayed}): keys that many people use (resellers') sharing a
 * campaign's eliciting template with each other are coordinated, though they send at machine speed;
 * harnesses that share such a template (eval runs) are not, though they burst too. Each test has a
 * control that differs only in what the view reads.
 */
class RelayViewTest {
  /**
   * Ten resellers' keys on aged accounts for three days around the clock, each from its own server
   * network: their customers' short questions every one to five minutes, each followed by one or
   * two follow-ups (later turns), now and then five customers within seconds; without {@code
   * converse}, a harness's items instead (one long templated request each, no later turns); and one
   * request in ten a campaign's eliciting ask ({@link TenureTest#sweepPrompt}), a template that
   * only these keys send; with {@code stepped}, each ask a second after the request before it (a
   * tool loop's next step, not a customer's request), and with {@code followUp} a later turn.
   */
  static List<TraceRecord> resellers(boolean converse, boolean stepped, boolean followUp) {
    SplittableRandom r = new SplittableRandom(61);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 10; a++) {
      int turn = 0;
      int k = r.nextInt(30);
      long last = -1;
      for (long t = START + r.nextLong(DAY / 4); t < START + 3 * DAY; ) {
        boolean ask = r.nextInt(10) == 0;
        long at = ask && stepped && last > 0 ? last + 1_000 : t;
        last = at;
        String prompt =
            ask
                ? TenureTest.sweepPrompt(n++)
                : converse
                    ? "Can you help me with "
                        + DetectorTest.EVERYDAY[r.nextInt(DetectorTest.EVERYDAY.length)]
                        + "?"
                    : "Classify the sentiment of this customer note as positive, neutral or"
                        + " negative, one word only: "
                        + ContagionTest.note(r.nextInt(1_200));
        turn = ask || !converse || turn >= 2 || r.nextInt(3) == 0 ? 0 : turn + 1;
        out.add(
            new TraceRecord(
                at,
                "resold-" + a,
                START - 300 * DAY,
                "team",
                "203.0." + a + ".0/24",
                null,
                ask ? (followUp ? 1 : 0) : turn,
                null,
                prompt,
                ask ? 16384 : 0,
                -1,
                0,
                ask ? 3000 : 300));
        // Five customers within seconds now and then (a burst), else one to five minutes apart.
        t += ++k % 30 < 5 ? 2_000 + r.nextLong(3_000) : 60_000 + r.nextLong(240_000);
      }
    }
    return out;
  }

  @Test
  void resellersSharingACampaignsTemplateAreFlaggedHarnessesAreNot() {
    // The deployment: 400 people chatting, so that the keys' elevation is far above its base rate.
    List<TraceRecord> people = regulars(67, 400, 3);
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      sorted(people, resellers(true, false, false)).forEach(d::observe);
      sorted(people, resellers(false, false, false)).forEach(control::observe);
      // Before the relay view (2026-12-06, session 42) none of the ten was flagged: the aged view
      // takes no request at machine speed, and no template held young accounts.
      long caught = flagged(d, "resold-");
      assertTrue(caught >= 8, "resellers flagged " + caught + " of 10");
      assertEquals(0, flagged(d, "person-"));
      // The same keys sending a harness's items instead of conversations (a script, an eval run):
      // bursting, eliciting, around the clock, but no view calls their template coordinated.
      assertEquals(0, flagged(control, "resold-"));
      assertEquals(0, flagged(control, "person-"));
    }
  }

  @Test
  void aToolLoopsStepsTakeNothingFromTheRelayView() {
    List<TraceRecord> people = regulars(67, 400, 3);
    try (Detector d = Detector.builder().build()) {
      sorted(people, resellers(true, true, false)).forEach(d::observe);
      // The same keys, each ask a second after the request before it: an agent product's tool
      // loop bursts and has later turns too. Without the pace, all ten were flagged.
      assertEquals(0, flagged(d, "resold-"));
      assertEquals(0, flagged(d, "person-"));
    }
  }

  @Test
  void aTemplateOfLaterTurnsIsNotAHarvest() {
    List<TraceRecord> people = regulars(67, 400, 3);
    try (Detector d = Detector.builder().build()) {
      sorted(people, resellers(true, false, true)).forEach(d::observe);
      // The same keys, each ask a later turn: a developer's tool loop sending its tool results
      // into a coding agent's template (the first simulator's developers: 300 of 300 flagged
      // without the condition that a relays' template be mostly first turns). A harvest does not
      // converse in its template.
      assertEquals(0, flagged(d, "resold-"));
      assertEquals(0, flagged(d, "person-"));
    }
  }
}
