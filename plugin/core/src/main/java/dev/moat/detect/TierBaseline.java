package dev.moat.detect;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a tier's traffic looks like now, so that an account is judged against its own tier's
 * accounts and not against a simulator's means: the distribution of the per-account scores of the
 * tier's accounts (a histogram of each account's latest score: a streaming quantile sketch over
 * accounts, not requests, so a busy account counts once), the watch threshold read off it from the
 * watch budget, and the tier's typical feature vector (for reasons).
 *
 * <p>The histogram has {@link #SCORE_BINS} bins of 1/1,024 of score below {@link #TOP}, then {@link
 * #LOGIT_BINS} bins of {@link #LOGIT_STEP} in the model's log-odds ({@link VerdictModel#logit})
 * from {@code logit(TOP)} up. A model sure of many accounts gives them all a float score of 1: with
 * score bins alone they tied in the top bin, and when that bin held more than the budget (the
 * simulator's campaigns, 9% of their tiers), nobody in the tier was watched; a campaign could hide
 * its accounts by being large. The log-odds keep ranking them (up to {@code logit(TOP) + 128}; a
 * model without a logit of its own saturates at about 16.6).
 *
 * <p>The watch threshold is the lowest bin edge above which at most {@code budget} of the tier's
 * accounts lie, and never below the model's own threshold (the floor): a deployment where every
 * account sends {@code max_tokens} 32,000 moves the whole distribution up and the threshold with
 * it, so no more than the budget of its accounts are watched on their own behaviour. Below {@link
 * #MIN_ACCOUNTS} accounts nobody is watched on behaviour alone (a quantile of a handful of accounts
 * is noise, and a fixed threshold is exactly what does not transfer between deployments).
 *
 * <p>Thread-safe: the histogram is atomic; the threshold is recomputed by the caller whose update
 * crosses a multiple of {@link #RECOMPUTE} (a scan of 1,024 bins), published through a volatile;
 * the typical vector is updated under this object's lock at an account's 1st, 2nd, 4th, 8th, ...
 * request (rarely, never per token).
 */
final class TierBaseline {
  /** Bins of 1/1,024 of score, below {@link #TOP}. */
  static final int SCORE_BINS = 1023;

  /** Bins of {@link #LOGIT_STEP} of log-odds, from {@link #TOP} up. */
  static final int LOGIT_BINS = 1024;

  static final int BINS = SCORE_BINS + LOGIT_BINS;

  /** The histogram's size in snapshots before version 3: score bins only, the last from TOP up. */
  static final int LEGACY_BINS = 1024;

  /** The score from which accounts are binned by their log-odds. */
  static final float TOP = 1023f / 1024f;

  static final float LOGIT_FROM = (float) Math.log(1023.0); // logit(TOP)
  static final float LOGIT_STEP = 0.125f;

  static final int MIN_ACCOUNTS = 200;
  static final int RECOMPUTE = 256;

  /** The share of a tier whose scores count as elevated for the group view. */
  static final double ELEVATED = 0.1;

  private final AtomicIntegerArray hist = new AtomicIntegerArray(BINS);
  private final AtomicLong accounts = new AtomicLong();
  private final AtomicLong updates = new AtomicLong();
  private final float floor;
  private final double budget;
  private volatile int thresholdBin;
  private volatile int elevatedBin;
  private final float[] typical;
  private long typicalSamples;

  TierBaseline(float floor, double budget, float[] reference) {
    this.floor = floor;
    this.budget = budget;
    this.thresholdBin = BINS;
    this.elevatedBin = BINS;
    this.typical = reference.clone();
  }

  /**
   * An account's bin: by its score below {@link #TOP}, else by its log-odds ({@code logit} is read
   * only there; callers may pass anything for a lower score).
   */
  static int bin(float score, float logit) {
    if (score < TOP) {
      return Math.max(0, (int) (score * 1024));
    }
    int k = (int) ((logit - LOGIT_FROM) / LOGIT_STEP); // NaN: 0; +Infinity: Integer.MAX_VALUE
    return SCORE_BINS + Math.min(LOGIT_BINS - 1, Math.max(0, k));
  }

  /** The lowest score of bin {@code b} (1 past the last bin). */
  static float edge(int b) {
    if (b >= BINS) {
      return 1f;
    }
    if (b < SCORE_BINS) {
      return b / 1024f;
    }
    return MlpModel.sigmoid(LOGIT_FROM + (b - SCORE_BINS) * LOGIT_STEP);
  }

  /** Moves an account's score from bin {@code from} (-1: new account) to {@code to}. */
  void move(int from, int to) {
    if (from == to) {
      return;
    }
    if (from < 0) {
      accounts.incrementAndGet();
    } else {
      hist.decrementAndGet(from);
    }
    hist.incrementAndGet(to);
    if (updates.incrementAndGet() % RECOMPUTE == 0) {
      recompute();
    }
  }

  /** An account left (evicted) with its score in {@code from}. */
  void remove(int from) {
    if (from >= 0) {
      hist.decrementAndGet(from);
      accounts.decrementAndGet();
    }
  }

  private void recompute() {
    long n = accounts.get();
    if (n < MIN_ACCOUNTS) {
      thresholdBin = BINS;
      elevatedBin = BINS;
      return;
    }
    thresholdBin = quantileBin((long) Math.floor(budget * n));
    // Ties at the top count as elevated (unlike watching): when more than a tenth of the tier
    // shares the top bin, all of it is elevated, and the group view's base rate rises with it.
    elevatedBin = Math.min(BINS - 1, quantileBin((long) Math.floor(ELEVATED * n)));
  }

  /**
   * The lowest bin with at most {@code allowed} accounts in it and above it; BINS when even the top
   * bin holds more (ties at the top: none of them stands out from its tier).
   */
  private int quantileBin(long allowed) {
    long above = 0;
    int b = BINS;
    while (b > 0 && above + hist.get(b - 1) <= allowed) {
      above += hist.get(b - 1);
      b--;
    }
    return b;
  }

  /**
   * Whether a score's bin is in the top {@link #ELEVATED} of its tier: what the group view's
   * watched set records, so that a campaign larger than the watch budget still stands out as a
   * group.
   */
  boolean elevated(int bin) {
    return bin >= elevatedBin;
  }

  /**
   * Whether a score (in bin {@code bin}) puts an account of this tier on watch: at or above the
   * model's threshold (the floor) and in a bin at or above the tier's quantile.
   */
  boolean watches(float score, int bin) {
    return score >= floor && bin >= thresholdBin;
  }

  /** The log-odds from which accounts of this tier are watched now (for a threshold near 1). */
  float thresholdLogit() {
    int b = thresholdBin;
    float floorLogit = (float) (Math.log(floor) - Math.log1p(-floor));
    if (b < SCORE_BINS) {
      double e = edge(b);
      return Math.max(floorLogit, (float) (Math.log(e) - Math.log1p(-e)));
    }
    return Math.max(floorLogit, LOGIT_FROM + (b - SCORE_BINS) * LOGIT_STEP);
  }

  /** The score from which accounts of this tier are watched now. */
  float threshold() {
    return Math.max(floor, edge(thresholdBin));
  }

  /** Folds one account's feature vector into the tier's typical account. */
  synchronized void sample(float[] x) {
    typicalSamples++;
    double w = 1.0 / Math.min(typicalSamples, 4096);
    for (int i = 0; i < typical.length; i++) {
      typical[i] += (float) ((x[i] - typical[i]) * w);
    }
  }

  /**
   * Writes the histogram and the typical account (for {@link Detector#snapshot}); before snapshot
   * version 3, with the log-odds bins folded into the last score bin.
   */
  synchronized void write(java.io.DataOutput out, int version) throws java.io.IOException {
    out.writeLong(accounts.get());
    out.writeLong(updates.get());
    int top = 0;
    for (int b = 0; b < BINS; b++) {
      if (version >= 3 || b < SCORE_BINS) {
        out.writeInt(hist.get(b));
      } else {
        top += hist.get(b);
      }
    }
    if (version < 3) {
      out.writeInt(top);
    }
    out.writeLong(typicalSamples);
    for (float f : typical) {
      out.writeFloat(f);
    }
  }

  /**
   * Reads what {@link #write} wrote for snapshot {@code version}, into this (new) baseline, and
   * recomputes its quantiles. An older file's last score bin becomes the first log-odds bin, where
   * {@link AccountState} puts its accounts' bin 1023 too.
   */
  synchronized void read(java.io.DataInput in, int version) throws java.io.IOException {
    accounts.set(in.readLong());
    updates.set(in.readLong());
    int bins = version >= 3 ? BINS : LEGACY_BINS;
    for (int b = 0; b < bins; b++) {
      hist.set(b, in.readInt());
    }
    typicalSamples = in.readLong();
    for (int i = 0; i < typical.length; i++) {
      typical[i] = in.readFloat();
    }
    recompute();
  }

  /** A copy of the tier's typical feature vector. */
  synchronized float[] typical() {
    return typical.clone();
  }
}
