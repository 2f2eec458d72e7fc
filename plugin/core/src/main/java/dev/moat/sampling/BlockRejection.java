package dev.moat.sampling;

import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
import dev.moat.internal.TopTokens;
import dev.moat.internal.WeightBounds;

/**
 * The unkeyed draw of {@link Sampler#sample} under temperature alone: an exact draw from the
 * softmax over {@link Sampler#candidates}'s tokens (every token within {@link Sampler#CUTOFF} of
 * the maximum, weight {@code w = exp((l - max) / T)} as a float) by rejection from the row's block
 * maxima, which the scan for the maximum (or the watermark's pass) writes anyway. It weighs a few
 * dozen tokens, whatever the vocabulary, and reads the row only at the tokens it proposes.
 *
 * <p>The row is cut into blocks of {@value #BLOCK} tokens (the last may be shorter). A block's
 * maximum {@code M} bounds the weight of each of its tokens; {@link WeightBounds#bound} turns it
 * into an integer {@code b >= 2^29 · W}, {@code W} the float weight of {@code M}, at most 6.2%
 * above it and with no exponential. A proposal picks a block with probability {@code b / T} ({@code
 * T} the sum of all blocks' bounds), then one of its {@value #BLOCK} slots uniformly, and is
 * accepted with probability {@code 2^29 · w / b}, {@code w} the slot's token's weight (0 past the
 * end of the row, below the cutoff or for {@code -Infinity}: a slot past the end is refused, not
 * redrawn). So a proposal is accepted as token {@code v} with probability {@code 2^29 · w_v / (64 ·
 * T)}: proportional to {@code w_v}, the block's bound cancels. The first accepted proposal is the
 * draw. The bounds are exact integers and {@code T} stays below 2^53, so the block is found exactly
 * (a uniform integer below {@code T} by Lemire's method, with its rejection) and only the
 * acceptance compares doubles (error 2^-53 relative). A token's weight never exceeds its block's
 * bound: the weight is {@code (float) Math.exp} of the same float exponent, and both are monotone.
 *
 * <p>Cost: one pass over the block maxima (a vector pass for the bounds, then a prefix sum; 2,004
 * blocks at 128,256) and {@code 64 · T / (2^29 · Σ w)} proposals on average: about 48 on Gaussian
 * rows (sd 3, measured), at most about {@code 64 · 1.06} on any row (each block's mass in its
 * maximum alone). Proposals are worked out {@link #CHUNK} at a time: their blocks are searched
 * level by level together (eight independent chains of loads, not one), their logits read in one
 * loop, and most are refused by the token's own {@link WeightBounds#bound} before its exponential;
 * the draw is the first accepted one in stream order, as if they were made one at a time. The picks
 * do not depend on the kernels' summary layout: blocks are always {@value #BLOCK} tokens, and a
 * block's bound is the largest of its summary groups' bounds, which is the bound of its maximum.
 *
 * <p>Not thread-safe: part of one request's {@link Sampler}. Allocation-free after construction.
 */
final class BlockRejection {
  /** Tokens a block, whatever the kernels' summary group. */
  static final int BLOCK = 64;

  /** Proposals worked out, and their logits read, at a time. */
  static final int CHUNK = 8;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private static final Kernels KERNELS = Kernels.get();

  private final TopTokens top;
  private final int vocabSize;
  private final int blocks;

  /** Summary entries a block, where the summary's group is smaller. */
  private final int perBlock;

  /** Tokens of full blocks: {@code (vocab / 64) · 64}; the last block starts here if shorter. */
  private final int fullEnd;

  /** The bounds of the summary's group maxima ({@link Kernels#weightBounds}). */
  private final int[] groupBounds;

  /** {@code prefix[g]}: the bounds of blocks {@code 0 .. g - 1} summed; {@code prefix[0] = 0}. */
  private final long[] prefix;

  private final long[] chunkR = new long[CHUNK];
  private final long[] chunkLow = new long[CHUNK];
  private final long[] chunkY = new long[CHUNK];
  private final int[] chunkBlock = new int[CHUNK];
  private final int[] chunkToken = new int[CHUNK];
  private final double[] chunkU = new double[CHUNK];
  private final float[] chunkLogit = new float[CHUNK];

  /** Proposals made over the instance's life (tests, diagnostics). */
  private long proposals;

  BlockRejection(TopTokens top, int vocabSize) {
    this.top = top;
    this.vocabSize = vocabSize;
    this.blocks = (vocabSize + BLOCK - 1) / BLOCK;
    int group = top.summaryGroup();
    // 0: the summary's groups do not tile a block (wider than 64, or not dividing it); the blocks'
    // maxima are then read from the row.
    this.perBlock = group <= BLOCK && BLOCK % group == 0 ? BLOCK / group : 0;
    this.fullEnd = vocabSize / BLOCK * BLOCK;
    if (blocks > 1 << 22) { // T <= blocks · (2^30 + 1) < 2^53
      throw new IllegalArgumentException("vocabulary of " + vocabSize + " is above 2^28 tokens");
    }
    this.prefix = new long[blocks + 1];
    this.groupBounds = new int[perBlock > 0 ? top.summary().length : 0];
  }

