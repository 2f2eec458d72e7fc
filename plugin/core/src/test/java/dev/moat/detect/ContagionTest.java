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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Templates that campaigns share with people: flags must not spread from flagged accounts to the
 * people who use the same everyday template, nor from a viral text to the people who paste it twice
 * when the trace gives no ages (the failures a fourth, independently written generator showed on
 * 2026-12-06). Each test has a control that differs only in the view that decides.
 */
class ContagionTest {
  static final String[] CITIES = {
    "Lisbon", "Prague", "Oslo", "Lagos", "Lima", "Osaka", "Quito", "Tunis", "Hanoi", "Perth"
  };
  static final String[] JOBS = {
    "nurse", "barista", "teacher", "welder", "pilot", "chef", "lawyer", "farmer", "baker", "coder"
  };

  /** The {@code n}th distinct note (words, not digits: a skeleton reads digits alike). */
  static String note(int n) {
    return DetectorTest.EVERYDAY[n % 8]
        + " for "
        + DetectorTest.SUBJECTS[(n / 8) % 15]
        + " in "
        + CITIES[(n / 120) % 10];
  }

  /** An everyday template that elicits: people ask it too. */
  static String everyday(int n) {
    return "Explain step by step what this note from my colleague in the finance team says, what"
        + " she expects from me this week, whether I should worry about it at all, and how I should"
        + " politely reply to her by email before the end of the day, keeping the reply short and"
        + " friendly: "
        + note(n)
        + ".";
  }

