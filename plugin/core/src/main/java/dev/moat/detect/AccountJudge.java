package dev.moat.detect;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's effect on its account, the detector's core rule in one place: the link marks it
 * records, the account's behaviour rates and features, its own score against its tier's baseline
 * (watch), the coordination evidence of its buckets (flag), decay, and the verdict published.
 *
 * <p>Thread-safe as the {@link Detector} that owns it: called with the account's state locked.
 */
final class AccountJudge {
  private static final double SATURATED = 256 * Math.log(256);
  // Once: log1p is a native call on JDK 17 (about 14 ns), twice per request before.
  private static final double LOG_SATURATED = Math.log1p(SATURATED);
  private static final long SAMPLE_SALT = 0x5A3B1E5L;

  /** The features that read other accounts: left out (set to typical) of per-account evidence. */
  private static final int[] LINK_FEATURES = {
    Features.TEMPLATE_SHARED,
    Features.TEMPLATE_ESTABLISHED,
    Features.TEMPLATE_YOUNG,
    Features.SYSTEM_SHARED
  };

  private final Detector d;

  /**
   * Whether any request has carried a later turn: where neither it nor ages are given, a harvest's
   * single requests cannot be told from people's ({@link GroupEvidence#harvests}). Set once, racily
   * (a benign race: every writer writes true).
   */
  private volatile boolean turnsGiven;

  AccountJudge(Detector d) {
    this.d = d;
  }

