package dev.moat.detect;

import static dev.moat.detect.TenureTest.flagged;
import static dev.moat.detect.TenureTest.regulars;
import static dev.moat.detect.TenureTest.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Turns counted from 1, as some clients and logs count them (the fourth generator does): the same
 * traffic gives the same verdicts as with turns counted from 0, the trace format's way. Before
 * (2026-12-07, session 43) a later turn was any turn above 0, so in such a trace every request was
 * one, every account conversed, and no template was a sweep of first turns.
 */
class TurnBaseTest {
  /** {@code records} with every turn one higher. */
  static List<TraceRecord> fromOne(List<TraceRecord> records) {
    return records.stream()
        .map(
            r ->
                new TraceRecord(
                    r.ts(),
                    r.account(),
                    r.accountCreated(),
                    r.tier(),
                    r.client(),
                    r.conversation(),
                    r.turn() + 1,
                    r.system(),
                    r.prompt(),
                    r.maxTokens(),
                    r.temperature(),
                    r.topLogprobs(),
                    r.outputTokens()))
        .toList();
  }

  static Set<String> flaggedAccounts(Detector d) {
    return d.verdicts().filter(Verdict::flagged).map(Verdict::account).collect(Collectors.toSet());
  }

  @Test
  void turnsCountedFromOneGiveTheSameVerdicts() {
    // RelayViewTest's resellers' keys among people who chat (turns 0 to 3): the relay view needs
    // a template of first turns, and the keys' conversing share reads later turns.
    List<TraceRecord> world =
        sorted(regulars(67, 400, 3), RelayViewTest.resellers(true, false, false));
    try (Detector zero = Detector.builder().build();
        Detector one = Detector.builder().build()) {
      world.forEach(zero::observe);
      fromOne(world).forEach(one::observe);
      assertTrue(flagged(zero, "resold-") >= 8, "from 0: " + flagged(zero, "resold-"));
      // Without the account's lowest turn as its base, none of the ten was flagged from 1.
      assertEquals(flaggedAccounts(zero), flaggedAccounts(one));
      assertEquals(0, flagged(one, "person-"));
    }
  }

  @Test
  void aTurnAboveTheAccountsLowestIsALaterOne() {
    AccountState s = new AccountState("a");
    assertFalse(s.laterTurn(1), "its first request: the lowest so far");
    assertTrue(s.laterTurn(2));
    assertFalse(s.laterTurn(1), "a new conversation");
    AccountState z = new AccountState("b");
    assertFalse(z.laterTurn(0));
    assertTrue(z.laterTurn(1), "from 0, turn 1 is the second");
    AccountState late = new AccountState("c"); // first seen in a conversation's middle
    assertFalse(late.laterTurn(3));
    assertTrue(late.laterTurn(4));
    assertFalse(late.laterTurn(0), "its next conversation's first turn lowers the base");
    assertTrue(late.laterTurn(3));
  }
}
