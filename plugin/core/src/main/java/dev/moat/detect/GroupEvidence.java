package dev.moat.detect;

import dev.moat.internal.Binomial;

/**
 * Whether one template bucket is a coordinated campaign, judged against a null model of benign
 * sharing from the bucket's own sketches. The group, not the account, is the unit of evidence
 * (SynchroTrap, CopyCatch), and a verdict needs several views of the bucket to agree (SliceNDice,
 * FRAUDAR). A bucket is coordinated when all of these hold:
 *
 * <ol>
 *   <li><b>Shared</b>: at least {@link #MIN_ACCOUNTS} accounts use the template.
 *   <li><b>Sweep</b>: distinct skeletons are at least {@link #SWEEP_SHARE} of its requests, or at
 *       least {@link #SWEEP_SKELETONS} in all; and at least {@link #SWEEP_MIN_SKELETONS} either
 *       way, and not {@link #pasted} (many accounts a skeleton from few networks). A class pasting
 *       one homework or a viral prompt send the same few texts again and again; a campaign covers
 *       many topics, even when it asks for several answers to each (best-of-n harvesting re-asks)
 *       or fills its templates from short slot lists (the usage generator's campaign templates read
 *       4.4 to 6.8 accounts a skeleton at their 90th percentile). The floors (2026-12-03):
 *       hackathons pasting one challenge with a few openings ("pls", "help:") were 2 skeletons in
 *       the 38 requests of 38 new accounts (5%: the third generator's seed 5, 23 classroom accounts
 *       flagged at their first request) and about 10 in the 168 of 172 (6%: its seed 7, 40
 *       flagged).
 *   <li><b>Young</b>: at least half of its accounts of known age were created less than 14 days
 *       before they used it, at most a quarter of all are established (30 days or more; where youth
 *       is tenure, half when the template elicits reasoning, plans or agent traces), and its young
 *       accounts are far more than the deployment's base rate of youth would give (binomial upper
 *       tail at most {@link #YOUNG_P}; the base rate taken at most {@link #YOUNG_CAP}, so that a
 *       campaign cannot raise the bar by creating accounts). An account that started at a venue
 *       ({@link Cohorts}: new accounts starting together on one network, a class behind its NAT)
 *       counts as of unknown age here. An established product's users, a popular public template
 *       and eval harnesses are not young. Where no request of an account gives its age, its tenure
 *       in the deployment does ({@link Tenure}): first seen a day or more after observation began
 *       is young, before that established. Most sporadic users then look young, so a handful of
 *       benchmark runners sharing a published template is not younger than the deployment (on our
 *       usage generator without ages, 12 of 26 eval runners were flagged before this view compared
 *       with the base rate; none after).
 *   <li><b>Around the clock</b>: used in at least {@link #YOUNG_HOURS} hours of the day. A class or
 *       a workshop lasts an hour or two.
 *   <li><b>Harvesting</b>: at least {@link #HARVEST_CUED} of its requests elicit reasoning, plans
 *       or agent traces; or at most {@link #HARVEST_FOLLOWUPS} of them continue a conversation and
 *       at most {@link #HARVEST_CHATTY} of its accounts hold conversations. A hackathon's or
 *       developers' conversations are neither. Without ages or turns, only the first ({@link
 *       #harvests}).
 * </ol>
 *
 * It is {@link #STRONG} (one request into it flags) when, besides, its accounts are many ({@link
 * ElicitingSweep}) and the deployment gives account ages ({@link Tenure#agesGiven}), or its
 * accounts were put in the top tenth of their tiers by their own behaviour far more often than the
 * base rate ({@link #WATCHED_P}, binomial). Without ages, youth is tenure: anyone sporadic first
 * seen after the warm-up is "young", and a viral text with a slot people fill ("a plan to become a
 * knight in 30 days") is a young sweep of many accounts, each pasting it once; so there a flag
 * takes two requests into such templates (before this, on 2026-12-03, a third generator's viral
 * waves without ages were flagged at their first paste: 1,417 of 1,742 sharers). A shared system
 * prompt is judged the same way: established users of one product sharing its instructions are the
 * null model. A bucket that flagged accounts dominate (at least {@link #MIN_FLAGGED}, half of its
 * accounts) and that is a sweep is {@link #DOMINATED}: paraphrasing campaigns move between
 * templates, but the flagged may be resellers relaying everyday templates, so it counts only for an
 * account with a signal of its own.
 *
 * <p><b>Aged accounts</b> are {@link AgedView}'s: a sweep of accounts elevated on their own
 * behaviour far above the base rate, that elicits, used around the clock and paced like people.
 *
 * <p>What this cannot see: an aged campaign that bursts (a script on bought accounts; relays that
 * converse, resellers' keys, are {@link RelayView}'s) or whose accounts are not elevated on their
 * own behaviour (the watch budget is 1% of a tier: a larger campaign is watched in part), unless it
 * shares templates with a flagged one and, since 2026-12-06, sends into them at a person's pace (or
 * its accounts are young by age). Nor a template's handful of young accounts: at a base rate of
 * youth of a half (the cap), ten all young are the fewest that count (twenty where it is tenure).
 *
 * <p>Thread-safe: stateless.
 */