  Verdict update(AccountState s, Detector.Prepared p, DetectorScratch t, float[] x) {
    TraceRecord r = p.record;
    long[] keys = p.keys;
    boolean hasSystem = keys.length > d.bands;
    long[] bits = t.bits;
    long now = r.ts();
    boolean first = s.activity.requests() == 0;
    long created = r.accountCreated() >= 0 ? r.accountCreated() : s.activity.created();
    int age = d.tenure.age(now, created, first ? now : s.activity.firstTs());
    boolean young = age == Tenure.YOUNG;
    boolean established = age == Tenure.ESTABLISHED;
    TierBaseline tier = s.tier;
    if (tier == null) {
      tier = baseline(r.tier());
      s.tier = tier;
      d.population.incrementAndGet();
      s.firstAge = age;
      s.firstAgeGiven = r.accountCreated() >= 0;
      d.tenure.count(age, s.firstAgeGiven);
    }
    decay(s, now);
    PhraseEvidence.settle(s, now);
    boolean later = s.laterTurn(r.turn()); // a conversation's later turn, whatever it counts from
    boolean exempt =
        FleetMarks.adopt(d, s, now, s.activity.requests(), d.exemptTiers.contains(r.tier()));

    // The bits it sets in each of its buckets: the account's, the skeleton's and the request's.
    int[] marks = t.marks;
    int m = 0;
    boolean hands = d.hands.counts(s.activity, d.population.get()); // ManyHands, OwnReasons
    marks[m++] = 64 * LinkStore.ACCOUNTS + s.bit;
    if (established) {
      marks[m++] = 64 * LinkStore.ESTABLISHED + s.bit;
    }
    boolean cohort = false; // in its creation hour's bucket (CohortView)
    if (young && !d.cohorts.withholds(s, r.client(), now, first)) {
      marks[m++] = 64 * LinkStore.YOUNG + s.bit;
      cohort = CohortView.fresh(r.accountCreated(), now);
    }
    if (s.watchedByScore) {
      marks[m++] = 64 * LinkStore.WATCHED + s.bit;
    }
    if (s.activity.requests() >= 3 && RelayView.converses(s)) {
      marks[m++] = 64 * LinkStore.CHATTY + s.bit;
    }
    if (s.activity.bursts() > 0 || (hands && RelayView.converses(s))) {
      marks[m++] = 64 * LinkStore.BURSTY + s.bit;
    }
    if (hands) {
      marks[m++] = 64 * LinkStore.HANDS + s.bit;
    }
    if (r.client() != null) {
      marks[m++] = 64 * LinkStore.CLIENTS + (int) (MinHash.mix(r.client().hashCode()) >>> 56);
    }
    long request = p.skeleton ^ (r.account().hashCode() * 0x9E3779B97F4A7C15L) ^ (now * 31 + s.bit);
    int requestBit = (int) (MinHash.mix(request) >>> 56);
    int skeletonBit = (int) (MinHash.mix(p.skeleton) >>> 56);
    boolean cued = p.asks != 0; // where it asks: not a word of a pasted document (PromptScan.asks)
    boolean sampled = (MinHash.mix(p.skeleton ^ SAMPLE_SALT) & 15) == 0;
    for (int res = 0; res < (sampled ? 2 : 1); res++) {
      int base = 64 * (LinkStore.CONTENT + res * LinkStore.RESOLUTION);
      marks[m++] = base + 64 * LinkStore.REQUESTS + requestBit;
      marks[m++] = base + 64 * LinkStore.SKELETONS + skeletonBit;
      if (later) {
        marks[m++] = base + 64 * LinkStore.FOLLOWUPS + requestBit;
      }
      if (cued) {
        marks[m++] = base + 64 * LinkStore.CUED + requestBit;
      }
    }
    long hourIndex = Math.floorDiv(now, 3_600_000L);
    marks[m++] = 64 * LinkStore.ACTIVITY + (int) Math.floorMod(hourIndex, 24L);
    marks[m++] = 64 * LinkStore.ACTIVITY + 24 + (int) Math.floorMod(hourIndex / 24, 40L);
    long[] phrases = p.phrases; // one store call: the template buckets, then the phrase buckets
    long[] all = t.allKeys;
    System.arraycopy(keys, 0, all, 0, keys.length);
    System.arraycopy(phrases, 0, all, keys.length, phrases.length);
    int count = keys.length + phrases.length;
    int cohortAt = count * LinkStore.WORDS;
    if (cohort) {
      all[count++] = CohortView.key(r.accountCreated());
    }
    d.store.record(marks, m, all, count, bits);

    // The template: the band bucket shared by the most accounts (for the classifier's features).
    int best = 0;
    double bestAccounts = -1;
    for (int b = 0; b < d.bands; b++) {
      double acc = LinkStore.estimate(bits, b * LinkStore.WORDS + LinkStore.ACCOUNTS);
      if (acc > bestAccounts || (acc == bestAccounts && keys[b] < keys[best])) {
        bestAccounts = acc;
        best = b;
      }
    }
    // Coordination: the strongest verdict over the request's buckets, against the base rate.
    double base = baseWatched();
    double baseYoung = d.tenure.youngRate(GroupEvidence.YOUNG_FLOOR);
    boolean agesGiven = d.tenure.agesGiven();
    turnsGiven |= r.turn() > 0; // not in a snapshot: a restored detector learns it again
    boolean singles = agesGiven || turnsGiven;
    int evidence = GroupEvidence.NONE;
    int marked = -1; // the word offset of the bucket whose evidence counts
    int byCohort = GroupEvidence.NONE;
    boolean paced = s.activity.paced(now); // the aged view, domination and phrases read it
    boolean relay = (s.activity.bursts() > 0 || hands) && RelayView.converses(s);
    int cold = d.tenure.coldHours(now); // the aged view's hours of the day in a cold start
    double baseHands = hands ? d.hands.share(d.population.get()) : -1; // RelayView#handsShared
    if (p.words >= Detector.GROUP_MIN_WORDS) {
      for (int b = 0; b < keys.length; b++) {
        int at = b * LinkStore.WORDS;
        int e =
            GroupEvidence.judge(
                bits,
                at,
                b == d.bands,
                base,
                baseYoung,
                agesGiven,
                singles,
                paced,
                relay,
                baseHands,
                cold);
        if (e > evidence) {
          evidence = e;
          marked = at;
        }
        if (s.level == Suspicion.FLAG && b < d.bands && GroupEvidence.dominated(bits, at)) {
          s.flagEvidence = now; // still in its campaign's template
        }
      }
      byCohort = cohort ? CohortView.judge(bits, cohortAt, base) : GroupEvidence.NONE;
    }
    // What it asks: a paraphrasing campaign's eliciting requests about phrases its flagged
    // accounts dominate, outside a product's shared instructions (PhraseEvidence).
    int about =
        p.words >= Detector.GROUP_MIN_WORDS && !exempt
            ? PhraseEvidence.linked(bits, keys.length, phrases.length)
            : PhraseEvidence.NOT_LINKED;
    int linked =
        cued
                && s.activity.requests() >= PhraseEvidence.PACE_KNOWN
                && paced
                && !(hasSystem && PhraseEvidence.instructed(s, bits, d.bands * LinkStore.WORDS))
            ? about
            : PhraseEvidence.NOT_LINKED;
    int o = best * LinkStore.WORDS;
    double shared = Math.log1p(bestAccounts) / LOG_SATURATED;
    double estShare =
        LinkStore.estimate(bits, o + LinkStore.ESTABLISHED) / Math.max(1, bestAccounts);
    double youngShare = LinkStore.estimate(bits, o + LinkStore.YOUNG) / Math.max(1, bestAccounts);

    d.hands.count(s.activity.record(r, hasSystem ? keys[d.bands] : 0));
    int cues = p.cues;
    s.rate(Features.COT, (cues & PromptScan.COT) != 0 ? 1 : 0);
    s.rate(Features.SOFTWARE, (cues & PromptScan.SOFTWARE) != 0 ? 1 : 0);
    s.rate(Features.AGENTIC, (cues & PromptScan.AGENTIC) != 0 ? 1 : 0);
    s.rate(Features.PLANNING, (cues & PromptScan.PLANNING) != 0 ? 1 : 0);
    s.rate(Features.PERSONA, (cues & PromptScan.PERSONA) != 0 ? 1 : 0);
    s.rate(Features.CODE_ATTACHED, p.codeAttached ? 1 : 0);
    s.rate(Features.SYSTEM, hasSystem ? 1 : 0);
    if (r.temperature() >= 0) {
      s.rate(Features.GREEDY, r.temperature() == 0 ? 1 : 0);
      s.rate(Features.TEMPERATURE, Math.min(2, r.temperature()) / 2);
    }
    s.rate(Features.LOGPROBS, r.topLogprobs() > 0 ? 1 : 0);
    s.rate(Features.FIRST_TURN, later ? 0 : 1);
    s.converse(later || p.words < Detector.GROUP_MIN_WORDS);
    if (r.maxTokens() > 0) {
      s.rate(Features.MAX_TOKENS, Math.log1p(r.maxTokens()) / 10);
    }
    s.rate(Features.WORDS, Math.log1p(p.words) / 7);
    if (!first && s.lastOutput >= 0) {
      s.rate(Features.OUTPUT, Math.log1p(s.lastOutput) / 10);
    }
    s.rate(Features.NOVELTY, s.novel(keys[0], keys[1]) ? 1 : 0);
    s.rate(Features.TEMPLATE_SHARED, shared);
    s.rate(Features.TEMPLATE_ESTABLISHED, estShare);
    s.rate(Features.TEMPLATE_YOUNG, youngShare);
    int so = d.bands * LinkStore.WORDS; // the system prompt's bucket, where it has one
    double sys = hasSystem ? LinkStore.estimate(bits, so + LinkStore.ACCOUNTS) : 0;
    s.rate(Features.SYSTEM_SHARED, Math.log1p(sys) / LOG_SATURATED);
    s.lastOutput = r.outputTokens();
    s.features(x);
    // Per-account evidence reads behaviour only: the linking features are set to a typical
    // account's, so that this view stays independent of the group view it corroborates.
    float[] own = t.own;
    System.arraycopy(x, 0, own, 0, Features.COUNT);
    for (int f : LINK_FEATURES) {
      own[f] = d.reference[f];
    }
    // A score that rounds towards 1 is binned by its log-odds: the model's output before its
    // sigmoid where it has one (the bundled model's score bit for bit), else a second evaluation.
    float logit;
    float score;
    if (d.model.logitIsExact()) {
      logit = d.model.logit(own);
      score = MlpModel.sigmoid(logit);
    } else {
      score = d.model.score(own);
      logit = score >= TierBaseline.TOP ? d.model.logit(own) : 0f;
    }
    long n = s.activity.requests();
    int bin = TierBaseline.bin(score, logit);
    tier.move(s.scoreBin, bin);
    s.scoreBin = bin;
    if (Long.bitCount(n) == 1) {
      tier.sample(own); // the tier's typical account, at its accounts' 1st, 2nd, 4th... request
    }

    // One request is not evidence enough: the account's own score counts from its second.
    boolean byScore = !exempt && n >= 2 && tier.watches(score, bin);
    if (byScore) {
      s.watchEvidence = now;
    }
    // The group view's per-account input (OwnReasons.elevates): top tenth of its tier, no night,
    // mostly eliciting at a person's pace (a model trained elsewhere may not weigh these), hands.
    if (n >= 2 && !s.watchedByScore && OwnReasons.elevates(tier, bin, s, hands)) {
      s.watchedByScore = true;
      d.watchedByScore.incrementAndGet();
    }
    // Created together: only for an account whose own score at this request is high (CohortView).
    if (byCohort > evidence && CohortView.takes(tier, bin, score, d.threshold)) {
      evidence = byCohort;
      marked = cohortAt;
    }
    // Flagged accounts dominating a template corroborate, they do not accuse: only an account
    // young by a given age (not by tenure), or elevated on its own behaviour and at a person's
    // pace (an agent product's tool loop is neither), takes that evidence.
    if (evidence == GroupEvidence.DOMINATED
        && !((paced && s.watchedByScore) || (young && created >= 0))) {
      evidence = GroupEvidence.NONE;
    }
    if (evidence != GroupEvidence.NONE && !exempt) {
      s.countTemplate(
          GroupEvidence.counted(evidence, cued, n - 1, young && created >= 0), p.skeleton);
      s.watchEvidence = now;
      s.flagEvidence = now;
    }
    PhraseEvidence.count(s, n, now, about, linked);
    boolean cleared = s.clearedAt != Long.MIN_VALUE && now - s.clearedAt < d.decayMillis;
    boolean byGroup = s.groupFlags();
    if (!exempt
        && s.level != Suspicion.FLAG
        && (byGroup || (linked != PhraseEvidence.NOT_LINKED && PhraseEvidence.flags(s, n)))
        && !cleared) {
      s.level = Suspicion.FLAG;
      if (s.flaggedAt < 0) {
        s.flaggedAt = now;
        s.requestsBeforeFlag = n - 1;
      }
      long key =
          byGroup
              ? (marked >= 0 ? all[marked / LinkStore.WORDS] : 0)
              : phrases[PhraseEvidence.phrase(linked)];
      s.groupKey = key != 0 ? key : s.groupKey;
      s.group = s.groupKey != 0 ? AccountState.group(s.groupKey) : null;
      List<String> why = new ArrayList<>(4);
      why.add(
          byGroup
              ? GroupReasons.coordinated(s, n)
              : PhraseEvidence.describe(bits, keys.length + PhraseEvidence.phrase(linked), s, n));
      if (byGroup && marked >= 0) {
        why.add(GroupReasons.describe(bits, marked, marked == cohortAt, base, baseYoung));
      }
      if (s.watchedByScore) {
        why.addAll(OwnReasons.elevated(d.model, own, score, tier, s, hands));
      }
      s.reasons = List.copyOf(why);
    } else if (!exempt
        && s.level == Suspicion.NONE
        && (byScore
            || evidence != GroupEvidence.NONE
            || (linked >= 0 && PhraseEvidence.watches(s, n)))) {
      s.level = Suspicion.WATCH;
      if (byScore) {
        s.reasons = OwnReasons.watched(d.model, own, score, logit, bin, tier);
      } else if (marked >= 0) {
        s.reasons =
            List.of(
                "a request went into a coordinated template",
                GroupReasons.describe(bits, marked, marked == cohortAt, base, baseYoung));
      } else {
        s.reasons =
            List.of(
                PhraseEvidence.describe(bits, keys.length + PhraseEvidence.phrase(linked), s, n));
      }
    }
    if (s.level == Suspicion.FLAG) {
      if (FlagMarks.marks(evidence, cued, p.words)) {
        FlagMarks.mark(d, s, r.account(), keys, phrases, bits, t.flagKeys);
      }
      s.addSample(r.prompt());
    }
    if (s.level == Suspicion.FLAG && s.groupKey != 0 && (s.linked == null || n % 64 == 0)) {
      s.linked = d.store.linkedAccounts(s.groupKey, 8); // refreshed now and then, not per request
    }
    FleetMarks.share(d, s);
    return publish(s, score, n);
  }

