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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The phrase view ({@link PhraseEvidence}): aged accounts that paraphrase every request, sharing no
 * template, are flagged once a flagged campaign dominates what they ask about, if they elicit
 * reasoning at a person's pace; so is a reseller's key that mixes such requests into its customers'
 * traffic. Each control differs in one thing: the campaign sweeps other topics, the accounts send
 * in bursts, they do not ask for reasoning, or they ask inside a product's shared instructions.
 */
class PhraseEvidenceTest {
  @TempDir Path dir;

  private static final String[] OPENINGS = {
    "hey, quick one.",
    "Morning! Stuck on something at work.",
    "Could I get a hand here?",
    "Side project question:",
    "So my team is debating this.",
    "ok so",
    "Hi there, long time user.",
    "Need some expert eyes on this one.",
    "Weird request maybe.",
    "Picking your brain:"
  };
  private static final String[] ASKS = {
    "I'd love to see how you would %s for %s in %s.",
    "what's a good way to %s for %s (%s)?",
    "in %3$s, how do I %1$s for %2$s?",
    "Trying to %s for %s, language is %s.",
    "my manager wants me to %s for %s using %s."
  };
  private static final String[] CUES = {
    "Explain why at every stage.", "Lay out your reasoning first.",
    "Walk me through it, step by step.", "Don't skip the intermediate steps."
  };
  private static final String[] CLOSINGS = {
    "thx", "ty!", "cheers", "", "Thanks a lot.", "much obliged"
  };

  /** The campaign's own sweep: young accounts, one template, task x language x subject. */
  private static List<TraceRecord> hydra(String[] tasks, String[] languages, String[] subjects) {
    SplittableRandom r = new SplittableRandom(7);
    List<TraceRecord> out = new ArrayList<>();
    int n = 0;
    for (int a = 0; a < 60; a++) {
      long start = START + DAY / 4 + a * (DAY / 40);
      for (long t = start; t < start + DAY; t += 3_300_000 + r.nextLong(300_000), n++) {
        String prompt =
            "You are a world-class expert. Think step by step and show your reasoning.\n\nTask: In "
                + languages[(n / 6) % languages.length]
                + ", "
                + tasks[n % tasks.length]
                + " for "
                + subjects[(n / 42) % subjects.length]
                + ".";
        out.add(
            TenureTest.sweepRequest(
                t, "bot-" + a, start - 2 * DAY, r.nextInt(255) + ".7.0/24", prompt));
      }
    }
    return out;
  }

  /**
   * 20 aged accounts from day 2 to day 4, each request written afresh (its own opening, phrasing,
   * closing) about the campaign's task space, about one every three hours, or in bursts.
   */
  private static List<TraceRecord> paraphrasers(boolean cued, boolean bursts) {
    return paraphrasers(cued, bursts, null);
  }

  private static String paraphrase(SplittableRandom r, boolean cued) {
    String ask =
        String.format(
            ASKS[r.nextInt(ASKS.length)],
            DetectorTest.TASKS[r.nextInt(6)],
            DetectorTest.SUBJECTS[r.nextInt(15)],
            DetectorTest.LANGUAGES[r.nextInt(7)]);
    return OPENINGS[r.nextInt(OPENINGS.length)]
        + " "
        + ask
        + (cued ? " " + CUES[r.nextInt(CUES.length)] : "")
        + " "
        + CLOSINGS[r.nextInt(CLOSINGS.length)];
  }

