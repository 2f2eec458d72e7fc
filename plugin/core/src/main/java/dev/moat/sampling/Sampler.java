package dev.moat.sampling;

import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
import dev.moat.internal.KeySort;
import dev.moat.internal.RowSummary;
import dev.moat.internal.TokenHash;
import dev.moat.internal.TopTokens;
import dev.moat.spi.Candidates;
import dev.moat.spi.SamplingParams;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The host's sampling step for one request: temperature, then top-k, then top-p (nucleus), then a
 * draw from the request's seeded randomness. Greedy decoding (temperature 0) takes the arg-max, the
 * lowest id winning ties.
 *
 * <p>Deterministic: the same logits and seed give the same tokens on every JVM. Allocation-free per
 * token: scratch arrays of the vocabulary size are allocated once per request, only those its
 * settings need (temperature alone: one int per token of the vocabulary, and a long and at most
 * four ints per 64 tokens for the block rejection's bounds; top-p adds two longs and an int, and 96
 * KiB for its weight buckets; top-k a float; and the first {@link #candidates} call a float per
 * token). Not thread-safe: one instance per request.
 *
 * <p>Top-p: {@link #candidates} finds the nucleus from the tokens near the maximum where {@link
 * Nucleus} can prove it the same; otherwise weights {@code w = exp((l - max) / T)} are bucketed by
 * binary exponent and only the buckets whose cumulative mass first reaches {@code topP} are sorted.
 * {@link #sample} without top-k does not find the nucleus: it proposes tokens from the whole row's
 * softmax and keeps the first that {@link NucleusDraw} proves to be in it, an exact draw from the
 * nucleus's renormalised weights (since 2026-12-05, session 33; before, the walk over the sorted
 * nucleus, whose picks for a seed differ). Tokens more than {@value #CUTOFF} below the maximum
 * (scaled) weigh 0 (mass below 1e-12 even at 10^6 tokens).
 *
 * <p>Two paths avoid weighing the whole vocabulary. Under temperature alone, {@link #sample} draws
 * by rejection from the row's block maxima with the request's randomness ({@link BlockRejection}):
 * an exact softmax draw that weighs a few dozen proposed tokens. With top-k (k up to {@value
 * #MAX_GATHERED_TOP_K}), the tokens near the maximum are gathered by a vector scan and the k-th
 * largest is selected among those alone. Both give the same candidates and weights as the full
 * computation; {@link Kernels} runs their scans, with explicit SIMD where the JVM enables the
 * Vector API.
 */
public final class Sampler implements Candidates {
  /** Scaled logits this far below the maximum are treated as probability 0. */
  public static final float CUTOFF = 40f;

  /** Above this k, {@link #topKNear} would gather too much: the quickselect over the row. */
  static final int MAX_GATHERED_TOP_K = 4096;

  private final SamplingParams params;
  private final int vocabSize;
  private final SplittableRandom random;
  private float invTemperature;
  private final float baseInvTemperature;

  private final int[] ids; // scratch, reused for every token

  /** Allocated by the first {@link #candidates} call: the race and greedy paths never need it. */
  private float[] weights = new float[0];

  private final long[] keys;
  private final KeySort keySort;
  private final float[] select;
  private final double[] bucketMass = new double[Nucleus.BUCKETS];
  private final @Nullable Nucleus nucleus;
  private final boolean fastNucleus;

  /** Top-p without top-k: the draw ({@link NucleusDraw#sample}). */
  private final @Nullable NucleusDraw nucleusDraw;

  /** The tokens near the top of the current row; shares {@link #ids}. */
  private final TopTokens top;

  /** The exponential races' state (keyed, unkeyed); share {@link #top} and {@link #ids}. */
  final Race race;

  private final BlockRejection blockRejection;
  private final boolean raceable;
  private double total;

  public Sampler(SamplingParams params, int vocabSize) {
    this(params, vocabSize, new RowSummary(vocabSize));
  }

  /**
   * Takes the row's maximum and summary from {@code row} where the pass that wrote the row
   * published them. Moat's pipeline's: {@link RowSummary}'s package is not exported.
   */
  @SuppressWarnings("exports")
  public Sampler(SamplingParams params, int vocabSize, RowSummary row) {
    this.params = params;
    this.vocabSize = vocabSize;
    this.random = new SplittableRandom(params.seed());
    this.invTemperature = params.isGreedy() ? 0f : 1f / params.temperature();
    this.baseInvTemperature = invTemperature;
    this.raceable =
        !params.isGreedy()
            && params.topP() >= 1f
            && (params.topK() <= 0 || params.topK() >= vocabSize);
    this.ids = new int[vocabSize];
    this.top = new TopTokens(vocabSize, ids, row);
    this.race = new Race(top, ids, vocabSize);
    this.blockRejection = new BlockRejection(top, vocabSize);
    this.keys = params.topP() < 1f ? new long[vocabSize] : new long[0];
    this.keySort = new KeySort(params.topP() < 1f ? vocabSize : 0);
    boolean topK = params.topK() > 0 && params.topK() < vocabSize;
    this.select = topK ? new float[vocabSize] : new float[0];
    this.nucleus = params.topP() < 1f ? new Nucleus(top, ids, keys, keySort, vocabSize) : null;
    this.fastNucleus = !topK;
    this.nucleusDraw =
        params.topP() < 1f && !topK && !params.isGreedy()
            ? new NucleusDraw(top, ids, vocabSize, blockRejection, random)
            : null;
  }

  /**
   * Multiplies the request's temperature by {@code factor} (> 0) for the steps that follow, until
   * changed again: the escalation ladder's temperature jitter. No effect under greedy decoding.
   */
  public void scaleTemperature(float factor) {
    if (!(factor > 0 && factor < 100)) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid("factor", factor, "in (0, 100)"));
    }
    invTemperature = baseInvTemperature / factor;
  }

  public SamplingParams params() {
    return params;
  }

  /**
   * Picks the next token from {@code logits[offset .. offset + vocabSize)} using the request's
   * randomness.
   */
  @Override
  public int sample(float[] logits, int offset) {
    if (params.isGreedy()) {
      return top.argMax(logits, offset);
    }
    if (raceable) {
      return blockRejection.run(logits, offset, random.nextLong(), invTemperature);
    }
    NucleusDraw d = nucleusDraw;
    if (d != null) {
      return d.sample(this, logits, offset, invTemperature, params.topP());
    }
    return walk(candidates(logits, offset));
  }

  /** The walk over {@link #candidates}'s {@code n} candidates with the next uniform. */
  int walk(int n) {
    double u = random.nextDouble() * total;
    double acc = 0;
    for (int i = 0; i < n - 1; i++) {
      acc += weights[i];
      if (u < acc) {
        return ids[i];
      }
    }
    return ids[n - 1];
  }

  /**
   * Applies temperature, top-k and top-p to the row and leaves the surviving tokens, with their
   * unnormalised weights, in {@link #candidateId}/{@link #candidateWeight}; returns how many
   * survive (at least 1). Protections that own sampling choose among these. Greedy requests yield
   * the arg-max alone.
   */
  @Override
  public int candidates(float[] logits, int offset) {
    if (weights.length == 0) {
      weights = new float[vocabSize]; // once per request
    }
    if (params.isGreedy()) {
      ids[0] = top.argMax(logits, offset);
      weights[0] = 1f;
      total = 1;
      return 1;
    }
    float max = top.scanMax(logits, offset);
    float floor = max - CUTOFF / invTemperature;
    int topK = params.topK();
    boolean keepTies = true;
    if (topK > 0 && topK <= MAX_GATHERED_TOP_K && topK < vocabSize) {
      int n = topKNear(logits, offset, max, floor, topK);
      if (n > 0) {
        return n;
      }
    }
    if (topK > 0 && topK < vocabSize) {
      System.arraycopy(logits, offset, select, 0, vocabSize);
      float kth = TopTokens.kthLargest(select, vocabSize, topK);
      if (kth > floor) {
        floor = kth;
        keepTies = false;
      }
    }
    Nucleus fast = nucleus;
    if (fast != null && fastNucleus && max > Float.NEGATIVE_INFINITY) {
      int n = fast.run(logits, offset, max, invTemperature, floor, params.topP(), weights);
      if (n > 0) {
        total = fast.total();
        return n;
      }
    }
    // Gather the candidates and their weights; track mass per binary-exponent bucket for top-p.
    java.util.Arrays.fill(bucketMass, 0d);
    int n = 0;
    int aboveFloor = 0;
    double sum = 0;
    if (!keepTies) {
      // Exactly topK tokens: everything strictly above the k-th value, then ties in id order.
      for (int i = 0; i < vocabSize; i++) {
        if (logits[offset + i] > floor) {
          aboveFloor++;
        }
      }
    }
    int tiesLeft = keepTies ? Integer.MAX_VALUE : topK - aboveFloor;
    for (int i = 0; i < vocabSize; i++) {
      float l = logits[offset + i];
      if (l < floor || l == Float.NEGATIVE_INFINITY) {
        continue;
      }
      if (l == floor && !keepTies) {
        if (tiesLeft <= 0) {
          continue;
        }
        tiesLeft--;
      }
      float w = FloatExp.exp((l - max) * invTemperature);
      ids[n] = i;
      weights[n] = w;
      n++;
      sum += w;
      bucketMass[Nucleus.bucket(w)] += w;
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocabSize + " logits are -Infinity");
    }
    total = sum;
    Nucleus p = nucleus;
    if (p != null && n > 1) {
      n = p.fromBuckets(n, sum * params.topP(), bucketMass, weights);
      total = p.total();
    }
    return n;
  }

  /**
   * The top-k path without weighing the whole vocabulary: gathers a superset of the k largest
   * ({@link TopTokens#gatherTopGroups}, else by a gap), selects the k-th largest among those alone
   * and builds the candidates from them, as the full path would. Returns 0 when the full path must
   * decide (the k-th largest is no higher than {@code floor}, where ties are kept).
   */
  private int topKNear(float[] logits, int offset, float max, float floor, int topK) {
    int m = top.gatherTopGroups(logits, offset, floor, topK);
    if (m == 0) {
      m = top.gather(logits, offset, floor, 1f, topK, Math.max(4 * topK, Race.NEAR_CAP));
    }
    if (m < topK) {
      return 0; // fewer than k tokens above the floor: the full path keeps ties at the floor
    }
    for (int j = 0; j < m; j++) {
      select[j] = logits[offset + ids[j]];
    }
    float kth = TopTokens.kthLargest(select, m, topK);
    if (!(kth > floor)) {
      return 0;
    }
    int aboveFloor = 0;
    for (int j = 0; j < m; j++) {
      if (logits[offset + ids[j]] > kth) {
        aboveFloor++;
      }
    }
    java.util.Arrays.fill(bucketMass, 0d);
    int tiesLeft = topK - aboveFloor;
    int n = 0;
    double sum = 0;
    for (int j = 0; j < m; j++) {
      int i = ids[j];
      float l = logits[offset + i];
      if (l < kth) {
        continue;
      }
      if (l == kth) {
        if (tiesLeft <= 0) {
          continue;
        }
        tiesLeft--;
      }
      float w = FloatExp.exp((l - max) * invTemperature);
      ids[n] = i; // n <= j: overwrites only entries already read
      weights[n] = w;
      n++;
      sum += w;
      bucketMass[Nucleus.bucket(w)] += w;
    }
    total = sum;
    Nucleus p = nucleus;
    if (p != null && n > 1) {
      n = p.fromBuckets(n, sum * params.topP(), bucketMass, weights);
      total = p.total();
    }
    return n;
  }

  /**
   * True when {@link #race} applies: temperature alone (not greedy, no top-k below the vocabulary,
   * no top-p below 1).
   */
  @Override
  public boolean canRace() {
    return raceable;
  }

  /** A fresh 64-bit seed from the request's seeded randomness, for an unkeyed {@link #race}. */
  @Override
  public long nextSeed() {
    return random.nextLong();
  }

  /**
   * The exponential race (Gumbel-max) over the whole row under temperature alone: the token {@code
   * v} minimising {@code -ln(u(seed, v)) / w(v)} over the candidates {@link #candidates} would give
   * (every token within {@link #CUTOFF} of the maximum, {@code w = exp((l - max) / T)}), the lowest
   * id on ties, where {@code u(seed, v) = (u53(seed, v) + 0.5) · 2^-53} ({@link TokenHash#u53}).
   * With a random seed it is an exact draw from the softmax; with a keyed seed it is the Gumbel
   * watermark's pick (moat-gumbel-v2). It never weighs the whole vocabulary ({@link Race}).
   *
   * @throws IllegalStateException if {@link #canRace()} is false
   */
  @Override
  public int race(float[] logits, int offset, long seed) {
    return race.run(logits, offset, seed, raceable());
  }

  /**
   * {@link #race} for a keyed seed, the far tokens read from the process's {@link RaceRecords}
   * where the seed recurs: the same pick, bit for bit; throws as {@link #race} does.
   */
  @Override
  public int raceKeyed(float[] logits, int offset, long seed) {
    return race.runKeyed(logits, offset, seed, raceable());
  }

  /** The inverse temperature, if the races apply. */
  private float raceable() {
    if (!raceable) {
      throw new IllegalStateException("race needs temperature sampling without top-k or top-p");
    }
    return invTemperature;
  }

  /** The top-p draw's membership test, for the package's tests; null unless top-p without top-k. */
  @Nullable NucleusDraw nucleusDrawForTests() {
    return nucleusDraw;
  }

  /** The top-p state, for the package's tests; null without top-p. */
  @Nullable Nucleus nucleusForTests() {
    return nucleus;
  }

  /** Token id of candidate {@code i} from the last {@link #candidates} call. */
  @Override
  public int candidateId(int i) {
    return ids[i];
  }

  /**
   * Unnormalised weight of candidate {@code i}; divide by {@link #candidateTotal()} for a
   * probability.
   */
  @Override
  public float candidateWeight(int i) {
    return weights[i];
  }

  /** Sum of the weights of the last {@link #candidates} call's survivors. */
  @Override
  public double candidateTotal() {
    return total;
  }

  /** A uniform double in [0, 1) from the request's seeded randomness. */
  @Override
  public double nextUniform() {
    return random.nextDouble();
  }
}
