package dev.moat.sampling;

import dev.moat.internal.ExpMass;
import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
import dev.moat.internal.KeySort;
import dev.moat.internal.TopTokens;

/**
 * Top-p without weighing the whole row: the nucleus {@link Sampler} would find, token for token and
 * weight for weight, or a refusal (0) where it cannot be sure, and then the sampler weighs the row
 * as before.
 *
 * <p>The full path weighs every token within the cutoff ({@code w = (float) exp((l - max) / T)}),
 * sums the weights in double in id order ({@code S}), sorts them and keeps the shortest prefix
 * whose running sum reaches {@code S * topP}. Here: only the tokens within a gap of the maximum are
 * gathered and weighed exactly ({@link FloatExp}, the same floats), and the rest's mass is taken
 * approximately by one vector pass ({@link Kernels#expMass}, within {@link ExpMass#ERROR}); the gap
 * is widened until the gathered weights reach the target with room to spare (a request's next row
 * starts at the gap that sufficed). That bounds {@code S}, and so the target, to an interval; the
 * sorted running sum is the full path's own, so where it crosses the whole interval at one token,
 * that token ends the nucleus in both. Where the interval holds a token's running sum (a boundary
 * closer than the bound can tell), the full path decides. The interval also covers the rounding of
 * the full path's sums (8 n 2^-53 relative, for n tokens), including its per-bucket sums, so the
 * prefix it sorts holds the same crossing.
 *
 * <p>Not thread-safe: one per request, like its {@link Sampler}.
 */
final class Nucleus {
  private static final Kernels KERNELS = Kernels.get();

  /** Buckets of the full path's weights, by binary exponent. */
  static final int BUCKETS = 64;

  /**
   * Gaps below the maximum, in units of the scaled logit (nats), tried narrowest first: each 1.05
   * times the last, so that a gap found wide enough gathers little more than needed (with steps of
   * 1.2, rows of 128,256 gathered 35,000 tokens for a nucleus of 12,000). A request's first row
   * steps four, then eight at a time (1.22, 1.48), and a row that falls short of the remembered gap
   * one, then two, four and eight.
   */
  private static final float[] GAPS = gaps();

  private static float[] gaps() {
    float[] g = new float[75];
    g[0] = 1.5f;
    for (int i = 1; i < g.length; i++) {
      g[i] = g[i - 1] * 1.05f;
    }
    return g; // up to 1.5 * 1.05^74, about 55: past the cutoff of 40
  }

  private final TopTokens top;
  private final int[] ids;
  private final long[] keys;
  private final KeySort keySort;
  private final int vocab;

  /** The gap to try first: the widest recent rows needed (the rows of a request are alike). */
  private int first;

  private int rows;

  private double total;

  private final WeightBuckets buckets;

  /** Rows decided here and rows left to the full path, for tests and benchmarks. */
  long decided;

  long refused;

  /** Rows sorted whole because the buckets' sums might be inexact. */
  long inexact;

  /** Rows whose rest was the last pass's less the weights a widening added (no pass of its own). */
  long restsCarried;

  /** Of those, rows whose wider interval held a running sum, so the rest's pass was made. */
  long restsRetaken;

  Nucleus(TopTokens top, int[] ids, long[] keys, KeySort keySort, int vocab) {
    this.top = top;
    this.ids = ids;
    this.keys = keys;
    this.keySort = keySort;
    this.vocab = vocab;
    this.buckets = new WeightBuckets(vocab, keys, keySort);
  }

  private double mass(float[] logits, int offset, float max, float invT, float floor) {
    return KERNELS.expMass(logits, offset, vocab, max, invT, floor, Float.POSITIVE_INFINITY);
  }

  /** The kept weights' sum (in nucleus order) after a successful {@link #run}. */
  double total() {
    return total;
  }