  /** The same, each request sent with {@code system} (null: none). */
  private static List<TraceRecord> paraphrasers(
      boolean cued, boolean bursts, @Nullable String system) {
    SplittableRandom r = new SplittableRandom(41);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < 20; a++) {
      long t = START + 2 * DAY + r.nextLong(DAY / 4);
      for (int k = 0; k < 16; k++) {
        String prompt = paraphrase(r, cued);
        out.add(
            new TraceRecord(
                t,
                "para-" + a,
                START - 400 * DAY,
                "free",
                r.nextInt(255) + ".9.0/24",
                null,
                0,
                system,
                prompt,
                4096,
                0.7,
                0,
                1500));
        t += bursts && k % 8 != 7 ? 4_000 + r.nextLong(4_000) : 9_000_000 + r.nextLong(3_600_000);
      }
    }
    return out;
  }

  /**
   * Three resellers' keys from day 2 to day 4: their customers' everyday questions every one to
   * five minutes, now and then five within seconds (several customers at once), and one request in
   * twelve a paraphrased, eliciting ask in the campaign's task space.
   */
  private static List<TraceRecord> resellers() {
    return resellers(null);
  }

  /** The same keys, every request sent with {@code system} (null: none). */
  private static List<TraceRecord> resellers(@Nullable String system) {
    SplittableRandom r = new SplittableRandom(47);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < 3; a++) {
      long t = START + 2 * DAY + r.nextLong(DAY / 4);
      for (int k = 0; k < 900; k++) {
        boolean ask = k % 12 == 5;
        String prompt =
            ask
                ? paraphrase(r, true)
                : "Can you help me with "
                    + DetectorTest.EVERYDAY[r.nextInt(DetectorTest.EVERYDAY.length)]
                    + "?";
        out.add(
            new TraceRecord(
                t,
                "resold-" + a,
                START - 200 * DAY,
                "team",
                "198.51.100.0/24",
                null,
                0,
                system,
                prompt,
                ask ? 16384 : 0,
                -1,
                0,
                ask ? 3000 : 300));
        t += k % 40 < 4 ? 1_000 + r.nextLong(2_000) : 60_000 + r.nextLong(240_000);
      }
    }
    return out;
  }

  /**
   * 20 aged users of an agent product from day 2 to day 4, where the trace shows no system prompt
   * (a log without that field): each types a task in the campaign's own task space, with a
   * reasoning ask, about every three hours, and the product's tool loop sends five to eight tool
   * results within seconds of it.
   */
  private static List<TraceRecord> agentUsers() {
    SplittableRandom r = new SplittableRandom(53);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < 20; a++) {
      long t = START + 2 * DAY + r.nextLong(DAY / 4);
      for (int k = 0; k < 16; k++) {
        out.add(agentRequest(t, a, paraphrase(r, true)));
        int tools = 5 + r.nextInt(4);
        for (int j = 0; j < tools; j++) {
          t += 300 + r.nextLong(1_500);
          out.add(
              agentRequest(
                  t,
                  a,
                  "<tool_result tool=\"query_db\" step=\""
                      + (j + 1)
                      + "\" status=\"ok\">{\"rows\": "
                      + r.nextInt(100_000)
                      + "}</tool_result>"));
        }
        t += 9_000_000 + r.nextLong(3_600_000);
      }
    }
    return out;
  }

  private static TraceRecord agentRequest(long t, int a, String prompt) {
    return new TraceRecord(
        t, "agent-" + a, START - 300 * DAY, "free", null, null, 0, null, prompt, -1, -1, 0, 900);
  }

  private static List<TraceRecord> software() {
    return hydra(DetectorTest.TASKS, DetectorTest.LANGUAGES, DetectorTest.SUBJECTS);
  }

  /**
   * 10 aged developers for a week, a request every one to two hours: mostly their own questions,
   * and every thirtieth one, with "step by step", in the campaign's own words for its tasks.
   */
  private static List<TraceRecord> occasional() {
    return asking(30);
  }

  /** The same developers, asking in the campaign's words once in {@code every} requests. */
  private static List<TraceRecord> asking(int every) {
    SplittableRandom r = new SplittableRandom(43);
    List<TraceRecord> out = new ArrayList<>();
    for (int a = 0; a < 10; a++) {
      long t = START + 2 * DAY + r.nextLong(DAY / 4);
      for (int k = 0; k < 120; k++) {
        String prompt =
            k % every == 7
                ? "In "
                    + DetectorTest.LANGUAGES[r.nextInt(7)]
                    + ", how would you "
                    + DetectorTest.TASKS[r.nextInt(6)]
                    + " for "
                    + DetectorTest.SUBJECTS[r.nextInt(15)]
                    + "? Walk me through it, step by step."
                : "Can you help me with "
                    + DetectorTest.EVERYDAY[r.nextInt(DetectorTest.EVERYDAY.length)]
                    + " this week, for my family?";
        out.add(
            new TraceRecord(
                t,
                "dev-" + a,
                START - 400 * DAY,
                "free",
                "203.0.113.0/24",
                null,
                0,
                null,
                prompt,
                4096,
                0.7,
                0,
                800));
        t += 3_600_000 + r.nextLong(3_600_000);
      }
    }
    return out;
  }

  private static long run(List<TraceRecord> campaign, List<TraceRecord> others, String prefix) {
    List<TraceRecord> all = TenureTest.sorted(TenureTest.regulars(5, 200, 5), campaign);
    all.addAll(others);
    all.sort(Comparator.comparingLong(TraceRecord::ts));
    try (Detector d = Detector.builder().build()) {
      all.forEach(d::observe);
      assertEquals(60, TenureTest.flagged(d, "bot-"), "the campaign's own accounts");
      assertEquals(0, TenureTest.flagged(d, "person-"));
      // Every flag of these accounts is this view's: they share no template with the campaign.
      d.verdicts()
          .filter(v -> v.flagged() && v.account().startsWith(prefix))
          .forEach(
              v ->
                  assertTrue(
                      v.reasons().get(0).startsWith("linked by what it asks: "),
                      v.account() + ": " + v.reasons()));
      return TenureTest.flagged(d, prefix);
    }
  }

  @Test
  void paraphrasingAccountsAskingWhatAFlaggedCampaignAsksAreFlagged() {
    long caught = run(software(), paraphrasers(true, false), "para-");
    assertTrue(caught >= 15, "flagged " + caught + " of 20");
  }

  @Test
  void aRestartInTheMiddleKeepsTheEvidenceGathered() throws Exception {
    List<TraceRecord> all = TenureTest.sorted(TenureTest.regulars(5, 200, 5), software());
    all.addAll(paraphrasers(true, false));
    all.sort(Comparator.comparingLong(TraceRecord::ts));
    // A day into the paraphrasers' work (about eight requests each, the first four of which
    // cannot count): some hold one or two linked requests, not yet a flag.
    long cut = START + 3 * DAY;
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      int i = 0;
      for (; all.get(i).ts() < cut; i++) {
        a.observe(all.get(i));
      }
      a.snapshot(file);
      b.restore(file);
      for (; i < all.size(); i++) {
        TraceRecord r = all.get(i);
        assertEquals(
            DetectorStateTest.same(a.observe(r)),
            DetectorStateTest.same(b.observe(r)),
            r.account() + " at " + r.ts());
      }
      assertTrue(TenureTest.flagged(b, "para-") >= 15, "flagged " + TenureTest.flagged(b, "para-"));
    }
  }

  @Test
  void developersAskingAboutTheCampaignsTopicsNowAndThenAreNotFlagged() {
    // Four such requests each, 3 of the 61 from the first of them on (4.9%), 4 of 91: not
    // working for it.
    // Without the share, all ten were flagged.
    assertEquals(0, run(software(), occasional(), "dev-"));
  }

  @Test
  void developersAskingAboutTheCampaignsTopicsOftenButMostlyAskingTheirOwnAreNotFlagged() {
    // One request in ten, 10% of their requests from the first on: the share alone would flag all
    // ten. Nine in ten of what they send elicit nothing (a recent eliciting share near 0.1).
    assertEquals(0, run(software(), asking(10), "dev-"));
  }

  @Test
  void theSameAccountsAreNotFlaggedWhenTheCampaignAsksAboutOtherThings() {
    String[] tasks = {
      "plan a menu",
      "write a toast",
      "draft a letter",
      "outline a talk",
      "design a garden",
      "compose a poem"
    };
    String[] languages = {"French", "Spanish", "German", "Italian", "Dutch", "Polish", "Greek"};
    String[] subjects = {
      "a wedding", "a retirement party", "a school reunion", "a book club", "a harvest festival"
    };
    assertEquals(0, run(hydra(tasks, languages, subjects), paraphrasers(true, false), "para-"));
  }

  @Test
  void aResellersKeysCarryingTheCampaignsAsksAmongTheirCustomersAreFlagged() {
    // One key, many people: they burst, and the linked asks are a twelfth of their traffic at
    // most. Before this rule an account that ever burst was never linked: none was flagged.
    assertEquals(3, run(software(), resellers(), "resold-"));
  }

  @Test
  void aSmallProductsBackendKeysAreNotFlagged() {
    // The same three keys, each sending its product's instructions with every request: fewer than
    // eight accounts share them, so they are no product's by the bucket, but a key that bursts and
    // always sends a system prompt is a backend. Without PhraseEvidence.instructed all three were
    // flagged.
    String backend = "You are Dispatch, the assistant inside a logistics app. Answer step by step.";
    assertEquals(0, run(software(), resellers(backend), "resold-"));
  }

  @Test
  void anAgentProductsUsersAskingInsideItsSharedInstructionsAreNotFlagged() {
    // The same accounts, asking the same things, each request inside one product's system prompt
    // (shared by all twenty, none flagged). Without PhraseEvidence.product all were flagged.
    String product =
        "You are Relay, an autonomous assistant. Think step by step, call tools when needed and"
            + " report what you did.";
    assertEquals(0, run(software(), paraphrasers(true, false, product), "para-"));
  }

  @Test
  void anAgentProductsUsersWhoseTasksOpenToolLoopsAreNotFlaggedWhereNoSystemPromptIsSeen() {
    // Their keys burst (the tool loops), so six linked tasks at 1% of their requests would flag
    // them as resellers: each task is followed within seconds by its tool results, so its link is
    // taken back (PhraseEvidence.settle). Without that, all twenty were flagged.
    assertEquals(0, run(software(), agentUsers(), "agent-"));
  }

  /**
   * {@link PhraseEvidence#settle} step by step, on a key that has burst and sends no system prompt:
   * a link is kept at the first request that comes 10 s or more after the one before, taken back by
   * two that each come sooner, and never touched on a key that sends system prompts; weak links and
   * the strong count below the flag bits are left alone.
   */
  @Test
  void aLinkOnAKeyThatBurstsIsTakenBackByATwoRequestToolLoopOnly() {
    // Each case: the strong links left, and the gaps after the linked request.
    assertEquals(1, settled(false, 10_000));
    assertEquals(1, settled(false, 9_999, 10_000));
    assertEquals(0, settled(false, 9_999, 9_999));
    assertEquals(0, settled(false, 500, 500, 500));
    assertEquals(1, settled(true, 9_999, 9_999), "a key that sends system prompts");
  }

  /** Strong links left after one link, then requests after {@code gaps}, on a bursting key. */
  private static int settled(boolean system, long... gaps) {
    AccountState s = new AccountState("key");
    long t = START;
    for (int i = 0; i < 5; i++, t += 1_000) {
      s.activity.record(t, -1, null); // five within two minutes: a burst
      s.rate(Features.SYSTEM, system ? 1 : 0);
    }
    s.phraseHits = 3 << 16; // three weak links, untouched throughout
    PhraseEvidence.count(s, 6, t, 0, 0);
    s.activity.record(t, -1, null);
    for (long gap : gaps) {
      t += gap;
      PhraseEvidence.settle(s, t);
      s.activity.record(t, -1, null);
    }
    assertEquals(3, PhraseEvidence.weak(s));
    return PhraseEvidence.strong(s);
  }

  @Test
  void theSameAccountsInMachineSpeedBurstsAreAHarnessNotFlagged() {
    // Only the first request of each burst is at a person's pace: two each, not six.
    assertEquals(0, run(software(), paraphrasers(true, true), "para-"));
  }

  @Test
  void theSameQuestionsWithoutAReasoningAskAreDevelopersNotFlagged() {
    assertEquals(0, run(software(), paraphrasers(false, false), "para-"));
  }

  /**
   * An account of 20 requests an hour apart, {@code eliciting} of every five asking for reasoning.
   */
  private static AccountState account(int eliciting, int hits) {
    AccountState s = new AccountState("a");
    for (int i = 0; i < 20; i++) {
      s.activity.record(i * 3_600_000L, -1, null);
      s.rate(Features.COT, i % 5 < eliciting ? 1 : 0);
    }
    s.phraseHits = hits;
    s.phraseFrom = 11; // 10 requests from the first linked one on
    return s;
  }

  @Test
  void twoLinkedRequestsFlagOnlyAnAccountThatMostlyElicits() {
    assertTrue(PhraseEvidence.flags(account(3, 2), 20), "60% eliciting, two links");
    assertFalse(PhraseEvidence.flags(account(2, 2), 20), "40% eliciting, two links");
    assertTrue(PhraseEvidence.flags(account(2, 3), 20), "40% eliciting, three links");
    assertFalse(PhraseEvidence.flags(account(0, 3), 20), "nothing eliciting: a developer's own");
    assertTrue(PhraseEvidence.watches(account(0, 2), 20), "two links watch whatever it asks");
  }

  /**
   * Links flag only an account whose requests about the flagged phrases are a quarter or more of
   * them links: a product pasting what a flagged customer pastes sends them for a summary or a
   * translation, at machine speed, and now and then its ask elicits (generator4's enterprise apps:
   * 7 links of several thousand requests, 9 of 195 flagged on its seeds 105 to 119 before this).
   */
  @Test
  void linksFlagOnlyWhereTheyAreAQuarterOfItsRequestsAboutThePhrases() {
    AccountState s = account(3, 0); // 60% eliciting: two links would flag it
    PhraseEvidence.count(s, 11, 0, 0, 0);
    PhraseEvidence.count(s, 12, 0, 0, 0);
    assertTrue(PhraseEvidence.flags(s, 20), "two links of two requests about the phrases");
    for (int k = 0; k < 6; k++) {
      PhraseEvidence.count(s, 13 + k, 0, 0, PhraseEvidence.NOT_LINKED); // about them, no ask
    }
    assertEquals(8, s.phraseTopical);
    assertTrue(PhraseEvidence.flags(s, 20), "two of eight: a quarter");
    PhraseEvidence.count(s, 19, 0, -2, PhraseEvidence.NOT_LINKED);
    assertFalse(PhraseEvidence.flags(s, 20), "two of nine");
    assertTrue(PhraseEvidence.watches(s, 20), "still watched");
    PhraseEvidence.count(s, 20, 0, PhraseEvidence.NOT_LINKED, PhraseEvidence.NOT_LINKED);
    assertEquals(9, s.phraseTopical, "a request about other things is not counted");
  }

  /** Phrase buckets, one per entry: {accounts, flagged} bits set in each (estimates near them). */
  private static long[] buckets(int[]... sets) {
    long[] bits = new long[sets.length * LinkStore.WORDS];
    for (int b = 0; b < sets.length; b++) {
      for (int i = 0; i < sets[b][0]; i++) {
        bits[b * LinkStore.WORDS + LinkStore.ACCOUNTS + i / 64] |= 1L << i;
      }
      for (int i = 0; i < sets[b][1]; i++) {
        bits[b * LinkStore.WORDS + LinkStore.FLAGGED + i / 64] |= 1L << i;
      }
    }
    return bits;
  }

  @Test
  void aRequestIsLinkedByOneDominatedPhraseOrTwoAThirdFlagged() {
    int[] none = {40, 0};
    int[] third = {40, 18}; // about 19 of 43 accounts flagged: over a third, under half
    int[] quarter = {40, 11}; // about 11 of 43
    int[] tenth = {40, 4};
    int[] half = {40, 30};
    assertEquals(-1, PhraseEvidence.linked(buckets(none, third, none), 0, 3), "one at a third");
    assertEquals(1, PhraseEvidence.linked(buckets(none, third, tenth, third), 0, 4), "two");
    assertEquals(2, PhraseEvidence.linked(buckets(none, third, half), 0, 3), "one dominated");
    assertEquals(1, PhraseEvidence.linked(buckets(none, none, third, third), 1, 3), "from 1");
    assertEquals(
        -1,
        PhraseEvidence.linked(buckets(third, new int[] {6, 3}), 0, 2),
        "a second with too few accounts");
    assertEquals(
        -1,
        PhraseEvidence.linked(buckets(third, new int[] {12, 4}), 0, 2),
        "a second with a third flagged, but fewer than five");
    assertEquals(-1, PhraseEvidence.linked(buckets(third, tenth), 0, 2), "a second at a tenth");
    assertEquals(-2, PhraseEvidence.linked(buckets(quarter, quarter), 0, 2), "two at a quarter");
    assertEquals(-3, PhraseEvidence.linked(buckets(none, quarter, quarter), 0, 3), "weak, by 1");
    assertEquals(1, PhraseEvidence.phrase(-3), "the phrase a weak link names");
    assertEquals(-1, PhraseEvidence.linked(buckets(quarter, tenth), 0, 2), "a quarter, a tenth");
  }

  @Test
  void weakLinksSurviveASnapshotOfVersionSixAndAreDroppedFromVersionFive() throws Exception {
    AccountState s = account(2, 2);
    for (int k = 0; k < 3; k++) {
      PhraseEvidence.count(s, 12 + k, 0, -2, -2);
    }
    s.converse(true);
    s.startSlot = 77;
    s.countedSkeleton = 0x5EED5EEDL;
    s.templateRequests = 9;
    s.templateCounted = 4;
    s.phraseTopical = 21;
    s.laterTurn(1); // turns counted from 1
    for (int version : new int[] {9, 8, 7, 6, 5}) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      s.write(new java.io.DataOutputStream(bytes), version);
      AccountState back = new AccountState("a");
      back.read(
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())),
          version);
      assertEquals(2, PhraseEvidence.strong(back), "strong links, version " + version);
      assertEquals(version >= 6 ? 3 : 0, PhraseEvidence.weak(back), "weak, version " + version);
      // Version 7: the account's start network (Cohorts) and its conversing share.
      assertEquals(version >= 7 ? 77 : -1, back.startSlot, "start slot, version " + version);
      assertEquals(version >= 7 ? 1f : 0f, back.conversing, "conversing, version " + version);
      // Version 8: the skeleton of its last request that counted as group evidence.
      assertEquals(
          version >= 8 ? 0x5EED5EEDL : 0L, back.countedSkeleton, "skeleton, version " + version);
      // Version 9: its requests into coordinated templates and about flagged phrases, counted.
      assertEquals(version >= 9 ? 9 : 0, back.templateRequests, "templates, version " + version);
      assertEquals(version >= 9 ? 4 : 0, back.templateCounted, "counted, version " + version);
      assertEquals(version >= 9 ? 21 : 0, back.phraseTopical, "topical, version " + version);
      assertEquals(version >= 9 ? 1 : 0, back.lowestTurn, "lowest turn, version " + version);
    }
  }

  @Test
  void theReasonNeverCountsMoreLinksThanRequests() {
    long[] bits = new long[LinkStore.WORDS];
    AccountState strongOnly = new AccountState("a");
    PhraseEvidence.count(strongOnly, 30, 0, 0, 0);
    PhraseEvidence.count(strongOnly, 31, 0, 0, 0);
    assertTrue(
        PhraseEvidence.describe(bits, 0, strongOnly, 40)
            .startsWith("linked by what it asks: 2 of its 11 requests from the first such one on"),
        PhraseEvidence.describe(bits, 0, strongOnly, 40));
    // Weak links before the first strong one: the share is of all the account's requests (as the
    // weak rule takes it), not of those from the strong link on ("5 of its 6" read before).
    AccountState weakFirst = new AccountState("b");
    for (int k = 0; k < 4; k++) {
      PhraseEvidence.count(weakFirst, 11 + k, 0, -2, -2);
    }
    PhraseEvidence.count(weakFirst, 40, 0, 0, 0);
    String why = PhraseEvidence.describe(bits, 0, weakFirst, 45);
    assertTrue(
        why.startsWith("linked by what it asks: 5 of its 45 requests elicited")
            && why.contains("(4 of them: two a fifth flagged)"),
        why);
  }

  @Test
  void fiveLinksWeakOnesWithThemFlagAnAccountThatElicitsAndHasNotBurst() {
    AccountState s = account(2, 0); // 40% eliciting
    for (int k = 0; k < 4; k++) {
      PhraseEvidence.count(s, 11 + k, 0, -2, -2); // weak links
    }
    assertEquals(4, PhraseEvidence.weak(s));
    assertEquals(0, PhraseEvidence.strong(s));
    assertFalse(PhraseEvidence.flags(s, 20), "four weak links");
    assertFalse(PhraseEvidence.watches(s, 20), "weak links never watch");
    PhraseEvidence.count(s, 15, 0, -5, -5);
    assertTrue(PhraseEvidence.flags(s, 20), "five weak links");
    PhraseEvidence.count(s, 16, 0, PhraseEvidence.NOT_LINKED, PhraseEvidence.NOT_LINKED);
    assertEquals(5, PhraseEvidence.weak(s), "an unlinked request counts nothing");

    AccountState mixed = account(2, 2); // two strong links
    for (int k = 0; k < 3; k++) {
      PhraseEvidence.count(mixed, 12 + k, 0, -2, -2);
    }
    assertTrue(PhraseEvidence.flags(mixed, 20), "two strong and three weak");
    assertFalse(PhraseEvidence.flags(account(0, 0), 20), "nothing");

    AccountState quiet = account(0, 0); // nothing eliciting: a developer's own words
    for (int k = 0; k < 5; k++) {
      PhraseEvidence.count(quiet, 11 + k, 0, -2, -2);
    }
    assertFalse(PhraseEvidence.flags(quiet, 20), "five weak links, nothing eliciting");

    AccountState key = account(2, 0); // one key, many users
    for (int i = 0; i < 5; i++) {
      key.activity.record(30 * 3_600_000L + i * 1_000L, -1, null);
    }
    for (int k = 0; k < 8; k++) {
      PhraseEvidence.count(key, 11 + k, 0, -2, -2);
    }
    assertTrue(key.activity.bursts() > 0);
    assertFalse(PhraseEvidence.flags(key, 25), "weak links do not flag a key that has burst");
  }

  @Test
  void weakLinksDoNotFlagAnAccountThatHoldsConversations() {
    AccountState chat = account(2, 0); // 40% eliciting
    for (int k = 0; k < 5; k++) {
      PhraseEvidence.count(chat, 11 + k, 0, -2, -2);
    }
    assertTrue(PhraseEvidence.flags(chat, 20), "five weak links, no conversation");
    // A person's chat: "why?", "in Dutch please" between the questions (the usage generator's
    // seed 17 with partial metadata, one casual user with four weak links and one strong).
    for (int i = 0; i < 20; i++) {
      chat.converse(i % 2 == 0);
    }
    assertTrue(chat.conversing > PhraseEvidence.CONVERSING_MAX, "conversing " + chat.conversing);
    assertFalse(PhraseEvidence.flags(chat, 20), "five weak links from a conversation");
    AccountState strong = account(2, 3); // three strong links: the strong rule is unchanged
    for (int i = 0; i < 20; i++) {
      strong.converse(i % 2 == 0);
    }
    assertTrue(PhraseEvidence.flags(strong, 20), "three strong links");
  }
}