final class GroupEvidence {
  static final int MIN_ACCOUNTS = 8;
  static final double SWEEP_SHARE = 0.05;
  static final int SWEEP_SKELETONS = 128;
  static final int SWEEP_MIN_SKELETONS = 8;
  static final double SWEEP_ACCOUNTS_PER_SKELETON = 10;
  static final int MIN_REQUESTS = 16;
  static final double YOUNG_SHARE = 0.5;
  static final int MIN_YOUNG = 4;
  static final double ESTABLISHED_MAX = 0.25;
  static final double ESTABLISHED_MAX_TENURE = 0.5;
  static final int TENURE_DAYS = 3;
  static final double WATCHED_SHARE = 0.4;
  static final double WATCHED_P = 1e-6;
  static final int MIN_WATCHED = 3;
  static final double MIN_FLAGGED = 5;
  static final double FLAGGED_SHARE = 0.5;
  static final int YOUNG_HOURS = 8;
  static final double SPREAD_CLIENTS = 0.5;
  static final double HARVEST_FOLLOWUPS = 0.3;
  static final double HARVEST_CUED = 0.3;
  static final double HARVEST_CHATTY = 0.3;
  static final double YOUNG_P = 1e-3;
  static final double YOUNG_P_TENURE = 1e-6;
  static final double YOUNG_FLOOR = 0.01;
  static final double YOUNG_CAP = 0.5;

  static final double BURSTY_MAX = 0.25;

  /** Not coordinated. */
  static final int NONE = 0;

  /**
   * Flagged accounts dominate it, no view of its own says coordinated: evidence only for an account
   * young by a given age, or elevated on its own behaviour and at a person's pace (plugin README,
   * "A fourth generator, held out", "Machine-speed requests and the aged view").
   */
  static final int DOMINATED = 1;

  /** Coordinated: one view corroborates the sweep. */
  static final int COORDINATED = 2;

  /** Coordinated with both corroborating views: one request into it is a strong hit. */
  static final int STRONG = 3;

  /** Requests before one that a strong template no longer flags alone unless it elicits. */
  static final int HISTORY = 8;

  private GroupEvidence() {}

  /**
   * What a request's template {@code evidence} adds to its account's hits. A strong template flags
   * a campaign account at its first request; an account with {@link #HISTORY} requests before whose
   * request does not elicit reasoning or plans gets one point for it (the third generator's seed 17
   * flagged two developers at one such request of 35 and 70). Into a weaker template, a request
   * that does not elicit counts nothing unless its account is young by a given age: that is where a
   * paragraph many populations paste puts people's requests beside a flagged customer's.
   */
  static int counted(int evidence, boolean cued, long requestsBefore, boolean youngByAge) {
    if (evidence == NONE || (!cued && evidence != STRONG && !youngByAge)) {
      return 0;
    }
    return evidence == STRONG && (cued || requestsBefore < HISTORY) ? 2 : 1;
  }

