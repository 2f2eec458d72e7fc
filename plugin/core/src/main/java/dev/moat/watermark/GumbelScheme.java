package dev.moat.watermark;

import dev.moat.internal.TokenHash;
import dev.moat.key.SipHash;
import dev.moat.key.WatermarkKey;

/**
 * The keyed randomness of Moat's distortion-free watermark, scheme id {@value #SCHEME_ID}:
 * Aaronson's exponential scheme (equivalently Gumbel-max sampling with keyed noise; Kuditipudi et
 * al. 2023).
 *
 * <pre>
 * key  = SHA-256("moat-gumbel-v2" || 0x00 || material)[0..16] as LE words (k0, k1)
 * seed = SipHash-2-4(k0, k1, le32(h) || le32(t[i-h]) || … || le32(t[i-1]))
 * s0   = low 32 bits of seed, s1 = high 32 bits of seed
 * hi   = fmix32(((v · 0x9E3779B9 + s0) mod 2^32) XOR s1)          (unsigned, 32 bits)
 * lo   = fmix32(((v · 0x9E3779B9 + s1) mod 2^32) XOR s0) >>> 11   (21 bits)
 * u(v) = ((hi · 2^21 + lo) + 0.5) · 2^-53                           in (0, 1)
 * pick = the candidate v minimising -ln(u(v)) / p(v)      (= argmax u(v)^(1/p(v)))
 * score of a token = -ln(1 - u(token)); n scored tokens sum to Gamma(n, 1) without the watermark
 * </pre>
 *
 * <p>The pick is an exact sample from {@code p} over the random key (Gumbel-max), so over many keys
 * the output distribution is unchanged: the watermark costs no quality. It needs randomness in the
 * host's settings: under greedy decoding (temperature 0) there is one candidate and nothing is
 * marked.
 *
 * <p>Why the uniform is built from two 32-bit mixes (version 2; version 1, never released, used one
 * SplitMix64 per token): picking over a vocabulary of 128,256 must not hash every token at full
 * cost. Only tokens whose {@code u} is very close to 1 can win from far below the maximum, and
 * those are found from {@code hi} alone, a 32-bit mix that vectorises 8 to 16 lanes wide; {@code
 * lo} is computed for those few ({@link dev.moat.sampling.Sampler#race}).
 *
 * <p>Immutable and thread-safe.
 */
public final class GumbelScheme {
  public static final String SCHEME_ID = "moat-gumbel-v2";

  private final SipHash prf;
  private final int contextWidth;

  public GumbelScheme(WatermarkKey key, int contextWidth) {
    this.prf = key.derive(SCHEME_ID);
    this.contextWidth = contextWidth;
  }

  public int contextWidth() {
    return contextWidth;
  }

  /** Seed for the context {@code tokens[end - h .. end)}. */
  public long seed(int[] tokens, int end) {
    return prf.hashInts(contextWidth, tokens, end - contextWidth, contextWidth);
  }

  /** The uniform in (0, 1) of token {@code v} under {@code seed}. */
  public static double uniform(long seed, int v) {
    return (TokenHash.u53(seed, v) + 0.5) * 0x1.0p-53;
  }

  /** The detection score of {@code token} under {@code seed}: Exp(1) without the watermark. */
  public static double score(long seed, int token) {
    return -Math.log1p(-uniform(seed, token));
  }
}