  /**
   * A campaign on young accounts (ages given) from rotating networks: its sweep on the first day (a
   * young sweep: flagged), and from then on, once a day, a request into the everyday template
   * (cover traffic, or resold everyday traffic), as often as the people of {@link #people}.
   */
  static List<TraceRecord> relays() {
    SplittableRandom r = new SplittableRandom(17);
    List<TraceRecord> relays = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 40; a++) {
      for (long t = START + a * 120_000L; t < START + DAY; t += 3_300_000L, n++) {
        String client = r.nextInt(255) + "." + r.nextInt(255) + ".9.0/24";
        relays.add(
            TenureTest.sweepRequest(
                t, "relay-" + a, START - DAY, client, TenureTest.sweepPrompt(n)));
      }
      for (int day = 0; day < 3; day++, n++) {
        long t = START + day * DAY + 10 * 3_600_000L + r.nextLong(3_600_000);
        String client = r.nextInt(255) + "." + r.nextInt(255) + ".9.0/24";
        relays.add(TenureTest.sweepRequest(t, "relay-" + a, START - DAY, client, everyday(n)));
      }
    }
    return relays;
  }

  /**
   * People with old accounts: in their working hours, one request a day into the everyday template
   * and five plain questions (one in six of their requests elicits, too few for the phrase view,
   * PhraseEvidence.MIN_ELICITING).
   */
  static List<TraceRecord> people() {
    SplittableRandom r = new SplittableRandom(19);
    int n = 5_000;
    List<TraceRecord> people = new ArrayList<>();
    for (int a = 0; a < 30; a++) {
      for (int day = 0; day < 3; day++) {
        long t = START + day * DAY + 9 * 3_600_000L + r.nextLong(3_600_000);
        for (int k = 0; k < 6; k++, n++, t += 3_600_000L) {
          String prompt =
              k == 0
                  ? everyday(n)
                  : "Can you help me with " + DetectorTest.EVERYDAY[(a + k) % 8] + "?";
          people.add(
              new TraceRecord(
                  t,
                  "person-" + a,
                  START - 400 * DAY,
                  "free",
                  "198.51.100.0/24",
                  null,
                  0,
                  null,
                  prompt,
                  1024,
                  0.7,
                  0,
                  300));
        }
      }
    }
    return people;
  }

  @Test
  void flaggedAccountsDominatingAnEverydayTemplateDoNotAccuseItsOtherUsers() {
    VerdictModel cot = TestModels.of(x -> 0.05 + 0.9 * x[Features.COT], 0.59f);
    try (Detector d = Detector.builder().model(cot).build()) {
      sorted(relays(), people()).forEach(d::observe);
      assertTrue(flagged(d, "relay-") >= 36, "campaign flagged " + flagged(d, "relay-"));
      // Before 2026-12-06 the flagged campaign dominating the template was evidence enough: 29 of
      // the 30 were flagged (their third request into it). Now it needs a signal of their own.
      assertEquals(0, flagged(d, "person-"));
    }
  }

  /**
   * An agent product's ten established accounts, around the clock for three days, two thirds of
   * their requests eliciting (elevated on their own behaviour): every hour a user's task, then its
   * tool loop, two requests into the everyday template (the product's scaffold around the page it
   * read) a second or two apart, or with {@code paced} a minute apart.
   */
  static List<TraceRecord> agents(boolean paced) {
    SplittableRandom r = new SplittableRandom(29);
    List<TraceRecord> out = new ArrayList<>();
    int n = 9_000;
    for (int a = 0; a < 10; a++) {
      for (long t = START + a * 300_000L; t < START + 3 * DAY; t += 3_600_000L) {
        long at = t;
        for (int k = 0; k < 3; k++, n++) {
          String prompt =
              k == 0 ? "Can you help me with " + DetectorTest.EVERYDAY[n % 8] + "?" : everyday(n);
          out.add(
              new TraceRecord(
                  at,
                  "agent-" + a,
                  START - 400 * DAY,
                  "free",
                  "192.0.2.0/24",
                  null,
                  0,
                  null,
                  prompt,
                  1024,
                  0.0,
                  0,
                  200));
          at += paced ? 60_000 + r.nextLong(30_000) : 1_000 + r.nextLong(1_000);
        }
      }
    }
    return out;
  }

  @Test
  void anAgentProductsToolLoopTakesNoEvidenceFromFlaggedDomination() {
    VerdictModel cot = TestModels.of(x -> 0.05 + 0.9 * x[Features.COT], 0.59f);
    List<TraceRecord> world = sorted(relays(), people());
    try (Detector d = Detector.builder().model(cot).build();
        Detector control = Detector.builder().model(cot).build()) {
      sorted(world, agents(false)).forEach(d::observe);
      sorted(world, agents(true)).forEach(control::observe);
      // The relays flagged dominate the everyday template; the agents are elevated on their own
      // behaviour, which lets that domination count for them, but their requests
      // into it come a second after the one before: a tool loop. Before 2026-12-06 they took it.
      assertTrue(flagged(d, "relay-") >= 36, "campaign flagged " + flagged(d, "relay-"));
      assertEquals(0, flagged(d, "agent-"));
      assertEquals(0, flagged(d, "person-"));
      // The control: the same requests at a person's pace take it.
      assertTrue(flagged(control, "agent-") >= 5, "paced: " + flagged(control, "agent-"));
    }
  }

  /**
   * A viral text with two slots, pasted twice by each of {@code accounts} people first seen after
   * observation's first day (the second time with another city), over a day and a half, day and
   * night; no ages, no networks, no turns. (The same text pasted again adds no evidence at all.)
   */
  static List<TraceRecord> viral(long seed, int accounts, boolean eliciting) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < accounts; a++) {
      long first = START + DAY + DAY / 4 + r.nextLong(DAY + DAY / 2);
      for (int k = 0; k < 2; k++) {
        long t = first + k * 3L * 3_600_000L;
        String text =
            "Give me a main character energy morning routine for someone who lives in "
                + CITIES[(a + k) % 10]
                + " and works as a "
                + JOBS[(a / 10) % 10]
                + (eliciting
                    ? ". Think step by step and explain your reasoning."
                    : ", keep it fun.");
        out.add(
            new TraceRecord(t, "fan-" + a, -1, "free", null, null, 0, null, text, -1, -1, 0, 0));
      }
    }
    return out;
  }

  @Test
  void withoutAgesAViralTextPastedTwiceIsNotAYoungSweepUnlessItElicits() {
    // A trace without turns (nor ages, nor networks): the people's follow-ups read as first turns.
    List<TraceRecord> people = new ArrayList<>();
    for (TraceRecord p : regulars(5, 150, 4)) {
      people.add(
          new TraceRecord(
              p.ts(), p.account(), -1, "free", null, null, 0, null, p.prompt(), -1, -1, 0, 0));
    }
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      sorted(people, viral(3, 200, false)).forEach(d::observe);
      sorted(people, viral(3, 200, true)).forEach(control::observe);
      // Without ages anyone sporadic first seen after the warm-up is young, and without turns
      // every request is single: until 2026-12-06 this wave was a young sweep and its second
      // pastes flagged its sharers. Now, without ages or turns, harvesting must elicit.
      assertEquals(0, flagged(d, "fan-"));
      assertEquals(0, flagged(d, "person-"));
      // The control: the same wave asking for reasoning is still a young sweep.
      assertTrue(flagged(control, "fan-") >= 100, "eliciting wave: " + flagged(control, "fan-"));
    }
  }

  /** Sets bits {@code from} to {@code to - 1} of the 256-bit set at {@code words[at..]}. */
  static void set(long[] words, int at, int from, int to) {
    for (int b = from; b < to; b++) {
      words[at + (b >>> 6)] |= 1L << b;
    }
  }

  /**
   * A bucket of 40 established accounts sweeping an eliciting template around the clock, 18 of them
   * elevated on their own behaviour (accounts 0-17), and 10 that sent at machine speed (accounts
   * {@code burstyFrom} to {@code burstyFrom + 9}).
   */
  static long[] agedBucket(int burstyFrom) {
    long[] w = new long[LinkStore.WORDS];
    set(w, LinkStore.ACCOUNTS, 0, 40);
    set(w, LinkStore.ESTABLISHED, 0, 40);
    set(w, LinkStore.WATCHED, 0, 18);
    set(w, LinkStore.BURSTY, burstyFrom, burstyFrom + 10);
    set(w, LinkStore.CONTENT + LinkStore.REQUESTS, 0, 100);
    set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 0, 100);
    set(w, LinkStore.CONTENT + LinkStore.CUED, 0, 100);
    w[LinkStore.ACTIVITY] = 0xFFFFFFL | (0b111L << 24); // every hour of the day, on 3 days
    return w;
  }

  @Test
  void theAgedViewCountsOnlyElevatedAccountsThatPaceThemselves() {
    // The elevated include the ten that burst (a reasoning app's relays, elevated on their own
    // machine-like behaviour): 8 paced elevated of 40 is not far above the base rate's share.
    // Before 2026-12-06 all 18 counted, and the aged view called the template a paced campaign.
    assertEquals(
        GroupEvidence.NONE,
        GroupEvidence.judge(
            agedBucket(0), 0, false, 0.05, 0.1, true, true, true, false, -1, Integer.MAX_VALUE));
    // The control: the same bucket whose bursting accounts are not the elevated ones.
    assertEquals(
        GroupEvidence.COORDINATED,
        GroupEvidence.judge(
            agedBucket(20), 0, false, 0.05, 0.1, true, true, true, false, -1, Integer.MAX_VALUE));
    // A request at machine speed takes nothing from the aged view (since 2026-12-06).
    assertEquals(
        GroupEvidence.NONE,
        GroupEvidence.judge(
            agedBucket(20), 0, false, 0.05, 0.1, true, true, false, false, -1, Integer.MAX_VALUE));
  }

  /**
   * An eval harness on three aged accounts: on each of days 0 to 3, three runs of ten benchmark
   * items (in working hours, 2-4 s apart, or with {@code paced} 12-20 minutes apart), of which the
   * fifth and the tenth of each run are in the same chain-of-thought template as a paced campaign
   * on aged accounts ({@link NullModelTest#agedSweep}), as a benchmark's items may be.
   */
  static List<TraceRecord> harness(boolean paced) {
    SplittableRandom r = new SplittableRandom(23);
    List<TraceRecord> out = new ArrayList<>();
    int n = 1_000;
    for (int a = 0; a < 3; a++) {
      for (int day = 0; day < 4; day++) {
        for (int run = 0; run < 3; run++) {
          long t = START + day * DAY + (9 + 3 * run) * 3_600_000L + a * 600_000L;
          for (int k = 0; k < 10; k++, n++) {
            out.add(
                new TraceRecord(
                    t,
                    "harness-" + a,
                    START - 400 * DAY,
                    "enterprise",
                    "203.0.113.0/24",
                    null,
                    0,
                    null,
                    k % 5 == 4 ? TenureTest.sweepPrompt(n) : item(n),
                    1024,
                    0.0,
                    0,
                    400));
            t += paced ? 720_000 + r.nextLong(480_000) : 2_000 + r.nextLong(2_000);
          }
        }
      }
    }
    return out;
  }

  /** A benchmark's {@code n}th multiple-choice item. */
  static String item(int n) {
    return "The following is a multiple choice question about "
        + DetectorTest.SUBJECTS[n % 15]
        + ". Answer with the letter only.\n\nWhich of these is "
        + DetectorTest.EVERYDAY[(n / 15) % 8]
        + "? A. "
        + CITIES[n % 10]
        + " B. "
        + JOBS[(n / 10) % 10];
  }

  @Test
  void aRequestAtMachineSpeedTakesNoEvidenceFromTheAgedView() {
    List<TraceRecord> people = TenureTest.regulars(5, 200, 4);
    List<TraceRecord> campaign = NullModelTest.agedSweep(false);
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      sorted(people, sorted(campaign, harness(false))).forEach(d::observe);
      sorted(people, sorted(campaign, harness(true))).forEach(control::observe);
      // The paced campaign is the aged view's; the harness's items that fall in its template come
      // at machine speed, as the established users of a template send. Before 2026-12-06 they
      // took the aged view's evidence like the campaign's requests: all three accounts were
      // flagged (a fourth generator's eval runners, 5 of 245 over seven worlds, the same way).
      assertTrue(flagged(d, "aged-") >= 30, "campaign flagged " + flagged(d, "aged-"));
      assertEquals(0, flagged(d, "harness-"));
      assertEquals(0, flagged(d, "person-"));
      // The control: the same accounts sending the same items at a person's pace take it.
      assertTrue(flagged(control, "harness-") >= 2, "paced: " + flagged(control, "harness-"));
    }
  }

  @Test
  void aFlaggedAccountMarksOnlyItsCampaignsWork() {
    int words = Detector.GROUP_MIN_WORDS;
    // A request whose only evidence is that flagged accounts already dominate its template does
    // not mark it again (until 2026-12-06 it did: flagged relays kept everyday templates
    // dominated).
    assertFalse(FlagMarks.marks(GroupEvidence.DOMINATED, false, words));
    assertFalse(FlagMarks.marks(GroupEvidence.NONE, false, words));
    assertTrue(FlagMarks.marks(GroupEvidence.DOMINATED, true, words)); // it elicits
    assertTrue(FlagMarks.marks(GroupEvidence.COORDINATED, false, words));
    assertTrue(FlagMarks.marks(GroupEvidence.STRONG, false, words));
    assertFalse(FlagMarks.marks(GroupEvidence.STRONG, true, words - 1)); // too short to link
  }
}