  /**
   * The bucket at {@code words[at .. at + LinkStore.WORDS)}.
   *
   * @param system whether it is a system-prompt bucket
   * @param baseWatched the share of all accounts watched on their own behaviour (the null rate)
   * @param baseYoung the share of all accounts young at their first request (the null rate)
   * @param agesGiven whether the deployment gives account ages ({@link Tenure#agesGiven}): where it
   *     does not, many young accounts alone do not make a template strong
   * @param singlesShow whether a harvest's single requests can be told from people's: the
   *     deployment gives ages or turns ({@link #harvests})
   * @param paced whether the request comes at a person's pace ({@link Activity#paced}): the aged
   *     view's evidence is for those only
   * @param relay whether its account has sent at machine speed and converses ({@link RelayView})
   * @param baseHands where its account shows many hands ({@link ManyHands}), the share of all
   *     accounts that do (the null rate of {@link RelayView#handsShared}); else -1
   * @param cold the hours of the day that make the aged view's and the relay view's template used
   *     around the clock in a deployment's first hours ({@link Tenure#coldHours}; {@link
   *     Integer#MAX_VALUE} after them)
   */
  static int judge(
      long[] words,
      int at,
      boolean system,
      double baseWatched,
      double baseYoung,
      boolean agesGiven,
      boolean singlesShow,
      boolean paced,
      boolean relay,
      double baseHands,
      int cold) {
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    if (k < MIN_ACCOUNTS) {
      return NONE;
    }
    double flagged = LinkStore.estimate(words, at + LinkStore.FLAGGED);
    boolean sweep = sweep(words, at);
    boolean dominated =
        !system
            && sweep
            && flagged >= MIN_FLAGGED
            && flagged >= FLAGGED_SHARE * k
            && share(words, at, LinkStore.CUED) >= HARVEST_CUED;
    // Where youth is tenure, "established" is only "first seen in the first day of observation",
    // which a campaign already running then is too: a template that elicits and has been in use on
    // TENURE_DAYS days may have half of its accounts so counted, any other a quarter (a viral wave
    // reaches every tenure in a day or two: the third generator's seed 30 without ages, a "step by
    // step" text of ~650 accounts, 34-50% established on 2 days, had 396 sharers watched).
    double establishedMax =
        agesGiven
                || share(words, at, LinkStore.CUED) < HARVEST_CUED
                || days(words, at) < TENURE_DAYS
            ? ESTABLISHED_MAX
            : ESTABLISHED_MAX_TENURE;
    boolean young =
        young(words, at, k, baseYoung, agesGiven ? YOUNG_P : YOUNG_P_TENURE, establishedMax);
    if (system) {
      return sweep && young && aroundTheClock(words, at, k) && harvests(words, at, singlesShow)
          ? COORDINATED
          : NONE;
    }
    boolean watched = sweep && watched(words, at, k, baseWatched, false);
    // Young accounts sweeping a template over much of the day: not a class, not a product's users.
    boolean youngSweep =
        (sweep || (agesGiven && young && ElicitingSweep.sweep(words, at)))
            && young
            && aroundTheClock(words, at, k)
            && harvests(words, at, singlesShow);
    if (youngSweep && (watched || (agesGiven && ElicitingSweep.many(words, at, k)))) {
      return STRONG;
    }
    boolean agedSweep = paced && !young && sweep && AgedView.swept(words, at, k, baseWatched, cold);
    boolean relayed =
        relay && paced && !young && RelayView.relayed(words, at, k, baseWatched, baseHands, cold);
    return youngSweep || agedSweep || relayed ? COORDINATED : dominated ? DOMINATED : NONE;
  }

  /**
   * The shape of harvesting: mostly single requests (a harvest does not chat), or requests that
   * elicit reasoning, plans or agent traces (what a distiller pays for). A hackathon's or a class's
   * conversations are neither. Where the deployment gives neither ages nor turns ({@code
   * singlesShow} false), only the second: youth is then tenure, so anyone sporadic is young, and
   * every request of a trace without turns is single; a viral text pasted twice by people first
   * seen after the warm-up was a young sweep (a fourth generator's seed 105 without metadata: 741
   * of 3,455 sharers flagged). The cost: the usage generator's hydra without ages or turns harvests
   * in single requests that elicit less (seed 7, partial: 4.1% of its requests served first with
   * that shape, 9.1% without it).
   */
  static boolean harvests(long[] words, int at, boolean singlesShow) {
    if (share(words, at, LinkStore.CUED) >= HARVEST_CUED) {
      return true;
    }
    if (!singlesShow) {
      return false;
    }
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    return share(words, at, LinkStore.FOLLOWUPS) <= HARVEST_FOLLOWUPS
        && LinkStore.estimate(words, at + LinkStore.CHATTY) <= HARVEST_CHATTY * k;
  }