  /** One draw at inverse temperature {@code invT}, from the stream that {@code seed} starts. */
  int run(float[] logits, int offset, long seed, float invT) {
    float max = top.scanMax(logits, offset);
    if (max == Float.NEGATIVE_INFINITY) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocabSize + " logits are -Infinity");
    }
    return draw(logits, offset, seed, invT, max, bounds(logits, offset, max, invT));
  }

  /**
   * One draw from the stream that {@code seed} starts, from the block bounds the last {@link
   * #bounds} call wrote for this row at this {@code max} and {@code invT} ({@code total} its
   * answer): the top-p draw proposes several tokens a row from one set of bounds.
   */
  @SuppressWarnings("ShortCircuitBoolean") // on purpose: no branch while proposals are worked out
  int draw(float[] logits, int offset, long seed, float invT, float max, long total) {
    float floor = max - Sampler.CUTOFF / invT;
    // Lemire: x · T / 2^63 for a 63-bit x, its integer part uniform below T once the fractional
    // parts below 2^63 mod T are refused.
    long refuse = Long.remainderUnsigned(Long.MIN_VALUE, total);
    double scale = 0x1.0p82; // 2^29 units of a bound, times 2^53 for the uniform's integer
    long s = seed;
    int vocab = vocabSize;
    while (true) {
      // The chunk's block indices are searched level by level, all eight at once: a search is a
      // chain of dependent loads, and eight independent chains overlap.
      for (int j = 0; j < CHUNK; j++) {
        s += GOLDEN;
        long x = mix(s) >>> 1;
        s += GOLDEN;
        long y = mix(s);
        long hi = Math.multiplyHigh(x, total);
        long lo = x * total;
        chunkR[j] = (hi << 1) | (lo >>> 63);
        chunkLow[j] = lo & Long.MAX_VALUE;
        chunkY[j] = y;
        chunkBlock[j] = 0;
      }
      searchChunk();
      for (int j = 0; j < CHUNK; j++) {
        int g = chunkBlock[j];
        long y = chunkY[j];
        int v = g * BLOCK + (int) (y >>> 58);
        boolean usable = chunkLow[j] >= refuse & v < vocab;
        chunkToken[j] = usable ? v : -1;
        // 53 bits of y not used for the slot, times the bound: compared with w · 2^(29 + 53).
        chunkU[j] = (double) ((y >>> 5) & ((1L << 53) - 1)) * (prefix[g + 1] - prefix[g]);
      }
      for (int j = 0; j < CHUNK; j++) {
        int v = chunkToken[j];
        chunkLogit[j] = v < 0 ? Float.NEGATIVE_INFINITY : logits[offset + v];
      }
      for (int j = 0; j < CHUNK; j++) {
        float l = chunkLogit[j];
        if (!(l >= floor) || l == Float.NEGATIVE_INFINITY) {
          continue;
        }
        // Most proposals fall on a token far below its block's maximum: ruled out by its own
        // bound (at least its weight) before its exponential, which rules out nothing more.
        double u = chunkU[j];
        if (u >= WeightBounds.bound(l, max, invT) * 0x1.0p53) {
          continue;
        }
        float w = FloatExp.exp((l - max) * invT);
        if (u < w * scale) {
          proposals += j + 1;
          return chunkToken[j];
        }
      }
      proposals += CHUNK;
    }
  }

  /**
   * Writes {@link #prefix} from the blocks' maxima and returns the total, at least 2^29 (the
   * maximum's block). A block's bound is {@link WeightBounds#bound} of its maximum: from the
   * summary's groups, the largest of its groups' bounds (the bound is monotone), so the same ints
   * whatever the summary's layout.
   */
  long bounds(float[] logits, int offset, float max, float invT) {
    long[] p = prefix;
    int full = fullEnd / BLOCK;
    long acc = 0;
    int per = perBlock;
    if (per > 0) {
      int[] c = groupBounds;
      KERNELS.weightBounds(top.summary(), full * per, max, invT, c);
      if (per == 1) {
        for (int g = 0; g < full; g++) {
          acc += c[g];
          p[g + 1] = acc;
        }
      } else if (per == 2) {
        for (int g = 0; g < full; g++) {
          acc += Math.max(c[2 * g], c[2 * g + 1]);
          p[g + 1] = acc;
        }
      } else {
        for (int g = 0; g < full; g++) {
          int b = 0;
          for (int i = g * per, end = i + per; i < end; i++) {
            b = Math.max(b, c[i]);
          }
          acc += b;
          p[g + 1] = acc;
        }
      }
    } else {
      for (int g = 0; g < full; g++) {
        acc += WeightBounds.bound(rowMax(logits, offset + g * BLOCK, BLOCK), max, invT);
        p[g + 1] = acc;
      }
    }
    if (full < blocks) {
      int n = vocabSize - fullEnd;
      acc += WeightBounds.bound(rowMax(logits, offset + fullEnd, n), max, invT);
      p[blocks] = acc;
    }
    return acc;
  }

  private static float rowMax(float[] logits, int from, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = from, end = from + n; i < end; i++) {
      m = Math.max(m, logits[i]);
    }
    return m;
  }

  /**
   * For each of the chunk's {@code r} ({@code 0 <= r < T}), the block {@code g} with {@code
   * prefix[g] <= r < prefix[g + 1]} (a block of bound 0 is never found: its interval is empty).
   */
  private void searchChunk() {
    long[] p = prefix;
    long[] r = chunkR;
    int[] at = chunkBlock;
    int n = blocks;
    while (n > 1) {
      int half = n >>> 1;
      for (int j = 0; j < CHUNK; j++) {
        int lo = at[j];
        at[j] = p[lo + half] <= r[j] ? lo + half : lo;
      }
      n -= half;
    }
  }

  /** The bounds of blocks {@code 0 .. g - 1} summed, as the last draw computed them (tests). */
  long prefix(int g) {
    return prefix[g];
  }

  /** Proposals made so far (tests, diagnostics). */
  long proposals() {
    return proposals;
  }

  /** SplitMix64's output for the state {@code z}. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
