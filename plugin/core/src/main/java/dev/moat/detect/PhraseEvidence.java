package dev.moat.detect;

import java.util.Locale;

/**
 * The phrase view of coordination (since 2026-12-03): a campaign that paraphrases every request
 * shares no template with its other accounts, but still asks for what its campaign asks for. A
 * request is linked when one of its content phrases ({@link PhraseKeys}) is a bucket that flagged
 * accounts dominate (at least {@link GroupEvidence#MIN_ACCOUNTS} accounts, {@link
 * GroupEvidence#MIN_FLAGGED} of them flagged, at least half), or two are each a third flagged
 * ({@link #ENRICHED_SHARE}, since 2026-12-03, night); it is evidence against its account only when
 * it also elicits reasoning, a plan or an agent trace, comes at a person's pace ({@link
 * Activity#paced}: an eval harness's or a tool loop's requests do not), and does not carry a
 * product's shared instructions ({@link #instructed}: an agent product's users ask about the same
 * things a campaign sweeps, inside their product's system prompt). {@link #FLAG_HITS} such requests
 * flag, if they are at least {@link #MIN_SHARE} of its requests from the first on and the account
 * mostly elicits ({@link #MIN_ELICITING}): two signals, what it asks (shared with a flagged
 * campaign) and how (eliciting, and mostly that). And since 2026-12-07, whatever the account, its
 * links must be at least {@link #TOPICAL_SHARE} of its requests about such phrases.
 *
 * <p>An account that has sent at machine speed (five requests within two minutes, {@link
 * Activity#bursts}) is one key used by many people or programs: a team, a product's backend, or a
 * reseller carrying resold traffic with a campaign's requests mixed in. Its linked requests are a
 * small share of its traffic, so they count against a lower share ({@link #SHARED_KEY_SHARE}) but
 * take more of them ({@link #SHARED_KEY_HITS}). Before this rule (2026-12-03, evening) such
 * accounts were never linked, and resellers whose extraction was paraphrased were flagged on their
 * third to fifth day (on the third generator's seed 5, 96.6% of their extraction requests were
 * served before the flag; 22.2% with this view's rules of that evening, all of them).
 *
 * <p>Thread-safe: stateless.
 */
final class PhraseEvidence {
  /** Linked requests (eliciting, paced, outside a product's instructions) that flag an account. */
  static final int FLAG_HITS = 3;

  /**
   * Requests before this one, at least, so that its pace is known: five within two minutes make a
   * burst ({@link Activity#bursts}), and an account's first few cannot show it.
   */
  static final int PACE_KNOWN = 4;

  /** Linked requests that flag an account that has burst (one key, many users). */
  static final int SHARED_KEY_HITS = 6;

  /**
   * And their least share of its requests from the first of them on: resellers' extraction is 5% to
   * 30% of their traffic, and only some of it is linked (2% to 4% of their requests on the third
   * generator's seeds 5 and 6). Measured before the pace rule: at 2% seed 5's resellers were
   * flagged later (39.7% of their extraction served first, 18.7% at 1%); without {@link #product},
   * an agent product's accounts reached 2% (6 of 283 requests).
   */
  static final double SHARED_KEY_SHARE = 0.01;

  /** Such requests that watch it (one is a developer asking about a campaign's topic once). */
  static final int WATCH_HITS = 2;

  /**
   * And their least share of the account's requests from the first of them on: a developer who now
   * and then asks, with "step by step", about a topic a campaign sweeps (3 of 77 requests on the
   * third generator's seed 6, flagged before this share was asked for) is not working for it. Low,
   * because resellers carry mostly genuine traffic and some paraphrasing accounts chat a lot: at
   * 10% the same seed 5 flagged 490 of its 591 stealth accounts and 1 of 30 resellers, at 5% 586
   * and 10, with no share 587 and 12.
   */
  static final double MIN_SHARE = 0.05;

  /**
   * The least share of an account's requests about phrases that flagged accounts hold (whatever
   * they ask, at whatever pace: {@link AccountState#phraseTopical}) that its links must be, for
   * them to flag it. As {@link AccountState#TEMPLATE_USE} for templates: a product pasting the
   * passages a flagged customer also pastes sends them mostly for a summary or a translation, a
   * campaign account to elicit.
   */
  static final double TOPICAL_SHARE = 0.25;

  private PhraseEvidence() {}