  /**
   * Used in {@link #YOUNG_HOURS} hours of the day, or, before that, from as many networks as it has
   * accounts' halves ({@link #SPREAD_CLIENTS}): a class or a workshop is short-lived and sits
   * behind one NAT; a campaign rotating proxies is neither, from its first hour.
   */
  static boolean aroundTheClock(long[] words, int at, double k) {
    return hours(words, at) >= YOUNG_HOURS
        || LinkStore.estimate(words, at + LinkStore.CLIENTS) >= SPREAD_CLIENTS * k;
  }

  /** The days (of a 40-day ring) the bucket was used on. */
  static int days(long[] words, int at) {
    return Long.bitCount(words[at + LinkStore.ACTIVITY] >>> 24);
  }

  static int hours(long[] words, int at) {
    return Long.bitCount(words[at + LinkStore.ACTIVITY] & 0xFFFFFFL);
  }

  /**
   * Whether flagged accounts dominate the bucket: not evidence for a new flag without a sweep, but
   * it keeps a flagged account's evidence alive while it goes on using its campaign's template.
   */
  static boolean dominated(long[] words, int at) {
    return flaggedShare(words, at, FLAGGED_SHARE);
  }

  /**
   * Whether at least {@code share} of the bucket's accounts are flagged, with at least {@link
   * #MIN_ACCOUNTS} accounts and {@link #MIN_FLAGGED} flagged.
   */
  static boolean flaggedShare(long[] words, int at, double share) {
    double k = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    double flagged = LinkStore.estimate(words, at + LinkStore.FLAGGED);
    return k >= MIN_ACCOUNTS && flagged >= MIN_FLAGGED && flagged >= share * k;
  }

  /** The share of the bucket's requests counted in the sketch at {@code sketch}. */
  static double share(long[] words, int at, int sketch) {
    int r = resolution(words, at);
    double requests = LinkStore.estimate(words, r + LinkStore.REQUESTS);
    double part = LinkStore.estimate(words, r + sketch);
    return requests <= 0 ? 0 : Math.min(1, Math.max(0, part / requests));
  }

  static boolean sweep(long[] words, int at) {
    return sweep(words, at, MIN_REQUESTS);
  }

  /** {@link #sweep(long[], int)} from {@code minRequests} requests ({@link ElicitingSweep}). */
  static boolean sweep(long[] words, int at, int minRequests) {
    if (LinkStore.estimate(words, at + LinkStore.CONTENT + LinkStore.REQUESTS) < minRequests) {
      return false;
    }
    double skeletons = skeletons(words, at);
    return skeletons >= SWEEP_MIN_SKELETONS
        && !pasted(words, at, skeletons)
        && (share(words, at, LinkStore.SKELETONS) >= SWEEP_SHARE || skeletons >= SWEEP_SKELETONS);
  }

  /**
   * Many accounts on few texts from few networks: a class behind its venue's NAT pasting one
   * assignment (more than {@link #SWEEP_ACCOUNTS_PER_SKELETON} accounts a skeleton). Only where
   * networks are known (without them, the rule missed the first simulator's whole campaign).
   */
  static boolean pasted(long[] words, int at, double skeletons) {
    double accounts = LinkStore.estimate(words, at + LinkStore.ACCOUNTS);
    double clients = LinkStore.estimate(words, at + LinkStore.CLIENTS);
    return skeletons * SWEEP_ACCOUNTS_PER_SKELETON < accounts
        && clients >= 1
        && clients < SPREAD_CLIENTS * accounts;
  }

