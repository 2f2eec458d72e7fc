package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static dev.moat.detect.TenureTest.flagged;
import static dev.moat.detect.TenureTest.regulars;
import static dev.moat.detect.TenureTest.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
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
    AccountState mixed = new AccountState("d"); // single requests without a turn, then turns from 1
    assertFalse(mixed.laterTurn(-1), "no turn given: not a later one");
    assertFalse(mixed.laterTurn(1), "a conversation's first turn, after requests without one");
    assertFalse(mixed.laterTurn(-1));
    assertTrue(mixed.laterTurn(2));
  }

  /**
   * Young accounts (ages given, rotating networks, around the clock) sweeping a coding template
   * that asks for no reasoning, as the fourth generator's hydra does: each account sends single
   * requests without a turn field and conversations whose turns count from 1 (one in three with a
   * follow-up). {@code fromZero}: the same requests as the trace format counts them, every single
   * request and first turn 0.
   */
  static List<TraceRecord> mixedHarvest(boolean fromZero) {
    SplittableRandom r = new SplittableRandom(11);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 60; a++) {
      long start = START + DAY + DAY / 4 + 2 * DAY * a / 60;
      int k = 0;
      for (long t = start; t < start + DAY; t += 2_400_000 + r.nextLong(600_000), k++) {
        String account = "hydra-" + a;
        String client = r.nextInt(255) + "." + r.nextInt(255) + ".9.0/24";
        String prompt =
            "Write a production-quality "
                + DetectorTest.TASKS[n % 6].replaceFirst("^\\w+ ", "")
                + " in "
                + DetectorTest.LANGUAGES[(n / 6) % 7]
                + " for "
                + DetectorTest.SUBJECTS[(n / 42) % 15]
                + ". Explain the trade-offs you considered.";
        n++;
        boolean single = k % 2 == 0;
        String conversation = single ? null : account + "-c" + k;
        int first = fromZero ? 0 : 1;
        out.add(
            request(
                t, account, start, client, conversation, single && !fromZero ? -1 : first, prompt));
        if (!single && k % 3 == 1) {
          out.add(
              request(
                  t + 40_000,
                  account,
                  start,
                  client,
                  conversation,
                  first + 1,
                  "Now make it faster."));
        }
      }
    }
    return out;
  }

  private static TraceRecord request(
      long t, String account, long start, String client, String conversation, int turn, String p) {
    return new TraceRecord(
        t,
        account,
        start - 2 * DAY,
        "free",
        client,
        conversation,
        turn,
        null,
        p,
        16000,
        1.0,
        0,
        900);
  }

  @Test
  void singleRequestsWithoutATurnBesideTurnsFromOneGiveTheSameVerdicts() {
    List<TraceRecord> people = regulars(5, 300, 4);
    try (Detector zero = Detector.builder().build();
        Detector mixed = Detector.builder().build()) {
      sorted(people, mixedHarvest(true)).forEach(zero::observe);
      sorted(people, mixedHarvest(false)).forEach(mixed::observe);
      assertTrue(flagged(zero, "hydra-") >= 50, "from 0: " + flagged(zero, "hydra-"));
      // Before (2026-12-07, session 47) a missing turn read as 0, below every turn counted from 1,
      // so each conversation's first turn was a later one: the template read as chat, not harvest.
      assertEquals(flaggedAccounts(zero), flaggedAccounts(mixed));
      assertEquals(0, flagged(mixed, "person-"));
    }
  }
}
