package dev.moat.sampling;

import dev.moat.SamplingParams;
import java.util.SplittableRandom;

/**
 * The host's sampling step for one request: temperature, then top-k, then top-p (nucleus), then a
 * draw from the request's seeded randomness. Greedy decoding (temperature 0) takes the arg-max, the
 * lowest id winning ties.
 *
 * <p>Deterministic: the same logits and seed give the same tokens on every JVM. Allocation-free per
 * token: scratch arrays of the vocabulary size are allocated once, in the constructor. Not
 * thread-safe: one instance per request.
 *
 * <p>How top-p avoids sorting the vocabulary: weights {@code w = exp((l - max) / T)} are bucketed
 * by their binary exponent ({@code w} in {@code [2^-(b+1), 2^-b)} goes to bucket {@code b}); the
 * nucleus is contained in the buckets whose cumulative mass first reaches {@code topP}, so only the
 * tokens in those buckets are sorted. Tokens whose scaled logit is more than {@value #CUTOFF} below
 * the maximum get weight 0 (their total mass is below 1e-12 even at a vocabulary of 10^6).
 */
public final class Sampler {
  /** Scaled logits this far below the maximum are treated as probability 0. */
  static final float CUTOFF = 40f;

  private static final int BUCKETS = 64;

  private final SamplingParams params;
  private final int vocabSize;
  private final SplittableRandom random;
  private final float invTemperature;

  // Scratch, reused for every token.
  private final int[] ids;
  private final float[] weights;
  private final long[] keys;
  private final float[] select;
  private final double[] bucketMass = new double[BUCKETS];
  private int count;
  private double total;

  public Sampler(SamplingParams params, int vocabSize) {
    this.params = params;
    this.vocabSize = vocabSize;
    this.random = new SplittableRandom(params.seed());
    this.invTemperature = params.isGreedy() ? 0f : 1f / params.temperature();
    this.ids = new int[vocabSize];
    this.weights = new float[vocabSize];
    this.keys = new long[vocabSize];
    this.select =
        params.topK() > 0 && params.topK() < vocabSize ? new float[vocabSize] : new float[0];
  }

  public SamplingParams params() {
    return params;
  }

  /**
   * Picks the next token from {@code logits[offset .. offset + vocabSize)} using the request's
   * randomness.
   */
  public int sample(float[] logits, int offset) {
    if (params.isGreedy()) {
      return argMax(logits, offset, vocabSize);
    }
    int n = candidates(logits, offset);
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
  public int candidates(float[] logits, int offset) {
    if (params.isGreedy()) {
      ids[0] = argMax(logits, offset, vocabSize);
      weights[0] = 1f;
      total = 1;
      return count = 1;
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabSize; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    float floor = max - CUTOFF / invTemperature;
    int topK = params.topK();
    boolean keepTies = true;
    if (topK > 0 && topK < vocabSize) {
      System.arraycopy(logits, offset, select, 0, vocabSize);
      float kth = kthLargest(select, vocabSize, topK);
      if (kth > floor) {
        floor = kth;
        keepTies = false;
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
      float w = (float) Math.exp((l - max) * invTemperature);
      ids[n] = i;
      weights[n] = w;
      n++;
      sum += w;
      bucketMass[bucket(w)] += w;
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocabSize + " logits are -Infinity");
    }
    total = sum;
    count = n;
    float topP = params.topP();
    if (topP < 1f && n > 1) {
      n = nucleus(n, sum * topP);
    }
    return n;
  }

  /** Token id of candidate {@code i} from the last {@link #candidates} call. */
  public int candidateId(int i) {
    return ids[i];
  }

  /**
   * Unnormalised weight of candidate {@code i}; divide by {@link #candidateTotal()} for a
   * probability.
   */
  public float candidateWeight(int i) {
    return weights[i];
  }

  /** Sum of the weights of the last {@link #candidates} call's survivors. */
  public double candidateTotal() {
    return total;
  }

  /** A uniform double in [0, 1) from the request's seeded randomness. */
  public double nextUniform() {
    return random.nextDouble();
  }

  /** Index of the largest value in the row; the lowest index wins ties. */
  public static int argMax(float[] logits, int offset, int length) {
    int best = 0;
    float bestValue = logits[offset];
    for (int i = 1; i < length; i++) {
      float v = logits[offset + i];
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    return best;
  }

  private static int bucket(float w) {
    // w in (0, 1]: exponent in [-149, 0]; bucket 0 holds [0.5, 1], bucket b holds [2^-(b+1), 2^-b).
    int b = -Math.getExponent(w) - (w == 1f ? 0 : 1);
    return Math.min(BUCKETS - 1, Math.max(0, b));
  }

  /**
   * Reduces the first {@code n} candidates to the nucleus of mass {@code target}, sorted by weight
   * (descending, lower id first on ties). Returns its size.
   */
  private int nucleus(int n, double target) {
    double acc = 0;
    int lastBucket = BUCKETS - 1;
    for (int b = 0; b < BUCKETS; b++) {
      acc += bucketMass[b];
      if (acc >= target) {
        lastBucket = b;
        break;
      }
    }
    // Keep only candidates in buckets <= lastBucket, as sortable keys.
    int m = 0;
    for (int i = 0; i < n; i++) {
      float w = weights[i];
      if (bucket(w) <= lastBucket) {
        keys[m++] = ((long) Float.floatToRawIntBits(w) << 32) | (~ids[i] & 0xFFFFFFFFL);
      }
    }
    heapSortDescending(keys, m);
    double cum = 0;
    int keep = m;
    for (int i = 0; i < m; i++) {
      long k = keys[i];
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
    count = keep;
    return keep;
  }

  /** In-place heap sort, descending; allocation-free and deterministic. */
  static void heapSortDescending(long[] a, int n) {
    // Build a min-heap, then repeatedly move the minimum to the end: the result is descending.
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDownMin(a, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      long t = a[0];
      a[0] = a[end];
      a[end] = t;
      siftDownMin(a, 0, end);
    }
  }

  private static void siftDownMin(long[] a, int i, int n) {
    long x = a[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && a[c + 1] < a[c]) {
        c++;
      }
      if (a[c] >= x) {
        break;
      }
      a[i] = a[c];
      i = c;
    }
    a[i] = x;
  }

  /** The k-th largest value (1-based) of {@code a[0..n)}, by quickselect; reorders {@code a}. */
  static float kthLargest(float[] a, int n, int k) {
    int target = k - 1;
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      // Median of three for a pivot; descending partition.
      int mid = (lo + hi) >>> 1;
      float pivot = median(a[lo], a[mid], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] > pivot) {
          i++;
        }
        while (a[j] < pivot) {
          j--;
        }
        if (i <= j) {
          float t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (target <= j) {
        hi = j;
      } else if (target >= i) {
        lo = i;
      } else {
        return a[target];
      }
    }
    return a[target];
  }

  private static float median(float a, float b, float c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
