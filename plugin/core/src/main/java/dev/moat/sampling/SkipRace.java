package dev.moat.sampling;

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
 * number of positions is {@code vocab · t}: about 260 on a Gaussian row (sd 3) of 128,256.
 *
 * <p>Not thread-safe: part of one request's {@link Sampler}. Allocation-free.
 */
final class SkipRace {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

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
  private long state;

  SkipRace(TopTokens top, int[] ids, int vocabSize) {
    this.top = top;
    this.ids = ids;
    this.vocabSize = vocabSize;
  }

  /** One draw at inverse temperature {@code invT}, from the stream that {@code seed} starts. */
  int run(float[] logits, int offset, long seed, float invT) {
    state = seed;
    float max = top.scanMax(logits, offset);
    float floor = max - Sampler.CUTOFF / invT;
    int m = top.gather(logits, offset, floor, NEAR_GAP / invT, NEAR_MIN, NEAR_CAP);
    float cut = top.cut();
    double best = Double.POSITIVE_INFINITY;
    int bestId = -1;
    for (int j = 0; j < m; j++) {
      int v = ids[j];
      float l = logits[offset + v];
      double u = uniform(); // one per gathered token, whatever follows
      if (l < floor || l == Float.NEGATIVE_INFINITY || 1 - u >= best) {
        continue; // weight 0, or -ln(u) > 1 - u >= best >= w * best: cannot win
      }
      float w = (float) Math.exp((l - max) * invT);
      if (1 - u >= w * best) {
        continue;
      }
      double ratio = -Math.log(u) / w;
      if (ratio < best) {
        best = ratio;
        bestId = v;
      }
    }
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
    long i = -1;
    while (true) {
      double skip = Math.floor(-Math.log(uniform()) / t); // tokens passed over: Geometric(p)
      if (!(skip < vocabSize - 1 - i)) {
        return bestId;
      }
      i += (long) skip + 1;
      int v = (int) i;
      float l = logits[offset + v];
      if (l >= cut || l < floor || l == Float.NEGATIVE_INFINITY) {
        continue; // gathered (already raced), or weight 0
      }
      float w = (float) Math.exp((l - max) * invT);
      double e = -Math.log1p(-uniform() * p); // Exp(1) conditioned on E < t
      double ratio = e / w;
      if (ratio < best) {
        best = ratio;
        bestId = v;
      }
    }
  }

  /** The next uniform in (0, 1) of the SplitMix64 stream: 53 bits and a half. */
  private double uniform() {
    long z = state += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return ((z >>> 11) + 0.5) * TWO_TO_MINUS_53;
  }
}
