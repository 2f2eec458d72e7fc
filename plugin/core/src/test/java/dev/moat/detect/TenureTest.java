package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic that gives no account ages: an account's tenure in the deployment (first seen at least a
 * day after observation began) stands in for its age, and an age given on any of an account's lines
 * counts for all of them. Each test has a control that differs only in the view that decides.
 */
class TenureTest {
  @TempDir Path dir;

  /**
   * A topic sweep's {@code n}th request: each a task not asked before (task x language x subject).
   */
  static String sweepPrompt(int n) {
    return "You are a world-class expert. Think step by step and show your reasoning.\n\nTask: In "
        + DetectorTest.LANGUAGES[(n / 6) % 7]
        + ", "
        + DetectorTest.TASKS[n % 6]
        + " for "
        + DetectorTest.SUBJECTS[(n / 42) % 15]
        + ".";
  }

  /** A sweep's request as a harvest sends it: first turn, 8,192 tokens asked, temperature 0. */
  static TraceRecord sweepRequest(
      long t, String account, long created, String client, String prompt) {
    return new TraceRecord(
        t, account, created, "free", client, null, 0, null, prompt, 8192, 0.0, 0, 6000);
  }

  /**
   * Short-lived accounts (a day each, one request an hour around the clock, from rotating networks)
   * sweeping one templated task list, each account starting at a time spread over [from, to).
   * {@code created} is the creation time relative to each account's start, or -1 for none given.
   */
  static List<TraceRecord> campaign(long seed, int accounts, long from, long to, long created) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < accounts; a++) {
      long start = from + (to - from) * a / accounts;
      for (long t = start; t < start + DAY; t += 3_300_000 + r.nextLong(300_000)) {
        String prompt = sweepPrompt(n++);
        out.add(
            sweepRequest(
                t,
                "bot-" + a,
                created < 0 ? -1 : start - created,
                r.nextInt(255) + "." + r.nextInt(255) + ".7.0/24",
                prompt));
      }
    }
    return out;
  }

  /** People from the first hours of observation on, for {@code days}, no ages given. */
  static List<TraceRecord> regulars(long seed, int people, int days) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < people; a++) {
      int turn = 0;
      for (long t = START + r.nextLong(DAY / 4);
          t < START + days * DAY;
          t += (long) (r.nextDouble(0.5, 6) * 3_600_000)) {
        out.add(chat(r, t, "person-" + a, turn++ % 4));
      }
    }
    return out;
  }

  /** A person's everyday question, no age given, from one shared network. */
  static TraceRecord chat(SplittableRandom r, long t, String account, int turn) {
    String prompt =
        "Can you help me with "
            + DetectorTest.EVERYDAY[r.nextInt(DetectorTest.EVERYDAY.length)]
            + "?";
    return new TraceRecord(
        t,
        account,
        -1,
        "free",
        "198.51.100.0/24",
        account + "-c",
        turn,
        null,
        prompt,
        512,
        0.8,
        0,
        300);
  }

  static List<TraceRecord> sorted(List<TraceRecord> a, List<TraceRecord> b) {
    List<TraceRecord> out = new ArrayList<>(a);
    out.addAll(b);
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  /**
   * 40 accounts ({@code bot-0} ...) with no ages or networks, each starting within {@code offset}
   * of observation's start and sending for {@code length} about 26 requests a day, day and night;
   * {@code prompt} gives an account's {@code k}th prompt, the campaign's {@code n}th.
   */
  static List<TraceRecord> aroundTheClock(
      long seed, long offset, long length, BiFunction<Integer, Integer, String> prompt) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> bots = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 40; a++) {
      long first = START + r.nextLong(offset);
      int k = 0;
      for (long t = first; t < first + length; n++, k++) {
        bots.add(
            new TraceRecord(
                t, "bot-" + a, -1, "free", null, null, 0, null, prompt.apply(k, n), -1, -1, 0, 0));
        t += 3_000_000 + r.nextLong(600_000);
      }
    }
    return bots;
  }

  /**
   * Every flagged {@code bot-} account of {@code d} gives a reason that starts with {@code why}.
   */
  static void everyFlagSays(Detector d, String why) {
    d.verdicts()
        .filter(v -> v.flagged() && v.account().startsWith("bot-"))
        .forEach(
            v ->
                assertTrue(
                    v.reasons().stream().anyMatch(x -> x.startsWith(why)),
                    v.account() + ": " + v.reasons()));
  }

  static long firstFlag(Detector d, String prefix) {
    return d.verdicts()
        .filter(v -> v.flagged() && v.account().startsWith(prefix))
        .mapToLong(Verdict::flaggedAt)
        .min()
        .orElse(Long.MAX_VALUE);
  }

  static long flagged(Detector d, String prefix) {
    return d.verdicts().filter(v -> v.flagged() && v.account().startsWith(prefix)).count();
  }

  @Test
  void withoutAgesAccountsNewToTheDeploymentCountAsYoung() {
    List<TraceRecord> people = regulars(5, 150, 4);
    // The same campaign, once arriving after the first day of observation, once inside it.
    List<TraceRecord> late =
        sorted(people, campaign(7, 60, START + DAY + DAY / 4, START + 3 * DAY, -1));
    List<TraceRecord> early = sorted(people, campaign(7, 60, START, START + DAY / 2, -1));
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      late.forEach(d::observe);
      early.forEach(control::observe);
      long caught = flagged(d, "bot-");
      assertTrue(caught >= 50, "late campaign flagged " + caught + " of 60");
      assertEquals(0, flagged(d, "person-"));
      // Accounts first seen in the first day predate observation: their age is unknown, so they
      // are not young, and nothing else makes the group young. Since 2026-12-03 the aged view
      // catches them instead (elevated on their own behaviour, paced: an hour apart), and still no
      // person; before it, none of the 60 was flagged.
      assertTrue(flagged(control, "bot-") >= 50, "early campaign: " + flagged(control, "bot-"));
      assertEquals(0, flagged(control, "person-"));
      assertTrue(
          control
              .verdicts()
              .filter(v -> v.flagged() && v.account().startsWith("bot-"))
              .allMatch(
                  v ->
                      v.reasons().get(0).startsWith("linked by what it asks:")
                          || v.reasons().stream().anyMatch(x -> x.contains("(0% young against"))),
          "not flagged as young");
    }
  }

  /**
   * A campaign that sends in bursts (five requests ten seconds apart, every five hours around the
   * clock, until the end of day {@code days}: not paced like people, so the aged view does not see
   * it), its first {@code early} accounts starting in the first day of observation and the rest
   * after it (over {@code days - 2} days, at least half a day). {@code eliciting}: its sweep asks
   * for reasoning, or the same tasks plainly.
   */
  static List<TraceRecord> burstingCampaign(
      long seed, int accounts, int early, boolean eliciting, int days) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < accounts; a++) {
      long start =
          a < early
              ? START + DAY / 4 + a * (DAY / 2) / early
              : START
                  + DAY
                  + DAY / 4
                  + (a - early) * Math.max(DAY / 2, (days - 2) * DAY) / (accounts - early);
      for (long t = start; t < START + days * DAY; t += 5 * 3_600_000L + r.nextLong(600_000)) {
        for (int b = 0; b < 5; b++, n++) {
          String task =
              DetectorTest.LANGUAGES[(n / 6) % 7]
                  + ", "
                  + DetectorTest.TASKS[n % 6]
                  + " for "
                  + DetectorTest.SUBJECTS[(n / 42) % 15];
          String prompt =
              eliciting
                  ? "You are a world-class expert. Think step by step and show your reasoning."
                      + "\n\nTask: In "
                      + task
                      + "."
                  : "Quick one. Task: In " + task + ", please.";
          String client = r.nextInt(255) + "." + r.nextInt(255) + ".7.0/24";
          out.add(sweepRequest(t + b * 10_000L, "bot-" + a, -1, client, prompt));
        }
      }
    }
    return out;
  }

  /**
   * Without ages, "established" is "first seen in the first day of observation", which a campaign
   * already running then is too: a template that elicits reasoning and has been used on three days
   * or more may have up to half of its accounts so counted and still be young (the usage
   * generator's seed 16 without metadata: hydra flagged 710 of 1,355 with a quarter, 932 with
   * this). The controls keep the quarter: the same sweep asked plainly (with a half for every
   * template, 51 of 568 viral sharers of `usage` seed 1 without metadata were flagged), and the
   * eliciting sweep over two days only, as a viral wave's (the third generator's seed 30 without
   * metadata: 396 sharers of a "step by step" text used on two days were watched without the days).
   */
  @Test
  void withoutAgesAnElicitingTemplateInUseForDaysIsYoungWithUpToHalfFirstSeenEarly() {
    List<TraceRecord> people = regulars(5, 150, 4);
    List<TraceRecord> eliciting = sorted(people, burstingCampaign(9, 60, 24, true, 4));
    List<TraceRecord> plain = sorted(people, burstingCampaign(9, 60, 24, false, 4));
    List<TraceRecord> brief = sorted(people, burstingCampaign(9, 60, 24, true, 2));
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build();
        Detector briefControl = Detector.builder().build()) {
      eliciting.forEach(d::observe);
      plain.forEach(control::observe);
      brief.forEach(briefControl::observe);
      assertTrue(flagged(d, "bot-") >= 50, "eliciting campaign flagged " + flagged(d, "bot-"));
      assertEquals(0, flagged(d, "person-"));
      assertEquals(0, flagged(control, "bot-"), "plain sweep, 40% of it first seen early");
      assertEquals(0, flagged(control, "person-"));
      assertEquals(0, flagged(briefControl, "bot-"), "eliciting, but in use on two days only");
    }
  }

  /**
   * A campaign running since before observation began, in a trace of {@code ts}, {@code account}
   * and {@code prompt} only (no ages, no networks), under a model that misreads it: it scores
   * traffic around the clock lowest, as the bundled model scored every hydra account of the third
   * generator's seed 2 without metadata 0.0. Its accounts are elevated by their missing nights
   * ({@link Activity#sleepless}), so the aged view still flags them; without that, none of the 40
   * (2026-12-05). The people send from waking hours and are never elevated by that.
   */
  @Test
  void accountsWithoutANightAreElevatedWhateverTheModelSays() {
    List<TraceRecord> people = regulars(5, 150, 5);
    // Two requests in five elicit (a sweep); the rest are small talk, so that the eliciting share
    // (OwnReasons.elevates) stays below a half and the night alone elevates them.
    List<TraceRecord> bots =
        aroundTheClock(
            11,
            DAY / 4,
            5 * DAY - DAY / 4,
            (k, n) ->
                k % 5 < 3
                    ? "Can you help me with " + DetectorTest.EVERYDAY[k % 8] + "?"
                    : sweepPrompt(n));
    VerdictModel misreads =
        TestModels.of(x -> 0.05 + 0.9 * Math.max(0, 1 - x[Features.HOUR_ENTROPY]), 0.59f);
    try (Detector d = Detector.builder().model(misreads).build()) {
      sorted(people, bots).forEach(d::observe);
      assertTrue(flagged(d, "bot-") >= 36, "flagged " + flagged(d, "bot-") + " of 40");
      assertEquals(0, flagged(d, "person-"));
      everyFlagSays(d, "no night: "); // the account's own missing night
    }
  }

  @Test
  void accountsThatMostlyElicitAreElevatedBeforeTheyCouldMissANight() {
    // A campaign's first day, on accounts seen since observation began (established by tenure),
    // no metadata, under a model that scores eliciting traffic lowest: neither youth, the model
    // nor the night test (a day at least) elevates them; what they ask, from the 8th request, does.
    List<TraceRecord> people = regulars(5, 150, 2);
    List<TraceRecord> bots = aroundTheClock(13, DAY / 8, DAY - 3_600_000, (k, n) -> sweepPrompt(n));
    VerdictModel misreads = TestModels.of(x -> 0.05 + 0.9 * (1 - x[Features.COT]), 0.59f);
    try (Detector d = Detector.builder().model(misreads).build()) {
      sorted(people, bots).forEach(d::observe);
      long caught = flagged(d, "bot-");
      assertTrue(caught >= 36, "flagged within their first day: " + caught + " of 40");
      assertEquals(0, flagged(d, "person-"));
      everyFlagSays(d, "mostly elicits: ");
    }
  }

  @Test
  void anAgeGivenOnAnyLineCountsForTheAccountsOtherLines() {
    List<TraceRecord> people = regulars(5, 150, 4);
    // Aged accounts (400 days), new to the deployment. Each says its age once, on a line of small
    // talk just after its first campaign request; its campaign lines give no age.
    List<TraceRecord> sweep = campaign(7, 60, START + DAY + DAY / 4, START + 3 * DAY, -1);
    List<TraceRecord> aged = new ArrayList<>(sweep);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (TraceRecord r : sweep) {
      if (seen.add(r.account())) {
        aged.add(
            new TraceRecord(
                r.ts() + 60_000,
                r.account(),
                r.ts() - 400 * DAY,
                "free",
                r.client(),
                null,
                0,
                null,
                "Can you help me with " + DetectorTest.EVERYDAY[seen.size() % 8] + "?",
                512,
                0.8,
                0,
                300));
      }
    }
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      sorted(people, aged).forEach(d::observe);
      sorted(people, sweep).forEach(control::observe);
      // Not young: flagged, if at all, by the aged view, whose accounts must first be elevated on
      // their own behaviour (most of their requests eliciting, from the eighth: OwnReasons), later
      // than youth flags the same campaign where no line gives an age.
      long first = firstFlag(d, "bot-");
      long youngFirst = firstFlag(control, "bot-");
      assertTrue(first > youngFirst + 3_600_000, first + " against " + youngFirst);
      long caught = flagged(control, "bot-");
      assertTrue(caught >= 50, "with no age on any line, tenure decides: " + caught + " of 60");
    }
  }

  @Test
  void aRestoredDetectorKeepsTheStartOfObservation() throws Exception {
    List<TraceRecord> trace =
        sorted(regulars(5, 150, 4), campaign(7, 60, START + DAY + DAY / 4, START + 3 * DAY, -1));
    int half = trace.size() / 2;
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      trace.subList(0, half).forEach(a::observe);
      a.snapshot(file);
      b.restore(file);
      for (TraceRecord r : trace.subList(half, trace.size())) {
        assertEquals(
            DetectorStateTest.same(a.observe(r)),
            DetectorStateTest.same(b.observe(r)),
            r.account() + " at " + r.ts());
      }
      assertTrue(flagged(b, "bot-") >= 50, "flagged after the restart: " + flagged(b, "bot-"));
    }
  }

  @Test
  void aRestoredDetectorKeepsTheBaseRateOfYouth() throws Exception {
    List<TraceRecord> trace = sorted(regulars(5, 40, 4), NullModelTest.newcomers(6, 60));
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      trace.forEach(a::observe);
      double rate = a.tenure.youngRate(0);
      // 60 of the 100 accounts were first seen after the first day.
      assertEquals(0.6, rate, 1e-9);
      a.snapshot(file);
      b.restore(file);
      assertEquals(rate, b.tenure.youngRate(0), 1e-9);
    }
  }
}