  /**
   * The account's verdict now: its level, or its pin's while an admin's pin holds (the reasons then
   * say so first, then what the evidence says).
   */
  Verdict publish(AccountState s, float score, long n) {
    List<String> linked = s.linked != null ? s.linked : List.of();
    List<String> reasons = s.level != Suspicion.NONE && s.reasons != null ? s.reasons : List.of();
    AccountPin pin = s.pin;
    Suspicion level = s.level;
    if (pin != null) {
      List<String> why = new ArrayList<>(reasons.size() + 1);
      why.add(pin.describe());
      why.addAll(reasons);
      reasons = why;
      level = pin.level();
    }
    Verdict v =
        new Verdict(
            s.account,
            score,
            level == Suspicion.FLAG,
            s.flaggedAt,
            s.group,
            n,
            s.requestsBeforeFlag,
            reasons,
            linked,
            s.samples != null ? s.samples : List.of(),
            level);
    s.latest = v;
    return v;
  }

  /** Levels fall one step when their evidence is older than the decay period. */
  void decay(AccountState s, long now) {
    if (s.level == Suspicion.FLAG && now - s.flagEvidence > d.decayMillis) {
      s.level = Suspicion.WATCH;
      s.forgetEvidence();
      // The watch period starts when the flag lapses: one step per decay period.
      s.watchEvidence = Math.max(s.watchEvidence, s.flagEvidence + d.decayMillis);
    }
    if (s.level == Suspicion.WATCH && now - s.watchEvidence > d.decayMillis) {
      s.level = Suspicion.NONE;
      s.forgetEvidence();
    }
  }

  /** The share of accounts elevated on their own behaviour: the null rate of the watched view. */
  double baseWatched() {
    long all = d.population.get();
    double floor = TierBaseline.ELEVATED;
    return all == 0 ? floor : Math.max(floor, d.watchedByScore.get() / (double) all);
  }

  TierBaseline baseline(String tier) {
    return d.tiers.computeIfAbsent(
        tier, k -> new TierBaseline(d.threshold, d.watchBudget, d.reference));
  }
}
