package dev.moat.watermark;

import dev.moat.internal.SipHash;

/**
 * The keyed green-list function of Moat's KGW watermark, scheme id {@value #SCHEME_ID}. This is the
 * specification a third party implements to verify a watermark claim without Moat:
 *
 * <pre>
 * key   = first 16 bytes of SHA-256("moat-kgw-v1" || 0x00 || key material), as LE words (k0, k1)
 * seed  = SipHash-2-4(k0, k1, le32(h) || le32(t[i-h]) || … || le32(t[i-1]))      (64 bits)
 * s0    = low 32 bits of seed, s1 = high 32 bits of seed
 * x(v)  = fmix32(((v · 0x9E3779B9 + s0) mod 2^32) XOR s1)                          for token id v
 * green = (x(v) >>> 8) &lt; T,  T = round(gamma · 2^24)
 * fmix32(x): x ^= x>>>16; x *= 0x85EBCA6B; x ^= x>>>13; x *= 0xC2B2AE35; x ^= x>>>16   (MurmurHash3)
 * </pre>
 *
 * <p>The keyed, cryptographic part (SipHash) runs once per token on the few bytes of context; the
 * per-vocabulary part is a bijective integer mix of the token id with the secret seed, a counted
 * loop of 32-bit integer operations that the JIT vectorises. Unlike Hugging Face's scheme it never
 * shuffles the vocabulary, so its cost is one pass over the logits.
 *
 * <p>Immutable and thread-safe.
 */
public final class KgwScheme {
  /** Versioned id of this specification. */
  public static final String SCHEME_ID = "moat-kgw-v1";

  private final SipHash prf;
  private final int contextWidth;
  private final int threshold;

  public KgwScheme(WatermarkKey key, double gamma, int contextWidth) {
    this.prf = key.derive(SCHEME_ID);
    this.contextWidth = contextWidth;
    this.threshold = (int) Math.round(gamma * (1 << 24));
  }

  public static KgwScheme of(WatermarkKey key, KgwSettings settings) {
    return new KgwScheme(key, settings.gamma(), settings.contextWidth());
  }

  public int contextWidth() {
    return contextWidth;
  }

  /** The effective green fraction {@code T / 2^24} the detector tests against. */
  public double gamma() {
    return threshold / (double) (1 << 24);
  }

  /**
   * Seed of the green list for the context {@code tokens[end - h .. end)}; needs {@code end >= h}.
   */
  public long seed(int[] tokens, int end) {
    return prf.hashInts(contextWidth, tokens, end - contextWidth, contextWidth);
  }

  /** Whether {@code token} is green under {@code seed}. */
  public boolean isGreen(long seed, int token) {
    return (mix(seed, token) >>> 8) < threshold;
  }

  /** Block size of {@link #addBias}; per-request scratch arrays must have at least this length. */
  public static final int BLOCK = 1024;

  private static final int GOLDEN = 0x9E3779B9;

  /**
   * {@code STEP[i] = i * GOLDEN}: keeps the loop index out of the arithmetic so C2 can vectorise
   * it.
   */
  private static final int[] STEP = new int[BLOCK];

  static {
    for (int i = 0; i < BLOCK; i++) {
      STEP[i] = i * GOLDEN;
    }
  }

  /**
   * Adds {@code delta} to every green entry of {@code logits[offset .. offset + vocabSize)}.
   *
   * <p>Works in blocks of {@link #BLOCK} tokens, each in two passes: a pure 32-bit integer pass
   * that computes the green flags into {@code scratch}, then a float pass that adds {@code flag *
   * delta}. Both are counted loops over arrays that HotSpot's C2 vectorises: fused into one loop,
   * JDK 17's C2 vectorises nothing (the int-to-float conversion stops it), split like this its
   * integer pass runs as AVX2 code (see perf/RESULTS.md for the figures on JDK 17 and 25).
   *
   * @param scratch at least {@link #BLOCK} ints, owned by the caller's request
   */
  public void addBias(
      float[] logits, int offset, int vocabSize, long seed, float delta, int[] scratch) {
    final int s0 = (int) seed;
    final int s1 = (int) (seed >>> 32);
    final int t = threshold;
    final int[] step = STEP;
    for (int base = 0; base < vocabSize; base += BLOCK) {
      int n = Math.min(BLOCK, vocabSize - base);
      int sb = s0 + base * GOLDEN; // (base + i) * GOLDEN + s0 == STEP[i] + sb  (mod 2^32)
      for (int i = 0; i < n; i++) {
        int x = (step[i] + sb) ^ s1;
        x ^= x >>> 16;
        x *= 0x85EBCA6B;
        x ^= x >>> 13;
        x *= 0xC2B2AE35;
        x ^= x >>> 16;
        // 1 iff (x >>> 8) < t: both are in [0, 2^24], so the difference is negative exactly then.
        scratch[i] = ((x >>> 8) - t) >>> 31;
      }
      int o = offset + base;
      for (int i = 0; i < n; i++) {
        logits[o + i] += scratch[i] * delta;
      }
    }
  }

  static int mix(long seed, int v) {
    int x = (v * 0x9E3779B9 + (int) seed) ^ (int) (seed >>> 32);
    x ^= x >>> 16;
    x *= 0x85EBCA6B;
    x ^= x >>> 13;
    x *= 0xC2B2AE35;
    x ^= x >>> 16;
    return x;
  }
}
