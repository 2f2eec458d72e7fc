package dev.moat.sampling;

import dev.moat.internal.FloatExp;
import dev.moat.internal.TopTokens;

/**
 * The unkeyed exponential race of {@link Sampler#sample} under temperature alone: an exact draw
 * from the softmax over {@link Sampler#candidates}'s tokens (every token within {@link
 * Sampler#CUTOFF} of the maximum, weight {@code w = exp((l - max) / T)} as a float) that neither
 * weighs nor hashes the whole vocabulary.
 *
 * <p>The draw is the token minimising {@code E_v / w_v} for independent {@code E_v ~ Exp(1)}. The
 * tokens within a gap of the maximum ({@link #NEAR_GAP}, gathered as {@link Race} does) draw their
 * {@code E_v} from a SplitMix64 stream seeded per token; call {@code best} the least ratio among
 * them. Every other token has {@code w_v < wMid = exp((cut - max) / T)}, so it can only win if
 * {@code E_v < t = wMid · best}: each does so independently with probability {@code p = 1 - e^-t},
 * so the positions that do are reached by geometric skips ({@code floor(Exp(1) / t)} tokens passed
 * over each time), and at such a position {@code E_v} is drawn from {@code Exp(1)} conditioned on
 * {@code E_v < t}. A position that falls on a gathered token or on one of weight 0 is passed over:
 * its far-phase variable is independent of everything else, so the draw stays exact. The expected
 * number of positions is {@code vocab · t}: 220 to 530 on average on Gaussian rows (sd 3) of
 * 128,256 (measured; more where the maximum stands far above the rest).
 *
 * <p>Three things keep a position cheap without changing any draw. The positions are worked out
 * {@link #CHUNK} at a time and their logits read in one loop, so that the loads of a row just
 * streamed through overlap instead of waiting on each other; a position that draws nothing ends its
 * chunk. A chunk's skips, each a logarithm and a division, are computed in a loop of their own
 * before any is used, so they overlap too (computed in the loop that walks the positions, each had
 * waited on the last: a harness measured the far phase at 6.6 us a draw before and 2.9 us after,
 * Gaussian rows of 128,256). And a token is ruled out before its exponential and logarithm wherever
 * a bound ({@link #expBound}: within a factor of two of its weight, by integer arithmetic) already
 * shows that it cannot win, as most far tokens and most gathered ones can be.
 *
 * <p>Not thread-safe: part of one request's {@link Sampler}. Allocation-free.
 */
final class SkipRace {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private static final double LOG2_E = 1.4426950408889634;

  /** Far positions worked out, and their logits read, at a time. */
  static final int CHUNK = 16;

  /**
   * The gathered tier: the tokens within this many nats of the maximum, adjusted until between
   * {@link #NEAR_MIN} and {@link #NEAR_CAP} are in. Wider than {@link Race}'s, whose far tokens
   * cost a hash each whatever the gap, since here each far position reached costs more than a
   * gathered token (measured best between 5 and 6 nats on Gaussian rows of 128,256).
   */
  static final float NEAR_GAP = 5f;

  static final int NEAR_MIN = 64;

  static final int NEAR_CAP = 512;

  private final TopTokens top;
  private final int[] ids;
  private final int vocabSize;
  private final int[] chunk = new int[CHUNK];
  private final float[] chunkLogits = new float[CHUNK];
  private final double[] skips = new double[CHUNK];
  private long state;

  SkipRace(TopTokens top, int[] ids, int vocabSize) {
    this.top = top;
    this.ids = ids;
    this.vocabSize = vocabSize;
  }