  /**
   * Distinct skeletons sent into the bucket: the full-resolution sketch's estimate while it is in
   * linear counting's accurate range (about 177 skeletons), else the larger of it and 16 times the
   * sampled one's (always the larger before 2026-12-03: ten skeletons one of which fell in the
   * sample read 16, and 61 of a hackathon's 151 new accounts on a third generator were flagged).
   */
  static double skeletons(long[] words, int at) {
    int full = at + LinkStore.CONTENT + LinkStore.SKELETONS;
    double exact = LinkStore.estimate(words, full);
    return LinearCounting.accurate(words, full)
        ? exact
        : Math.max(exact, 16 * LinkStore.estimate(words, full + LinkStore.RESOLUTION));
  }

  /** Linear counting's accurate resolution: full until its requests half-fill it, else 1/16. */
  static int resolution(long[] words, int at) {
    int requests = at + LinkStore.CONTENT + LinkStore.REQUESTS;
    return at
        + LinkStore.CONTENT
        + (LinearCounting.accurate(words, requests) ? 0 : LinkStore.RESOLUTION);
  }

  /**
   * Young: among its accounts whose age is known to be young or established, at least half are
   * young (at least {@link #MIN_YOUNG} of them), established ones are at most {@code
   * establishedMax} of all its accounts ({@link #ESTABLISHED_MAX}, a quarter; {@link
   * #ESTABLISHED_MAX_TENURE} for an eliciting template in use for days where youth is tenure), and
   * the young count is significant against {@code baseYoung} (capped at {@link #YOUNG_CAP}): the
   * binomial upper tail at most {@code p} ({@link #YOUNG_P}; {@link #YOUNG_P_TENURE} where the
   * deployment gives no ages and youth is tenure, weaker evidence: 20 accounts all young at the
   * cap, where ten did, and ten eval runners first seen after the warm-up sharing a published
   * template were a young sweep of a third generator). Accounts of unknown age count for neither,
   * so a trace that gives the age of only some accounts still shows a young campaign.
   */
  static boolean young(
      long[] words, int at, double k, double baseYoung, double p, double establishedMax) {
    double young = LinkStore.estimate(words, at + LinkStore.YOUNG);
    double established = LinkStore.estimate(words, at + LinkStore.ESTABLISHED);
    if (young < MIN_YOUNG
        || young < YOUNG_SHARE * (young + established)
        || established > establishedMax * k) {
      return false;
    }
    int n = (int) Math.round(Math.min(k, young + established));
    int hits = (int) Math.min(n, Math.round(young));
    return Binomial.log10UpperTail(n, hits, Math.min(YOUNG_CAP, baseYoung)) <= Math.log10(p);
  }

  /** At most {@link #BURSTY_MAX} of its accounts ever sent at machine speed. */
  static boolean steady(long[] words, int at, double k) {
    return LinkStore.estimate(words, at + LinkStore.BURSTY) <= BURSTY_MAX * k;
  }

  /**
   * Its accounts elevated on their own behaviour far above {@code baseWatched}; with {@code paced},
   * counting only those that never sent at machine speed (the sets' difference, account by
   * account): the aged view's campaign paces itself, and a high-volume relay elevated on its own
   * machine-like behaviour (a reseller, a product's service account) does not make the everyday
   * template it shares look like one (a fourth generator's seed 106 with partial metadata: 80
   * casual users flagged before, none after).
   */
  static boolean watched(long[] words, int at, double k, double baseWatched, boolean paced) {
    return watched(words, at, k, baseWatched, paced, WATCHED_SHARE);
  }

  /** {@link #watched(long[], int, double, double, boolean)} with {@code share} for its share. */
  static boolean watched(
      long[] words, int at, double k, double baseWatched, boolean paced, double share) {
    double w =
        paced
            ? LinearCounting.estimateAndNot(words, at + LinkStore.WATCHED, at + LinkStore.BURSTY)
            : LinkStore.estimate(words, at + LinkStore.WATCHED);
    if (w < MIN_WATCHED || w < share * k) {
      return false;
    }
    int n = (int) Math.round(k);
    int hits = (int) Math.min(n, Math.round(w));
    return Binomial.log10UpperTail(n, hits, Math.max(1e-4, baseWatched)) <= Math.log10(WATCHED_P);
  }
}