  /**
   * Counts a request, the account's {@code n}th, at {@code now}, whose content phrases {@link
   * #linked} returned {@code about} for, and {@code linked} where it also asks as above (else
   * {@link #NOT_LINKED}): evidence for both levels.
   */
  static void count(AccountState s, long n, long now, int about, int linked) {
    if (about != NOT_LINKED) {
      s.phraseTopical = Math.min(Integer.MAX_VALUE - 1, s.phraseTopical + 1);
    }
    if (linked == NOT_LINKED) {
      return;
    }
    if (linked >= 0) {
      if (strong(s) == 0) {
        s.phraseFrom = n; // the first strong link: weak ones leave the strong rules as they were
      }
      if (strong(s) < 0xFFFF) {
        s.phraseHits += 1;
        if (s.activity.bursts() > 0 && s.rateOf(Features.SYSTEM) == 0f) {
          s.phraseHits |= UNCONFIRMED; // on a shared key: the next request's pace settles it
        }
      }
    } else {
      s.phraseHits += weak(s) < WEAK_MAX ? 1 << 16 : 0;
    }
    s.watchEvidence = now;
    s.flagEvidence = now;
  }

  /**
   * The bit of {@link AccountState#phraseHits} (above both halves) that says a request of the
   * account added a strong link on a key that has burst, not yet settled by {@link #settle}.
   */
  static final int UNCONFIRMED = 1 << 31;

  /** And the bit that says one request has followed that link at machine speed so far. */
  static final int FOLLOWED = 1 << 30;

  /** The most weak links counted: the bits below {@link #FOLLOWED}. */
  static final int WEAK_MAX = 0x3FFF;

  /**
   * At the start of an account's request at {@code now}, before its activity records it: a strong
   * link that an earlier request added on a key that has burst is taken back once two requests
   * follow it, each within {@link Activity#PACED_MS} of the one before (a tool loop), and kept at
   * the first request that comes more slowly. A task typed into an agent product opens a tool loop,
   * whose results come back within seconds; a harvest's request does not. Where a trace gives no
   * system prompt, nothing else tells an agent product's user, whose tasks are what a campaign
   * sweeping agent tasks asks for, from a reseller (the third generator's seed 2 without metadata,
   * once its hydra was flagged: 3 of its 71 agent-platform accounts flagged and 26 watched by such
   * links; every one of their 44,226 tasks that the rule would settle was followed by two requests
   * that fast, against 209 of the resellers' 19,295 extraction requests, and 1,522 by one:
   * examples/research/generator3/analysis/tool_loops.py). Only on keys that have never sent a
   * system prompt (the feature's rate is exactly 0 until the first; after it the rate decays but
   * never returns to exactly 0): where a key sends them, a product's are told by {@link
   * #instructed}. On the usage generator's seed 6 with partial metadata, whose resellers send none,
   * 6.07% of their extraction is served before their flags, against 5.88% without the rule and
   * 7.22% when one fast request took a link back. Since 2026-12-05 (session 34).
   */
  static void settle(AccountState s, long now) {
    if ((s.phraseHits & UNCONFIRMED) == 0) {
      return;
    }
    if (now - s.activity.lastTs() >= Activity.PACED_MS) {
      s.phraseHits &= ~(UNCONFIRMED | FOLLOWED); // kept
    } else if ((s.phraseHits & FOLLOWED) == 0) {
      s.phraseHits |= FOLLOWED; // one fast request so far: a second takes the link back
    } else {
      s.phraseHits = (s.phraseHits & ~(UNCONFIRMED | FOLLOWED)) - 1; // strong(s) >= 1: taken back
    }
  }

  /**
   * The least share of an account's recent requests (its last 50) that elicit reasoning, plans or
   * agent traces, for a flag by this view where it has not burst: a distiller's accounts mostly
   * elicit (on the third generator's seeds 5, 6, 9 and 10, stealth read 0.25 or more and slow-drip
   * 0.38 or more at their 5th percentile, at their third linked request), developers who now and
   * then ask "step by step" about what a campaign sweeps do not (0.13 or less at the 90th
   * percentile; the two developers seed 10 flagged before this rule, 3 of 49 and of 53 requests
   * linked, read 0.05 and 0.09).
   */
  static final float MIN_ELICITING = 0.2f;

  /**
   * From this recent eliciting share on, two linked requests flag (the watch level's count), not
   * three: an account that mostly elicits and twice asked what a flagged campaign asks. Slow-drip
   * accounts send 3 to 8 requests a day and many held two links for days (on the third generator's
   * seeds 5, 6 and 9, 59%, 74% and 45% of them were flagged with three; 85%, 92% and 76% with this
   * rule, nothing benign either way). No benign account of those seeds, nor of seed 10, read 0.5 at
   * its second linked request: developers, casual users and classes ask in their own words mostly.
   */
  static final float MOSTLY_ELICITING = 0.5f;