  /**
   * The nucleus of mass {@code topP} of the row, in {@code ids}/{@code weights} sorted as {@link
   * Sampler}'s full path leaves them; returns its size, or 0 if the full path must decide.
   *
   * @param max the row's maximum, finite; {@link TopTokens#scanMax} done on this row
   * @param floor the cutoff: tokens below it weigh nothing
   */
  int run(float[] logits, int offset, float max, float invT, float floor, float topP, float[] w) {
    int m = 0;
    double gathered = 0;
    double rest = 0;
    boolean carried = false; // rest is lastRest less the weights a widening added
    float cut = floor;
    // With a gap remembered, one pass (the rest's mass) usually settles it. Where the remembered
    // gap falls short, the row's whole mass is that pass's rest plus the gathered weights, and the
    // gap is widened until they reach it; the new rest is the old less the weights the widening
    // added (exact), if that leaves at least half of it (its error is still the pass's: the
    // interval widens at most twofold; where that interval holds a running sum, the pass is made
    // after all), else one more pass. A request's first row estimates the whole mass by a pass
    // first, and takes the rest by one more.
    double estimate = rows == 0 ? mass(logits, offset, max, invT, floor) : Double.NaN;
    double lastRest = Double.NaN;
    double lastGathered = 0;
    double enough = topP * (1 + 4 * ExpMass.ERROR);
    int g = first;
    int step = rows == 0 ? 4 : 1;
    for (; ; g = Math.min(g + step, GAPS.length - 1), step = Math.min(2 * step, 8)) {
      float c = max - GAPS[g] / invT;
      cut = c > floor && g < GAPS.length - 1 ? c : floor; // the widest gap takes every token
      m = top.collect(logits, offset, cut);
      gathered = 0;
      for (int j = 0; j < m; j++) {
        float x = FloatExp.exp((logits[offset + ids[j]] - max) * invT);
        w[j] = x;
        gathered += x;
      }
      if (cut == floor) {
        rest = 0; // every token of weight above 0 is gathered
        break;
      }
      if (!Double.isNaN(estimate)) {
        if (gathered >= enough * estimate) {
          double less = lastRest - (gathered - lastGathered);
          if (less >= 0.5 * lastRest) {
            rest = less;
            carried = true;
            restsCarried++;
          } else {
            rest = KERNELS.expMass(logits, offset, vocab, max, invT, floor, cut);
          }
          break;
        }
        continue;
      }
      rest = KERNELS.expMass(logits, offset, vocab, max, invT, floor, cut);
      if (gathered >= enough * (gathered + rest)) {
        break; // the nucleus ends among the gathered tokens
      }
      estimate = gathered + rest;
      lastRest = rest;
      lastGathered = gathered;
    }
    // Next row: start at the gap that sufficed, every eighth row one narrower (rows change).
    first = (++rows & 7) == 0 ? Math.max(0, g - 1) : g;
    double slack = slack(vocab);
    buckets.fill(w, m);
    int crossed;
    double low;
    double high;
    for (; ; carried = false) {
      double s = gathered + rest;
      // A carried rest has the error of the pass it came from (ExpMass.ERROR of lastRest).
      double spread = 1.01 * ExpMass.ERROR * (carried ? lastRest : rest);
      low = topP * (s - spread) * (1 - slack);
      high = topP * (s + spread) * (1 + slack);
      crossed = buckets.cross(w, ids, low, high, gathered);
      if (crossed != 0 || !carried) {
        break;
      }
      // A carried rest's wider interval held a running sum: the rest's own pass narrows it.
      restsRetaken++;
      rest = KERNELS.expMass(logits, offset, vocab, max, invT, floor, cut);
    }
    if (crossed > 0) {
      decided++;
      total = buckets.total();
      return buckets.sorted(w, ids);
    }
    if (crossed == 0) {
      refused++;
      return 0;
    }
    inexact++;
    // Sums that might not be exact in another order: the running sum over every gathered token,
    // sorted.
    // Ascending keys: weight descending, then id ascending (ids were collected in increasing
    // order).
    for (int j = 0; j < m; j++) {
      keys[j] = ~(((long) Float.floatToRawIntBits(w[j]) << 32) | (~ids[j] & 0xFFFFFFFFL));
    }
    keySort.sort(keys, m);
    double cum = 0;
    for (int i = 0; i < m; i++) {
      long k = ~keys[i];
      float x = Float.intBitsToFloat((int) (k >>> 32));
      ids[i] = ~(int) k;
      w[i] = x;
      if (cum >= low) {
        break; // the previous token's running sum may already reach the target
      }
      cum += x;
      if (cum >= high) {
        double kept = 0;
        for (int j = 0; j <= i; j++) {
          kept += w[j];
        }
        total = kept;
        decided++;
        return i + 1;
      }
    }
    refused++;
    return 0;
  }

  /**
   * Reduces the first {@code n} candidates to the nucleus of mass {@code target}, sorted by weight
   * (descending, lower id first on ties), from the weights' per-bucket masses ({@link #bucket}):
   * the full path. Returns its size; {@link #total} is then the kept weights' sum.
   */
  int fromBuckets(int n, double target, double[] bucketMass, float[] weights) {
    double acc = 0;
    int lastBucket = BUCKETS - 1;
    for (int b = 0; b < BUCKETS; b++) {
      acc += bucketMass[b];
      if (acc >= target) {
        lastBucket = b;
        break;
      }
    }
    // Candidates in buckets <= lastBucket; ascending keys: weight descending, then id ascending.
    int m = 0;
    for (int i = 0; i < n; i++) {
      float w = weights[i];
      if (bucket(w) <= lastBucket) {
        keys[m++] = ~(((long) Float.floatToRawIntBits(w) << 32) | (~ids[i] & 0xFFFFFFFFL));
      }
    }
    // Distinct keys, their ids ascending as collected: a radix sort of the weights gives the order.
    keySort.sort(keys, m);
    double cum = 0;
    int keep = m;
    for (int i = 0; i < m; i++) {
      long k = ~keys[i];
      float w = Float.intBitsToFloat((int) (k >>> 32));
      ids[i] = ~(int) k;
      weights[i] = w;
      cum += w;
      if (cum >= target) {
        keep = i + 1;
        break;
      }
    }
    double kept = 0;
    for (int i = 0; i < keep; i++) {
      kept += weights[i];
    }
    total = kept;
    return keep;
  }

  /**
   * Relative room for the rounding of the full path's double sums over up to {@code vocab} float
   * weights (8 n 2^-53), and for the target's product.
   */
  static double slack(int vocab) {
    return 8.0 * vocab * 0x1p-53 + 1e-12;
  }

  /**
   * Whether weight {@code w} of token {@code id} comes before weight {@code v} of token {@code u}
   * in the full path's order: weight descending, lower id first on ties.
   */
  static boolean sortsBefore(float w, int id, float v, int u) {
    return w > v || (w == v && id < u);
  }

  /** The bucket of a weight in (0, 1]: bucket b holds [2^-(b+1), 2^-b), bucket 0 [0.5, 1]. */
  static int bucket(float w) {
    // w in (0, 1]: exponent in [-149, 0]; bucket 0 holds [0.5, 1], bucket b holds [2^-(b+1), 2^-b).
    int b = -Math.getExponent(w) - (w == 1f ? 0 : 1);
    return Math.min(BUCKETS - 1, Math.max(0, b));
  }
}
