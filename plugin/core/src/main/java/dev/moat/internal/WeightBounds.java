package dev.moat.internal;

/**
 * Integer upper bounds of softmax weights without an exponential ({@link Kernels#weightBounds}):
 * for a logit {@code m} of a row whose maximum is {@code max}, at inverse temperature {@code invT},
 * {@link #bound} is an int {@code b} with {@code 2^29 · w <= b <= 2^30}, where {@code w = (float)
 * Math.exp(x)} is the sampler's float weight of {@code m} and {@code x = (m - max) · invT} computed
 * in float exactly as the sampler computes it. The bound is monotone in {@code m}, so it also
 * bounds every token of a group whose maximum is {@code m}, and the bound of a group's maximum is
 * the maximum of its entries' bounds.
 *
 * <p>How: {@code e^x = 2^y}, {@code y = x · log2 e <= 0}. Written in the fixed point of a float's
 * bits, {@code t = y · 2^23 + 127 · 2^23} read as float bits is {@code 2^e · (1 + f)} for {@code e
 * = floor(y)}, {@code f = y - e}, and {@code 1 + f >= 2^f} (at most 6.2% above: Schraudolph's
 * approximation, used here as a bound). {@code t} is computed in float, {@code x · K + B} with
 * {@code B = 127 · 2^23 + MARGIN}: for {@code x} in {@code [-43, 0]} that sum lies in {@code [2^29,
 * 2^30)}, where floats are the multiples of 64, so its integer value is {@code 2^29 + 64 ·
 * mantissa} with no conversion instruction (which the Vector API does not intrinsify on JDK 17).
 * {@link #MARGIN} (256 units of 2^-23 in {@code y}) covers the product's rounding (at most 16
 * units), the sum's (32), {@code K}'s own (29) and the float weight's (under 1). Then {@code b =
 * floor(2^(e + 29) · (1 + f)) + 1}, by shifts. {@code x} below -43 is taken as -43: the bound stays
 * above the weight (which is then below 2^-62) and the sum in its range; so {@code -Infinity} and
 * logits below the sampler's cutoff get the bound of -43 (the integer 1), never garbage.
 *
 * <p>The scalar {@link #bound} is the reference; vector lanes compute the same float operations
 * (multiply, then add: not fused) and the same integer ones, so every implementation gives the same
 * ints. Thread-safe: static and stateless.
 */
public final class WeightBounds {
  private WeightBounds() {}

  /** The bounds are in units of 2^-29 of the maximum's weight (which is 1). */
  public static final int UNITS_LOG2 = 29;

  /** Exponents below this are taken as it. */
  public static final float LOWEST_X = -43f;

  /** log2(e) · 2^23 as a float. */
  public static final float K = (float) (1.4426950408889634 * (1 << 23));

  /** Added to {@code y} in units of 2^-23: a factor 2^(256 / 2^23) = 1 + 2.1e-5. */
  static final int MARGIN = 256;

  /** 127 · 2^23 + MARGIN, exact as a float (a multiple of 64 in [2^29, 2^30)). */
  public static final float B = 127f * (1 << 23) + MARGIN;

  /** The bound of one logit; see the class comment. */
  public static int bound(float m, float max, float invT) {
    float x = Math.max((m - max) * invT, LOWEST_X);
    int t = (1 << 29) | ((Float.floatToRawIntBits(x * K + B) & 0x7FFFFF) << 6);
    int shift = Math.min(127 - (t >>> 23), 31);
    return ((((t & 0x7FFFFF) | 0x800000) << 6) >>> shift) + 1;
  }

  /** {@code out[i] = bound(a[i], max, invT)} for {@code i < n}: the scalar kernels' loop. */
  static void scalar(float[] a, int n, float max, float invT, int[] out) {
    for (int i = 0; i < n; i++) {
      out[i] = bound(a[i], max, invT);
    }
  }
}