  /** Whether the account's linked requests, its {@code n}th request now, flag it. */
  static boolean flags(AccountState s, long n) {
    if (strong(s) + weak(s) < TOPICAL_SHARE * s.phraseTopical) {
      return false; // it sends about the campaign's phrases mostly what the campaign does not ask
    }
    if (s.activity.bursts() > 0) {
      return enough(s, n, strong(s), SHARED_KEY_HITS); // resold traffic is mostly not a distiller's
    }
    float eliciting = eliciting(s);
    return eliciting >= MIN_ELICITING
        && (enough(s, n, strong(s), eliciting >= MOSTLY_ELICITING ? WATCH_HITS : FLAG_HITS)
            || (strong(s) + weak(s) >= WEAK_FLAG_HITS
                && strong(s) + weak(s) >= MIN_SHARE * n
                && s.conversing <= CONVERSING_MAX));
  }

  /** The share of the account's recent requests that elicit (the largest of the three kinds). */
  static float eliciting(AccountState s) {
    return Math.max(
        s.rateOf(Features.COT), Math.max(s.rateOf(Features.PLANNING), s.rateOf(Features.AGENTIC)));
  }

  /** Whether they watch it. */
  static boolean watches(AccountState s, long n) {
    return enough(s, n, strong(s), WATCH_HITS);
  }

  private static boolean enough(AccountState s, long n, int hits, int needed) {
    double share = s.activity.bursts() > 0 ? SHARED_KEY_SHARE : MIN_SHARE;
    return hits >= needed && hits >= share * (n - s.phraseFrom + 1);
  }

  /**
   * The least share of a bursting account's recent requests (its last 50) that carry a system
   * prompt, for it to be a product's backend key: resold traffic mixes many people's requests, most
   * with no instructions or others'.
   */
  static final float PRODUCT_KEY_SYSTEM = 0.9f;

  /**
   * Whether a request that carries a system prompt (its bucket at {@code words[at ..]}) is a
   * product's: the prompt is a product's instructions ({@link #product}), or the account has burst
   * and sends a system prompt with nearly every request ({@link #PRODUCT_KEY_SYSTEM}), a small
   * product's backend whose instructions fewer than {@link GroupEvidence#MIN_ACCOUNTS} accounts
   * share (a third generator's world at a tenth of its scale had 6 agent-platform accounts, and 2
   * were flagged without this).
   */
  static boolean instructed(AccountState s, long[] words, int at) {
    return product(words, at)
        || (s.activity.bursts() > 0 && s.rateOf(Features.SYSTEM) >= PRODUCT_KEY_SYSTEM);
  }

  /**
   * Whether the system-prompt bucket at {@code words[at ..]} is a product's instructions: shared by
   * at least {@link GroupEvidence#MIN_ACCOUNTS} accounts, and not dominated by flagged ones (a
   * campaign's own shared system prompt soon is).
   */
  static boolean product(long[] words, int at) {
    return LinkStore.estimate(words, at + LinkStore.ACCOUNTS) >= GroupEvidence.MIN_ACCOUNTS
        && !GroupEvidence.dominated(words, at);
  }

  /**
   * The least flagged share of each of two phrase buckets of one request that link it, where none
   * is dominated ({@link #linked}). A campaign's phrases are used by its unflagged accounts too,
   * and by people: on the third generator's seed 13 a slow-drip account's phrases read 30% to 45%
   * flagged for days (146 of 380 accounts, 172 of 423), and 47 of its 430 slow-drip accounts were
   * never flagged with one dominated phrase required. Two at a third each, in one request, is a
   * corroboration that a person's question on the same topic seldom has. Measured (2026-12-03,
   * night): one phrase at a quarter flagged 4 of seed 14's 1,590 developers (6 linked requests of
   * 121 to 175 on keys that burst, and 3 of 5); two at a quarter flagged none there, but 5 casual
   * users of the {@code usage} generator's seed 2 (trip plans: "plan a 8-day trip to Lisbon", 48
   * flagged of 155 accounts) and one of its seed 8; two at a third, none of those.
   */
  static final double ENRICHED_SHARE = 1.0 / 3;

