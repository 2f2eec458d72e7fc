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
    return resellers(converse, stepped, followUp, false);
  }

  /** Customers' system prompts: each brings its own tool's, or none. */
  static final String[] CUSTOMER_SYSTEMS = {
    "You are a helpful assistant.",
    "You are a coding assistant. Answer with code first.",
    "You are Aria, a friendly companion. Keep replies warm and short.",
    "Reply in the user's language.",
    "You write marketing copy for small shops."
  };

  /**
   * {@link #resellers(boolean, boolean, boolean)}, where with {@code ownSettings} each customer's
   * request carries its own tool's settings: one of five system prompts or none, {@code max_tokens}
   * unset or 1,024 to 8,192, temperature unset, 0, 0.7 or 1 (without, every customer's request is
   * sent alike: no system prompt, no {@code max_tokens}, no temperature).
   */
  static List<TraceRecord> resellers(
      boolean converse, boolean stepped, boolean followUp, boolean ownSettings) {
    return resellers(converse, stepped, followUp, ownSettings, false);
  }

  /**
   * {@link #resellers(boolean, boolean, boolean, boolean)}, where with {@code singles} the
   * customers send as the fourth generator's do: mostly single requests without a turn, a third of
   * new questions opening a conversation counted from 1 that goes on with a probability of 0.65 a
   * turn (up to four), so that about a quarter of a key's requests are later turns; the asks
   * without a turn too.
   */
  static List<TraceRecord> resellers(
      boolean converse, boolean stepped, boolean followUp, boolean ownSettings, boolean singles) {
    SplittableRandom settings = new SplittableRandom(71);
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
        if (singles) {
          turn =
              ask
                  ? -1
                  : turn >= 1 && turn < 4 && r.nextInt(20) < 13
                      ? turn + 1
                      : r.nextInt(3) == 0 ? 1 : -1;
        } else {
          turn = ask || !converse || turn >= 2 || r.nextInt(3) == 0 ? 0 : turn + 1;
        }
        boolean own = ownSettings && !ask;
        out.add(
            new TraceRecord(
                at,
                "resold-" + a,
                START - 300 * DAY,
                "team",
                "203.0." + a + ".0/24",
                null,
                ask && !singles ? (followUp ? 1 : 0) : turn,
                own ? pick(settings, CUSTOMER_SYSTEMS) : null,
                prompt,
                ask
                    ? 16384
                    : own ? 1024 << settings.nextInt(4) & -(settings.nextInt(5) > 0 ? 1 : 0) : 0,
                own ? new double[] {-1, 0, 0.7, 1}[settings.nextInt(4)] : -1,
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
  void keysWhoseCustomersMostlySendSingleRequestsAreRelays() {
    List<TraceRecord> people = regulars(67, 400, 3);
    List<TraceRecord> keys = resellers(true, false, false, false, true);
    long later = keys.stream().filter(t -> t.turn() > 1).count();
    double share = later / (double) keys.size();
    assertTrue(share > 0.2 && share < 0.3, "later turns: " + share);
    try (Detector d = Detector.builder().build()) {
      sorted(people, keys).forEach(d::observe);
      // Their customers converse by about a quarter of the keys' requests, as the fourth
      // generator's do: with the bar at 30% (before 2026-12-07, session 47) all ten were flagged
      // too, but at a median of 42.6 hours after their first request, against 28.7 now.
      double[] hours = hoursToFlag(d, keys);
      assertTrue(hours[0] >= 8, "resellers flagged " + hours[0] + " of 10");
      assertTrue(hours[1] < 35, "median hours to the flag: " + hours[1]);
      assertEquals(0, flagged(d, "person-"));
    }
  }

  /** {@code t} sent at {@code ts} with the settings given. */
  static TraceRecord sent(
      TraceRecord t,
      long ts,
      @org.jspecify.annotations.Nullable String system,
      int maxTokens,
      double temperature) {
    return new TraceRecord(
        ts,
        t.account(),
        t.accountCreated(),
        t.tier(),
        t.client(),
        t.conversation(),
        t.turn(),
        system,
        t.prompt(),
        maxTokens,
        temperature,
        t.topLogprobs(),
        t.outputTokens());
  }

  static @org.jspecify.annotations.Nullable String pick(SplittableRandom r, String[] among) {
    int i = r.nextInt(among.length + 1);
    return i < among.length ? among[i] : null;
  }

  /**
   * Hours from each reseller key's first request to its flag (the median of those flagged), with
   * the number flagged at {@code [0]}.
   */
  static double[] hoursToFlag(Detector d, List<TraceRecord> trace) {
    java.util.Map<String, Long> first = new java.util.HashMap<>();
    trace.forEach(t -> first.putIfAbsent(t.account(), t.ts()));
    double[] hours =
        d.verdicts()
            .filter(v -> v.account().startsWith("resold-") && v.flaggedAt() >= 0)
            .mapToDouble(v -> (v.flaggedAt() - first.get(v.account())) / 3_600_000.0)
            .sorted()
            .toArray();
    return new double[] {hours.length, hours.length == 0 ? Double.NaN : hours[hours.length / 2]};
  }

  /**
   * 800 people chatting for three days ({@link TenureTest#regulars}), of whom the first {@code
   * tinkering} send each request with settings of their own choosing (one of five system prompts or
   * none, six {@code max_tokens}, eleven temperatures): elevated by many hands where that is rare.
   */
  static List<TraceRecord> people(int tinkering, int days) {
    SplittableRandom tinker = new SplittableRandom(73);
    List<TraceRecord> people = new ArrayList<>();
    for (TraceRecord t : regulars(67, 800, days)) {
      boolean tinkers = Integer.parseInt(t.account().substring("person-".length())) < tinkering;
      people.add(
          !tinkers
              ? t
              : sent(
                  t,
                  t.ts(),
                  pick(tinker, CUSTOMER_SYSTEMS),
                  256 << tinker.nextInt(6),
                  tinker.nextInt(11) / 10.0));
    }
    return people;
  }

  /**
   * Keys whose customers bring their own tools' settings ({@link Activity#manyHands}) are elevated
   * within hours, so the relay view takes them long before the night test would (a day); the same
   * keys sending every request alike wait for it (measured: 10 of 10 flagged either way, at a
   * median of 5.6 hours against 29.3). Many settings make no harness a relay, and 5 people who each
   * try many settings are not flagged.
   */
  @Test
  void manyPeoplesSettingsShowAResellersKeyWithinHours() {
    List<TraceRecord> people = people(5, 3);
    List<TraceRecord> own = sorted(people, resellers(true, false, false, true));
    List<TraceRecord> alike = sorted(people, resellers(true, false, false, false));
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build();
        Detector harness = Detector.builder().build()) {
      own.forEach(d::observe);
      alike.forEach(control::observe);
      sorted(people, resellers(false, false, false, true)).forEach(harness::observe);
      double[] fast = hoursToFlag(d, own);
      double[] slow = hoursToFlag(control, alike);
      assertTrue(fast[0] >= 8 && slow[0] >= 8, "flagged " + fast[0] + " and " + slow[0] + " of 10");
      assertTrue(fast[1] <= 6, "median hours to the flag with their settings " + fast[1]);
      assertTrue(slow[1] >= 20, "median hours to the flag sent alike " + slow[1]);
      assertEquals(0, flagged(d, "person-"));
      d.verdicts()
          .filter(v -> v.flagged() && v.account().startsWith("resold-"))
          .forEach(
              v ->
                  assertTrue(
                      v.reasons().stream().anyMatch(x -> x.startsWith("many hands: ")),
                      v.account() + ": " + v.reasons()));
      assertEquals(0, flagged(harness, "resold-"));
    }
  }

  /**
   * Where a tenth of the deployment's accounts vary their settings from request to request, many
   * hands say nothing ({@link ManyHands}): resellers arriving on its second day wait for the night
   * test as if they sent every request alike, and nobody is flagged for tinkering.
   */
  @Test
  void manyHandsCountForNothingWhereEveryoneVariesTheirSettings() {
    List<TraceRecord> later = new ArrayList<>();
    for (TraceRecord t : resellers(true, false, false, true)) {
      later.add(sent(t, t.ts() + DAY, t.system(), t.maxTokens(), t.temperature()));
    }
    List<TraceRecord> own = sorted(people(80, 4), later);
    try (Detector d = Detector.builder().build()) {
      own.forEach(d::observe);
      double[] hours = hoursToFlag(d, own);
      assertTrue(hours[0] >= 8, "flagged " + hours[0] + " of 10");
      assertTrue(hours[1] >= 20, "median hours to the flag " + hours[1]);
      assertEquals(0, flagged(d, "person-"));
      d.verdicts()
          .forEach(
              v ->
                  assertTrue(
                      v.reasons().stream().noneMatch(x -> x.startsWith("many hands: ")),
                      v.account() + ": " + v.reasons()));
    }
  }

  /**
   * A bucket of 10 established accounts sweeping an eliciting template in first turns around the
   * clock on two days, of which accounts 0-4 are relays (they burst, converse and are elevated on
   * their own behaviour) and, with {@code hands}, show many hands; account 5 converses too.
   */
  static long[] relaysBucket(boolean hands) {
    long[] w = new long[LinkStore.WORDS];
    ContagionTest.set(w, LinkStore.ACCOUNTS, 0, 10);
    ContagionTest.set(w, LinkStore.ESTABLISHED, 0, 10);
    ContagionTest.set(w, LinkStore.WATCHED, 0, 5);
    ContagionTest.set(w, LinkStore.BURSTY, 0, 5);
    ContagionTest.set(w, LinkStore.CHATTY, 0, 6);
    if (hands) {
      ContagionTest.set(w, LinkStore.HANDS, 0, 5);
    }
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.REQUESTS, 0, 100);
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 0, 100);
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.CUED, 0, 100);
    w[LinkStore.ACTIVITY] = 0xFFFFFFL | (0b11L << 24);
    return w;
  }

  /** The bucket judged for a relay's paced request, with elevation's base rate at a fifth. */
  static int judged(long[] bucket, double baseHands) {
    return judged(bucket, baseHands, Integer.MAX_VALUE);
  }

  /**
   * {@link #judged(long[], double)} with the first hours' {@code cold} ({@link Tenure#coldHours}).
   */
  static int judged(long[] bucket, double baseHands, int cold) {
    return GroupEvidence.judge(bucket, 0, false, 0.2, 0.1, true, true, true, true, baseHands, cold);
  }

  /**
   * Where a fifth of all accounts are elevated (the fourth generator's seed 122: 0.18 to 0.21),
   * five elevated relays of ten are not far above the base rate (binomial tail 0.03, where 1e-6 is
   * asked), and before the shared hands (2026-12-07, session 48) a handful of resellers' keys
   * sharing a campaign's template were not relays' (that world's 7 were flagged 41 to 57 hours in,
   * by other views). Five showing many hands of ten, where 7 in 15,364 accounts show them, is
   * (about 5e-15); for an account that shows none itself it counts nothing (a developer bursting in
   * a template that resellers carry: a third generator's seed 13 had 343 of its 1,984 developers
   * flagged without that condition), nor where many hands are common, nor where few of the
   * template's accounts show them.
   */
  @Test
  void aHandfulOfKeysSharingManyHandsMakeARelaysTemplate() {
    double rare = 7 / 15_364.0;
    assertEquals(GroupEvidence.COORDINATED, judged(relaysBucket(true), rare));
    assertEquals(GroupEvidence.NONE, judged(relaysBucket(false), rare));
    assertEquals(GroupEvidence.NONE, judged(relaysBucket(true), -1));
    assertEquals(GroupEvidence.NONE, judged(relaysBucket(true), 0.1));
    assertTrue(RelayView.handsShared(relaysBucket(true), 0, 10, rare));
    // Five of forty: a template that relays carry among others' is not relays'.
    assertFalse(RelayView.handsShared(relaysBucket(true), 0, 40, rare));
    assertEquals(
        GroupEvidence.NONE,
        GroupEvidence.judge(
            relaysBucket(true),
            0,
            false,
            0.2,
            0.1,
            true,
            true,
            true,
            false,
            rare,
            Integer.MAX_VALUE));
  }

  /**
   * In a detector's first hours ({@link Tenure#coldHours}) relays' template new to the store and
   * used in every hour observed is around the clock, as for the aged view (since session 48): a
   * reseller already carrying a campaign when the detector starts was served until eight hours of
   * the day had passed. A template used in those hours on three days is not new, and after the
   * first hours eight hours of the day are asked again.
   */
  @Test
  void relaysTemplateInADetectorsFirstHours() {
    double rare = 7 / 15_364.0;
    long[] young = relaysBucket(true);
    young[LinkStore.ACTIVITY] = 0b11111L | (1L << 24); // five hours of one day
    long[] old = relaysBucket(true);
    old[LinkStore.ACTIVITY] = 0b11111L | (0b111L << 24); // the same hours on three days
    assertEquals(GroupEvidence.COORDINATED, judged(young, rare, 5));
    assertEquals(GroupEvidence.NONE, judged(young, rare, 6));
    assertEquals(GroupEvidence.NONE, judged(young, rare, Integer.MAX_VALUE));
    assertEquals(GroupEvidence.NONE, judged(old, rare, 5));
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
