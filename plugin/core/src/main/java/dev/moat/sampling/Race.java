package dev.moat.sampling;

import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
import dev.moat.internal.RecordCache;
import dev.moat.internal.TokenHash;
import dev.moat.internal.TopTokens;
import org.jspecify.annotations.Nullable;

/**
 * The exponential race (Gumbel-max) of {@link Sampler#race}: the tokens near the maximum scored
 * exactly, every other token only if the high word of its uniform says it could win. Its own state
 * is the best candidate so far.
 *
 * <p>The tokens within a gap of the maximum (a few dozen to a few hundred, {@link #NEAR_GAP}) are
 * scored exactly. Every other token has weight {@code w < wMid = exp((cut - max) / T)}, or {@code w
 * < wFar = exp((midCut - max) / T)} below a middle tier {@link #MID_GAP} nats deeper, and since
 * {@code -ln u >= 1 - u} it can only win if {@code 1 - u < w_tier · best}: {@link
 * Kernels#uniformsAtLeast} finds those few from the high words of their uniforms, one vectorised
 * pass of 32-bit hashing, or, for a keyed seed that recurs, a {@link RaceRecords} record lists
 * them.
 *
 * <p>Not thread-safe: part of one request's {@link Sampler}. Allocation-free.
 */
final class Race {
  private static final Kernels KERNELS = Kernels.get();
  private static final double LN2 = Math.log(2);

  /**
   * The race scores exactly the tokens within a gap of the maximum: first {@value #NEAR_GAP} nats,
   * then adjusted until between {@value #NEAR_MIN} and {@value #NEAR_CAP} tokens are in.
   */
  static final float NEAR_GAP = 4f;

  static final int NEAR_MIN = 32;

  static final int NEAR_CAP = 256;

  /**
   * Below the near tokens, the race filters a middle tier this many nats deep with a looser cut on
   * the uniforms than the rest, so that the rest pass {@code e^MID_GAP} times fewer.
   */
  static final float MID_GAP = 4f;

  private final TopTokens top;
  private final int[] ids;
  private final int vocabSize;
  private final int[] block = new int[Kernels.BLOCK];
  private float invTemperature;
  private double bestRatio;
  private int bestId;
  private double lnBest;
  private double lnBestFor = Double.NaN;

  /** The keyed races' records: the process's, looked up by the first {@link #runKeyed}. */
  private RecordCache.@Nullable Table records;

  private boolean recordsLooked;

  /** A {@link RaceRecords} record, made by the first keyed race that has a table. */
  private int @Nullable [] record;

  private final int[] bandStart = new int[RaceRecords.BANDS];

  /** Races whose far tokens came from a record (for tests and benchmarks). */
  long fromRecords;

  Race(TopTokens top, int[] ids, int vocabSize) {
    this.top = top;
    this.ids = ids;
    this.vocabSize = vocabSize;
  }

  /** {@link Sampler#race} at inverse temperature {@code invT}. */
  int run(float[] logits, int offset, long seed, float invT) {
    return run(logits, offset, seed, invT, null);
  }

  /** {@link Sampler#raceKeyed} at inverse temperature {@code invT}. */
  int runKeyed(float[] logits, int offset, long seed, float invT) {
    if (!recordsLooked) {
      records = RaceRecords.shared().forVocabulary(vocabSize);
      recordsLooked = true;
    }
    return run(logits, offset, seed, invT, records);
  }

  /** Keyed races read the records of {@code table} (none: they hash, as {@link #run} does). */
  void records(RecordCache.@Nullable Table table) {
    records = table;
    recordsLooked = true;
  }