  /** One draw at inverse temperature {@code invT}, from the stream that {@code seed} starts. */
  @SuppressWarnings("ShortCircuitBoolean") // on purpose: see the near loop
  int run(float[] logits, int offset, long seed, float invT) {
    state = seed;
    float max = top.scanMax(logits, offset);
    float floor = max - Sampler.CUTOFF / invT;
    int m = top.gather(logits, offset, floor, NEAR_GAP / invT, NEAR_MIN, NEAR_CAP);
    float cut = top.cut();
    double best = Double.POSITIVE_INFINITY;
    int bestId = -1;
    long s0 = state; // in a local: the loop's calls would otherwise store the field each time
    for (int j = 0; j < m; j++) {
      int v = ids[j];
      float l = logits[offset + v];
      s0 += GOLDEN;
      double u = toUniform(s0); // one per gathered token, whatever follows
      double q = 1 - u; // at most -ln(u), this token's E
      float x = (l - max) * invT;
      // Weight 0, or E >= 1 - u >= expBound(x) * best >= w * best: cannot win. One branch for the
      // three tests (non-short-circuit &): the gathered tokens come in id order, so the best ratio
      // falls slowly and a test of its own against it went either way at random (25-70% of the
      // benchmark's near tokens passed it).
      if (!(q < expBound(x) * best & l >= floor & l != Float.NEGATIVE_INFINITY)) {
        continue;
      }
      float w = FloatExp.exp(x);
      if (q >= w * best) {
        continue;
      }
      double ratio = -Math.log(u) / w;
      if (ratio < best) {
        best = ratio;
        bestId = v;
      }
    }
    state = s0;
    if (bestId < 0) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocabSize + " logits are -Infinity");
    }
    if (!(cut > floor)) {
      return bestId; // every token of weight above 0 was gathered
    }
    // The bound on the far weights: the margin covers the float rounding of w.
    double t = Math.exp((double) (cut - max) * invT) * (1 + 1e-4) * best;
    double p = -Math.expm1(-t); // P(E < t)
    // The positions are reached in chunks. A chunk's positions are worked out first, as if each
    // were a weighted token that draws its conditioned E (the uniform after its skip's), then
    // their logits are read in one loop whose loads the core overlaps (the positions are
    // scattered over a row that has just been streamed through: one at a time, each load waited
    // on the last), then they are raced in order. A position that turns out not to draw (a
    // gathered token or one of weight 0) shifts the stream by one: the chunk stops there and the
    // next starts after it. So the draws, and the pick, are those of the one-at-a-time walk.
    long i = -1;
    while (true) {
      long s = state;
      // The chunk's skips in a loop of their own: no one waits on another's logarithm there.
      for (int q = 0; q < CHUNK; q++) {
        skips[q] = -Math.log(toUniform(s + (2L * q + 1) * GOLDEN)) / t;
      }
      int k = 0;
      boolean last = false;
      for (long at = i; k < CHUNK; k++) {
        double skip = Math.floor(skips[k]); // Geometric(p)
        if (!(skip < vocabSize - 1 - at)) {
          last = true;
          break;
        }
        at += (long) skip + 1;
        chunk[k] = (int) at;
      }
      for (int j = 0; j < k; j++) {
        chunkLogits[j] = logits[offset + chunk[j]];
      }
      int j = 0;
      for (; j < k; j++) {
        float l = chunkLogits[j];
        if (l >= cut || l < floor || l == Float.NEGATIVE_INFINITY) {
          break; // gathered (already raced), or weight 0: no conditioned E drawn here
        }
        float x = (l - max) * invT;
        // Exp(1) conditioned on E < t, from the uniform after this position's skip: E =
        // -ln(1 - y) >= y, so most far tokens are ruled out without a logarithm or an exponential.
        double y = toUniform(state + (2L * j + 2) * GOLDEN) * p;
        if (y >= expBound(x) * best) {
          continue;
        }
        float w = FloatExp.exp(x);
        double e = -Math.log1p(-y);
        double ratio = e / w;
        if (ratio < best) {
          best = ratio;
          bestId = chunk[j];
        }
      }
      if (j < k) {
        state += (2L * j + 1) * GOLDEN; // the positions before j drew two uniforms, j one
        i = chunk[j];
      } else if (last) {
        return bestId;
      } else {
        state += 2L * k * GOLDEN;
        i = chunk[k - 1];
      }
    }
  }

  /**
   * An upper bound of {@code exp(x)} for {@code -700 < x <= 0} (a raced token has {@code x >=
   * -CUTOFF}), within a factor of two and a margin, with no exponential: {@code 2^k} for {@code k =
   * ceil(x · log2 e)} (a conversion truncates towards 0), times {@code 1 + 1e-6}, which covers the
   * rounding of the product and of the float weight {@code (float) Math.exp(x)} (2^-24 relative)
   * that the bound stands in for, so that whatever it rules out the exact comparison would have
   * ruled out too.
   */
  static double expBound(float x) {
    int k = (int) (x * LOG2_E);
    return Double.longBitsToDouble((long) (k + 1023) << 52) * (1 + 1e-6);
  }

  /** SplitMix64's output for the state {@code z}, as a uniform in (0, 1). */
  private static double toUniform(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return ((z >>> 11) + 0.5) * TWO_TO_MINUS_53;
  }
}
