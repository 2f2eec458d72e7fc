package dev.moat.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One account's streaming state: its {@link Activity}, exponentially weighted prompt-shape and
 * linking rates, a 512-bit set of the templates it used (for novelty), and its flag. O(1) per
 * request; about 850 bytes per account with its cache entry (perf's DetectorFootprint). It also
 * holds the account's graduated {@link Suspicion} level and when each level last had evidence. The
 * detector serialises updates by locking the instance at request start (never per token); {@link
 * #latest} is read without locking.
 */
final class AccountState {
  private static final int MAX_WINDOW = 50;
  // Rates, by feature index minus COT.
  private static final int RATES = Features.TEMPERATURE - Features.COT + 1;

  final String account;
  final int bit;
  final Activity activity = new Activity();
  private final float[] rates = new float[RATES];
  private final int[] counts = new int[RATES];
  private final long[] seen = new long[8];
  int lastOutput = -1;

  /** The graduated level now, and when evidence for each level was last seen (trace time). */
  Suspicion level = Suspicion.NONE;

  long watchEvidence = Long.MIN_VALUE;
  long flagEvidence = Long.MIN_VALUE;

  /** When an admin last cleared the account (no new flag for the decay period), or MIN_VALUE. */
  long clearedAt = Long.MIN_VALUE;

  /** An admin's pin in force at its last request or since ({@link Detector#pin}), or null. */
  @Nullable AccountPin pin;

  /** The flag evidence time last told the fleet ({@link FleetMarks}), or MIN_VALUE. */
  long fleetShared = Long.MIN_VALUE;

  /**
   * The watch evidence time last told the fleet ({@link FleetMarks}), or MIN_VALUE; not kept in
   * snapshots (after a restore the next request tells it again).
   */
  long watchShared = Long.MIN_VALUE;

  /** Whether its own behaviour put it in the top tenth of its tier (it marks buckets watched). */
  boolean watchedByScore;

  /** The tier baseline it is counted in, and its score's bin there (-1: not yet). */
  @Nullable TierBaseline tier;

  int scoreBin = -1;

  /** Its age class at its first request ({@link Tenure}), counted in the base rate of youth. */
  int firstAge = Tenure.NEITHER;

  long flaggedAt = -1;
  long requestsBeforeFlag = -1;
  long groupKey;
  @Nullable String group;

  // Whether its first request gave its age (for Tenure's count; recomputed at restore).
  boolean firstAgeGiven;

  /** The lowest turn it has sent ({@link #laterTurn}); {@link Integer#MAX_VALUE} before any. */
  int lowestTurn = Integer.MAX_VALUE;

  /** Weighted requests into coordinated buckets since the last decay or clear. */
  int groupHits;

  /**
   * Its requests into coordinated templates (or, where they count for it, dominated ones) since the
   * last decay or clear, the same prompt again aside; and of those, the ones that counted towards
   * {@link #groupHits}. A template's evidence flags only an account that uses it as a campaign does
   * ({@link #groupFlags}).
   */
  int templateRequests;

  int templateCounted;

  /**
   * Its requests whose content phrases link it ({@link PhraseEvidence#linked}), whatever they ask
   * and at whatever pace, since the last decay or clear ({@link PhraseEvidence#TOPICAL_SHARE}).
   */
  int phraseTopical;

  /**
   * The skeleton of its last request that counted towards {@link #groupHits} (0: none): the same
   * prompt sent again (a regeneration, a second paste) adds no evidence.
   */
  long countedSkeleton;

  /**
   * The share of its last {@value #MAX_WINDOW} or so requests that continue a conversation: a later
   * turn, or a prompt too short to stand alone ("make it async", "use rust instead"), which is how
   * a conversation reads where a trace gives no turns. A harvest sends whole tasks.
   */
  float conversing;

  private int conversingCount;

  /** The {@link Cohorts} slot of the network of its first request as a young account, or -1. */
  int startSlot = -1;

  /**
   * Eliciting requests linked to a flagged campaign ({@link PhraseEvidence}): strong links in bits
   * 0-15, weak ones in 16-29, and in bits 30-31 whether the latest strong link on a key that has
   * burst is still to be settled by the pace of the requests after it ({@link
   * PhraseEvidence#settle}).
   */
  int phraseHits;

  /** The account's request count at its first such request (the share is counted from there). */
  long phraseFrom = -1;

  @Nullable List<String> reasons;
  @Nullable List<String> samples;
  @Nullable List<String> linked;
  volatile @Nullable Verdict latest;

  AccountState(String account) {
    this.account = account;
    this.bit = LinkStore.bitOf(account);
  }

  /** Folds one request into {@link #conversing}. */
  void converse(boolean continues) {
    int n = Math.min(++conversingCount, MAX_WINDOW);
    conversing += ((continues ? 1 : 0) - conversing) / n;
  }

  /** Folds {@code x} into rate {@code feature}. */
  void rate(int feature, double x) {
    int i = feature - Features.COT;
    int n = Math.min(++counts[i], MAX_WINDOW);
    rates[i] += (float) ((x - rates[i]) / n);
  }

  float rateOf(int feature) {
    return rates[feature - Features.COT];
  }

  /** Whether neither of two template keys was used by this account before; records them. */
  boolean novel(long a, long b) {
    int ia = (int) (a >>> 55);
    int ib = (int) (b >>> 55);
    boolean old = (seen[ia >>> 6] & (1L << ia)) != 0 && (seen[ib >>> 6] & (1L << ib)) != 0;
    seen[ia >>> 6] |= 1L << ia;
    seen[ib >>> 6] |= 1L << ib;
    return !old;
  }

  void addSample(String prompt) {
    if (samples == null) {
      samples = List.of();
    }
    if (samples.size() < 3) {
      List<String> more = new ArrayList<>(samples);
      more.add(dev.moat.internal.Messages.clip(prompt, 160, "…"));
      samples = List.copyOf(more);
    }
  }

  /** A level's code in snapshots: fixed here, not by the enum's declaration order. */
  private static int code(Suspicion level) {
    return switch (level) {
      case NONE -> 0;
      case WATCH -> 1;
      case FLAG -> 2;
    };
  }

  /**
   * Writes everything but the tier and the verdict (for {@link Detector#snapshot}), in the layout
   * of snapshot {@code version} (from 2 on, the pin; before 3, a log-odds bin as the last score
   * bin).
   */
  void write(java.io.DataOutput out, int version) throws java.io.IOException {
    activity.write(out, version);
    for (int i = 0; i < RATES; i++) {
      out.writeFloat(rates[i]);
      out.writeInt(counts[i]);
    }
    for (long w : seen) {
      out.writeLong(w);
    }
    out.writeInt(lastOutput);
    out.writeByte(code(level));
    out.writeLong(watchEvidence);
    out.writeLong(flagEvidence);
    out.writeLong(clearedAt);
    out.writeBoolean(watchedByScore);
    out.writeInt(version >= 3 ? scoreBin : Math.min(scoreBin, TierBaseline.SCORE_BINS));
    out.writeLong(flaggedAt);
    out.writeLong(requestsBeforeFlag);
    out.writeLong(groupKey);
    out.writeInt(groupHits);
    if (version >= 5) {
      out.writeInt(version >= 6 ? phraseHits : phraseHits & 0xFFFF); // 5: strong links only
      out.writeLong(phraseFrom);
    }
    if (version >= 7) {
      out.writeInt(startSlot);
      out.writeInt(conversingCount);
      out.writeFloat(conversing);
    }
    if (version >= 8) {
      out.writeLong(countedSkeleton);
    }
    if (version >= 9) {
      out.writeInt(templateRequests);
      out.writeInt(templateCounted);
      out.writeInt(phraseTopical);
      out.writeInt(lowestTurn);
    }
    DetectorState.writeStrings(out, reasons);
    DetectorState.writeStrings(out, samples);
    if (version >= 2) {
      AccountPin p = pin;
      out.writeBoolean(p != null);
      if (p != null) {
        out.writeUTF(p.encode());
      }
    }
  }

  /** Reads what {@link #write} wrote for snapshot {@code version}, into this (new) state. */
  void read(java.io.DataInput in, int version) throws java.io.IOException {
    activity.read(in, version);
    for (int i = 0; i < RATES; i++) {
      rates[i] = in.readFloat();
      counts[i] = in.readInt();
    }
    for (int i = 0; i < seen.length; i++) {
      seen[i] = in.readLong();
    }
    lastOutput = in.readInt();
    int l = in.readUnsignedByte();
    level =
        switch (l) {
          case 0 -> Suspicion.NONE;
          case 1 -> Suspicion.WATCH;
          case 2 -> Suspicion.FLAG;
          default ->
              throw new java.io.IOException(
                  "account " + account + ": level " + l + " is not 0, 1 or 2");
        };
    watchEvidence = in.readLong();
    flagEvidence = in.readLong();
    clearedAt = in.readLong();
    watchedByScore = in.readBoolean();
    scoreBin = in.readInt();
    int bins = version >= 3 ? TierBaseline.BINS : TierBaseline.LEGACY_BINS;
    if (scoreBin < -1 || scoreBin >= bins) {
      throw new java.io.IOException(
          "account " + account + ": score bin " + scoreBin + " is not in [-1, " + bins + ")");
    }
    flaggedAt = in.readLong();
    requestsBeforeFlag = in.readLong();
    groupKey = in.readLong();
    group = groupKey != 0 ? group(groupKey) : null;
    groupHits = in.readInt();
    phraseHits = version >= 5 ? in.readInt() : 0;
    phraseFrom = version >= 5 ? in.readLong() : -1;
    startSlot = version >= 7 ? in.readInt() : -1;
    // Before version 7: the share of later turns (the first-turn rate's complement) stands in.
    conversingCount = version >= 7 ? in.readInt() : counts[Features.FIRST_TURN - Features.COT];
    conversing =
        version >= 7 ? in.readFloat() : conversingCount > 0 ? 1 - rateOf(Features.FIRST_TURN) : 0;
    countedSkeleton = version >= 8 ? in.readLong() : 0;
    templateRequests = version >= 9 ? in.readInt() : 0; // before 9: the hits alone flag
    templateCounted = version >= 9 ? in.readInt() : 0;
    phraseTopical = version >= 9 ? in.readInt() : 0;
    lowestTurn = version >= 9 ? in.readInt() : 0; // before 9: turns counted from 0
    if (templateRequests < 0
        || templateCounted < 0
        || templateCounted > templateRequests
        || phraseTopical < 0
        || lowestTurn < 0) {
      throw new java.io.IOException(
          String.format(
              Locale.ROOT,
              "account %s: %d counted of %d requests into coordinated templates, %d requests about"
                  + " flagged phrases, lowest turn %d: each must be at least 0, and counted at"
                  + " most the requests",
              account,
              templateCounted,
              templateRequests,
              phraseTopical,
              lowestTurn));
    }
    if (startSlot < -1 || startSlot >= Cohorts.SLOTS) {
      throw new java.io.IOException(
          "account "
              + account
              + ": start slot "
              + startSlot
              + " is not in [-1, "
              + Cohorts.SLOTS
              + ")");
    }
    reasons = DetectorState.readStrings(in);
    samples = DetectorState.readStrings(in);
    if (version >= 2 && in.readBoolean()) {
      String line = in.readUTF();
      try {
        pin = AccountPin.decode(line);
      } catch (IllegalArgumentException e) {
        throw new java.io.IOException("account " + account + ": " + e.getMessage(), e);
      }
    }
  }

  /** The feature vector now, into {@code x}. */
  void features(float[] x) {
    Activity a = activity;
    long n = a.requests();
    x[Features.REQUESTS] = (float) (Math.log1p((double) n) / 8);
    x[Features.RATE] = (float) (Math.log1p(a.requestsPerDay()) / 8);
    x[Features.GAP_MEAN] = (float) (a.logGapMean() / 12);
    x[Features.GAP_SPREAD] = (float) (a.logGapSpread() / 3);
    x[Features.HOUR_ENTROPY] = (float) (a.hourEntropy() / 4.585);
    x[Features.CLIENTS] = (float) Math.min(1, a.distinctClients() / Math.max(1, n));
    double age = a.ageAtFirstDays();
    x[Features.AGE] = age < 0 ? 0 : (float) (Math.log1p(age) / 7);
    x[Features.AGE_KNOWN] = age < 0 ? 0 : 1;
    for (int f = Features.COT; f <= Features.TEMPERATURE; f++) {
      x[f] = rates[f - Features.COT];
    }
  }

  /**
   * Whether a request with {@code turn} continues a conversation: its turn is above the lowest the
   * account has sent. The trace format counts turns from 0, but a client or a log may count them
   * from 1 (the fourth generator does); a request without a turn (negative) neither continues one
   * nor sets the lowest. Plugin README, "Turns counted from 1" and "Requests without a turn".
   */
  boolean laterTurn(int turn) {
    lowestTurn = turn < 0 ? lowestTurn : Math.min(lowestTurn, turn);
    return turn > lowestTurn;
  }

  /**
   * Counts a request whose template is coordinated for this account (evidence after the dominated
   * filter), which adds {@code hits} ({@link GroupEvidence#counted}) unless it is the prompt that
   * counted last (a regeneration or a second paste: no new topic, and no request either way).
   */
  void countTemplate(int hits, long skeleton) {
    if (skeleton == countedSkeleton || templateRequests >= TEMPLATE_CAP) {
      return; // past the cap the share is settled; no count overflows (hits are at most 2)
    }
    templateRequests++;
    if (hits > 0) {
      groupHits += hits;
      templateCounted++;
      countedSkeleton = skeleton;
    }
  }

  /**
   * Whether its group evidence flags it: {@link Detector#FLAG_HITS} hits, from requests that are at
   * least {@link #TEMPLATE_USE} of its requests into coordinated templates. A campaign account
   * sends into its campaign's templates what the campaign harvests; a product that pastes the
   * passages a flagged customer pastes (a labelling vendor's items, say) sends mostly what does not
   * count there, a summary or a translation asked for. Measured on the fourth generator's seeds
   * 109, 120, 122 and 124 at the trace's end, accounts with ten or more such requests: resellers'
   * keys, which also relay their customers' pasted texts, 63% or more counted, its other campaigns'
   * accounts 60% or more; its support bots, translation pipelines and enterprise apps 16% at most
   * (plugin README, "How an account uses a template"). Early, a few requests decide: a service
   * account with 2 of its first 3 counted is flagged.
   */
  boolean groupFlags() {
    return groupHits >= Detector.FLAG_HITS && templateCounted >= TEMPLATE_USE * templateRequests;
  }

  /** The evidence a decay or a clearing removes with the level. */
  void forgetEvidence() {
    groupHits = 0;
    phraseHits = 0;
    templateRequests = 0;
    templateCounted = 0;
    phraseTopical = 0;
  }

  /** {@link #groupFlags}: the least share of its requests into coordinated templates that count. */
  static final double TEMPLATE_USE = 0.25;

  static final int TEMPLATE_CAP = 1 << 28; // the most requests countTemplate counts

  /** A campaign group's name: {@code g-} and the template bucket's key in hex. */
  static String group(long key) {
    return "g-" + Long.toHexString(key).substring(0, Math.min(12, Long.toHexString(key).length()));
  }
}