  /**
   * {@link Sampler#race} at inverse temperature {@code invT}, the far tokens read from {@code
   * records} ({@link RaceRecords}) where it holds or takes the seed's record and the record covers
   * the race's cuts; the same pick either way.
   */
  int run(float[] logits, int offset, long seed, float invT, RecordCache.@Nullable Table records) {
    this.invTemperature = invT;
    float max = top.scanMax(logits, offset);
    float floor = max - Sampler.CUTOFF / invT;
    int m = top.gather(logits, offset, floor, NEAR_GAP / invT, NEAR_MIN, NEAR_CAP);
    float cut = top.cut();
    bestRatio = Double.POSITIVE_INFINITY;
    bestId = -1;
    for (int j = 0; j < m; j++) {
      int v = ids[j];
      consider(v, logits[offset + v], max, floor, seed);
    }
    if (bestId < 0) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocabSize + " logits are -Infinity");
    }
    if (cut > floor) {
      // Below the cut, w < wMid = exp((cut - max) / T); below midCut, MID_GAP nats further down,
      // w < wFar. A token can only win if 1 - u < w * best: the filter on the uniforms applies the
      // cut for each token's tier. The margin covers float rounding.
      float midCut = Math.max(floor, cut - MID_GAP / invT);
      double wMid = Math.exp((double) (cut - max) * invT) * (1 + 1e-4);
      double wFar = Math.exp((double) (midCut - max) * invT) * (1 + 1e-4);
      if (records == null
          || !farFromRecord(records, logits, offset, seed, max, floor, cut, midCut, wMid, wFar)) {
        far(logits, offset, seed, max, floor, cut, midCut, wMid, wFar);
      }
    }
    return bestId;
  }

  /** Every token below the cut, filtered by one vectorised pass of hashing over the vocabulary. */
  private void far(
      float[] logits,
      int offset,
      long seed,
      float max,
      float floor,
      float cut,
      float midCut,
      double wMid,
      double wFar) {
    Kernels k = KERNELS;
    int[] block = this.block; // BLOCK ints: uniformsAtLeast needs as many as its length
    for (int b = 0; b < vocabSize; b += Kernels.BLOCK) {
      int n = Math.min(Kernels.BLOCK, vocabSize - b);
      int c =
          k.uniformsAtLeast(
              seed,
              b,
              n,
              logits,
              offset + b,
              midCut,
              (int) (uniformCut(wMid * bestRatio) >>> 21),
              (int) (uniformCut(wFar * bestRatio) >>> 21),
              block);
      for (int j = 0; j < c; j++) {
        int v = b + block[j];
        float l = logits[offset + v];
        if (l < cut) {
          considerFar(v, l, max, floor, seed);
        }
      }
    }
  }

  /**
   * {@link #far} from the seed's record: returns false, having scored nothing, when the race's
   * looser cut is below what a record can cover, or the record is not held and not made (the cache
   * would not take it), or it is held with a higher floor. The cuts are taken once, from the best
   * ratio after the near tokens; {@link #far} tightens them block by block, which only skips tokens
   * that cannot win, so both score every token that can.
   */
  private boolean farFromRecord(
      RecordCache.Table records,
      float[] logits,
      int offset,
      long seed,
      float max,
      float floor,
      float cut,
      float midCut,
      double wMid,
      double wFar) {
    int cutMid = (int) (uniformCut(wMid * bestRatio) >>> 21);
    int cutFar = (int) (uniformCut(wFar * bestRatio) >>> 21);
    int low = Integer.compareUnsigned(cutMid, cutFar) <= 0 ? cutMid : cutFar;
    if (Integer.compareUnsigned(low, RaceRecords.FLOOR) < 0) {
      return false;
    }
    int[] rec = record;
    if (rec == null) {
      rec = new int[records.ints()];
      record = rec;
    }
    long salt = vocabSize;
    if (!records.copy(seed, salt, rec)) {
      if (!records.wanted(seed, salt) || !build(seed, logits, offset, rec)) {
        return false;
      }
      records.offer(seed, salt, rec);
    }
    if (Integer.compareUnsigned(low, rec[0]) < 0) {
      return false;
    }
    int lowBand = RaceRecords.band(low);
    int n = rec[1];
    for (int i = 0; i < n; i++) {
      int v = rec[2 + i];
      int high = TokenHash.uniformHigh(seed, v);
      if (RaceRecords.band(high) < lowBand) {
        break; // the bands go down: every later token is below the looser cut
      }
      if (Integer.compareUnsigned(high, low) >= 0) {
        float l = logits[offset + v];
        if (l < cut && Integer.compareUnsigned(high, l >= midCut ? cutMid : cutFar) >= 0) {
          considerFar(v, l, max, floor, seed);
        }
      }
    }
    fromRecords++;
    return true;
  }

  /**
   * Writes the seed's record into {@code rec}: its floor, its count, then every token whose high
   * word is at or above the floor, highest band first. Returns false when even the highest band
   * does not fit. Uses {@link #ids} as scratch (the near tokens are scored by now).
   */
  private boolean build(long seed, float[] logits, int offset, int[] rec) {
    Kernels k = KERNELS;
    int[] found = ids;
    int n = 0;
    for (int b = 0; b < vocabSize; b += Kernels.BLOCK) {
      int len = Math.min(Kernels.BLOCK, vocabSize - b);
      int c =
          k.uniformsAtLeast(
              seed, b, len, logits, offset + b, 0f, RaceRecords.FLOOR, RaceRecords.FLOOR, block);
      for (int j = 0; j < c; j++) {
        found[n++] = b + block[j];
      }
    }
    int[] start = bandStart;
    java.util.Arrays.fill(start, 0);
    for (int i = 0; i < n; i++) {
      start[RaceRecords.band(TokenHash.uniformHigh(seed, found[i]))]++;
    }
    int capacity = rec.length - 2;
    int total = 0;
    int lowest = RaceRecords.BANDS;
    while (lowest > 0 && total + start[lowest - 1] <= capacity) {
      lowest--;
      total += start[lowest];
    }
    if (lowest == RaceRecords.BANDS) {
      return false;
    }
    int at = 2;
    for (int band = RaceRecords.BANDS - 1; band >= lowest; band--) {
      int c = start[band];
      start[band] = at;
      at += c;
    }
    for (int i = 0; i < n; i++) {
      int v = found[i];
      int band = RaceRecords.band(TokenHash.uniformHigh(seed, v));
      if (band >= lowest) {
        rec[start[band]++] = v;
      }
    }
    rec[0] = RaceRecords.FLOOR + (lowest << RaceRecords.BAND_SHIFT);
    rec[1] = total;
    return true;
  }

  /**
   * {@link #consider} behind a cheap exclusion, for tokens well below the maximum: from the high
   * word alone, {@code 1 - u >= d · 2^-32} with {@code d = 2^32 - 1 - hi >= 2^e}, so {@code ln(1 -
   * u) >= (e - 32) ln 2}, and the token cannot win when {@code ln(w · best)} is no more than that
   * (then {@code w · best <= 1 - u < -ln u}). The 1e-6 covers rounding.
   */
  private void considerFar(int v, float l, float max, float floor, long seed) {
    if (lnBestFor != bestRatio) {
      lnBest = Math.log(bestRatio);
      lnBestFor = bestRatio;
    }
    long d = 0xFFFFFFFFL - Integer.toUnsignedLong(TokenHash.uniformHigh(seed, v));
    if (d > 0) {
      int e = 63 - Long.numberOfLeadingZeros(d);
      if ((double) (l - max) * invTemperature + lnBest <= (e - 32) * LN2 - 1e-6) {
        return;
      }
    }
    consider(v, l, max, floor, seed);
  }

  /** Scores token {@code v} exactly, as the choice among {@link Sampler#candidates} would. */
  private void consider(int v, float l, float max, float floor, long seed) {
    if (l < floor || l == Float.NEGATIVE_INFINITY) {
      return; // weight 0
    }
    double u = (TokenHash.u53(seed, v) + 0.5) * 0x1.0p-53;
    if (1 - u >= bestRatio) {
      return; // -ln(u) > 1 - u >= bestRatio >= w * bestRatio (w <= 1): cannot win
    }
    float w = FloatExp.exp((l - max) * invTemperature);
    if (1 - u >= w * bestRatio) {
      return;
    }
    double ratio = -Math.log(u) / w;
    if (ratio < bestRatio || (ratio == bestRatio && v < bestId)) {
      bestRatio = ratio;
      bestId = v;
    }
  }

  /**
   * The least {@code u53} for which {@code 1 - u < q} is possible, rounded down (more tokens pass,
   * never fewer).
   */
  static long uniformCut(double q) {
    if (!(q < 1)) {
      return 0;
    }
    return Math.max(0, (long) Math.floor(0x1p53 * (1 - q)) - 2);
  }
}