  /**
   * The index (from 0) of the phrase bucket that links a request, of {@code count} whose words
   * start at bucket {@code from} of {@code bits}: the first that flagged accounts dominate ({@link
   * GroupEvidence#dominated}), else the first of at least two that are each {@link #ENRICHED_SHARE}
   * flagged (with {@link GroupEvidence#MIN_ACCOUNTS} accounts and {@link GroupEvidence#MIN_FLAGGED}
   * flagged); -1 if none.
   */
  static int linked(long[] bits, int from, int count) {
    int first = -1;
    int enriched = 0;
    int weakFirst = -1;
    int weak = 0;
    for (int i = 0; i < count; i++) {
      int at = (from + i) * LinkStore.WORDS;
      if (GroupEvidence.dominated(bits, at)) {
        return i;
      }
      if (GroupEvidence.flaggedShare(bits, at, ENRICHED_SHARE)) {
        first = first < 0 ? i : first;
        enriched++;
      }
      if (GroupEvidence.flaggedShare(bits, at, WEAK_SHARE)) {
        weakFirst = weakFirst < 0 ? i : weakFirst;
        weak++;
      }
    }
    return enriched >= 2 ? first : weak >= 2 ? -2 - weakFirst : NOT_LINKED;
  }

  /** What {@link #linked} returns for a request it does not link at all. */
  static final int NOT_LINKED = -1;

  /**
   * The least flagged share of each of two phrases that link a request weakly ({@link #linked}
   * returns {@code -2 - i} for such a link by phrase {@code i}): a fifth. A weak link counts
   * towards {@link #WEAK_FLAG_HITS}, never towards a watch. Since 2026-12-04: on the third
   * generator's seed 20, a small hydra beside many paraphrasing accounts, slow-drip's own unflagged
   * accounts held its phrases at 10-33% flagged for days, and 329 of its 1,156 accounts were never
   * flagged.
   */
  static final double WEAK_SHARE = 0.2;

  /**
   * Links, weak ones counted with the others, that flag an account that has not burst and elicits
   * at least {@link #MIN_ELICITING} of its recent requests, if they are at least {@link #MIN_SHARE}
   * of all its requests: the repetition is what a person's questions on a campaign's topics seldom
   * have. On seed 20, five or more such requests held 954 of its 1,156 slow-drip accounts and none
   * of its 16,730 benign ones (an instrumented replay without this rule).
   */
  static final int WEAK_FLAG_HITS = 5;

  /**
   * The most an account may hold conversations ({@link AccountState#conversing}) for weak links to
   * flag it: a person who plans trips and workouts in a chat asks what a planning campaign asks, in
   * between "why?" and "in Dutch please". Since 2026-12-04 (session 22): the usage generator's seed
   * 17 with partial metadata flagged one casual user with four weak links and one strong among 52
   * requests, once venues had let a campaign's accounts be flagged earlier; campaign accounts send
   * whole tasks: accounts with at least 30% prompts of six words or fewer (a script over every
   * third request, not committed) were 0 of 1,585 hydra, 2 of 861 stealth and 0 of 837 slow-drip
   * accounts on the usage generator's seed 10 (partial), 0 of 804, 0 of 591 and 1 of 530 on the
   * third generator's seed 5.
   */
  static final float CONVERSING_MAX = 0.3f;

  /** The phrase a link by {@link #linked} ({@code >= 0} or weak) names. */
  static int phrase(int linked) {
    return linked >= 0 ? linked : -2 - linked;
  }

  /** Strong links counted (the low half of {@link AccountState#phraseHits}). */
  static int strong(AccountState s) {
    return s.phraseHits & 0xFFFF;
  }

  /**
   * Weak links counted (bits 16 to 29, below {@link #FOLLOWED}: state written before them reads as
   * none; {@link DetectorState} version 6 holds them, version 5 drops them).
   */
  static int weak(AccountState s) {
    return (s.phraseHits >>> 16) & WEAK_MAX;
  }

  /** The reason a flag or watch by this view gives. */
  static String describe(long[] bits, int bucket, AccountState s, long n) {
    int o = bucket * LinkStore.WORDS;
    // Counted from the first strong link only where no weak one is counted: weak links may come
    // before it (and their rule takes their share of all requests), which read "154 of its 107".
    boolean fromFirst = strong(s) > 0 && weak(s) == 0;
    return String.format(
        Locale.ROOT,
        "linked by what it asks: %d of its %d requests%s elicited reasoning, plans or agent"
            + " traces about content phrases that flagged accounts dominate, or two that they"
            + " share a third of%s (%.0f flagged of %.0f accounts in the last one)",
        strong(s) + weak(s),
        fromFirst ? n - s.phraseFrom + 1 : n,
        fromFirst ? " from the first such one on" : "",
        weak(s) > 0 ? " (" + weak(s) + " of them: two a fifth flagged)" : "",
        LinkStore.estimate(bits, o + LinkStore.FLAGGED),
        LinkStore.estimate(bits, o + LinkStore.ACCOUNTS));
  }
}
