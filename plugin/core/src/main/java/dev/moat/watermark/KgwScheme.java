package dev.moat.watermark;

import dev.moat.internal.Kernels;
import dev.moat.internal.Logits;
import dev.moat.internal.PackedLists;
import dev.moat.internal.RowSummary;
import dev.moat.internal.TokenHash;
import dev.moat.key.SipHash;
import dev.moat.key.WatermarkKey;
import org.jspecify.annotations.Nullable;

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
 * self-hash seeding: seed(v) = SipHash-2-4(k0, k1, le32(h | 0x80000000) || le32(t[i-h]) || … ||
 *                    le32(t[i-1]) || le32(v)), and v is green iff (x(v) under seed(v) >>> 8) &lt; T
 * fmix32(x): x ^= x>>>16; x *= 0x85EBCA6B; x ^= x>>>13; x *= 0xC2B2AE35; x ^= x>>>16   (MurmurHash3)
 * </pre>
 *
 * <p>The keyed, cryptographic part (SipHash) runs once per token on the few bytes of context; the
 * per-vocabulary part is a bijective integer mix of the token id with the secret seed, a counted
 * loop of 32-bit integer operations that vectorises. Unlike Hugging Face's scheme it never shuffles
 * the vocabulary, so its cost is one pass over the logits.
 *
 * <p>Immutable and thread-safe.
 */
public final class KgwScheme {
  /** Versioned id of this specification. */
  public static final String SCHEME_ID = "moat-kgw-v1";

  /** Set in the width word of a self-hash seed's message. */
  private static final int SELF_HASH = 0x80000000;

  private final SipHash prf;
  private final int contextWidth;
  private final int threshold;
  private final boolean selfHash;

  /** Left-hash seeding. */
  public KgwScheme(WatermarkKey key, double gamma, int contextWidth) {
    this(key, gamma, contextWidth, false);
  }

  /** With {@code selfHash}, self-hash seeding (see {@link KgwSettings#selfHash()}). */
  public KgwScheme(WatermarkKey key, double gamma, int contextWidth, boolean selfHash) {
    this.prf = key.derive(SCHEME_ID);
    this.contextWidth = contextWidth;
    this.threshold = (int) Math.round(gamma * (1 << 24));
    this.selfHash = selfHash;
  }

  public static KgwScheme of(WatermarkKey key, KgwSettings settings) {
    return new KgwScheme(key, settings.gamma(), settings.contextWidth(), settings.selfHash());
  }

  /** Whether green lists are seeded by the context and the token itself. */
  public boolean selfHash() {
    return selfHash;
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

  /**
   * Self-hash seed of the token {@code tokens[end]} after the context {@code tokens[end - h ..
   * end)}: SipHash-2-4 of {@code le32(h | 0x80000000) || le32(t[end-h]) || … || le32(t[end])}.
   * Needs {@code end >= h}.
   */
  public long selfSeed(int[] tokens, int end) {
    return prf.hashInts(contextWidth | SELF_HASH, tokens, end - contextWidth, contextWidth + 1);
  }

  /**
   * The seed that decides whether {@code tokens[i]} is green: {@link #seed} of its context, or with
   * self-hash seeding {@link #selfSeed}. Needs {@code i >= h}.
   */
  public long tokenSeed(int[] tokens, int i) {
    return selfHash ? selfSeed(tokens, i) : seed(tokens, i);
  }

  /** Whether {@code token} is green under {@code seed}. */
  public boolean isGreen(long seed, int token) {
    return (mix(seed, token) >>> 8) < threshold;
  }

  /** Block size of {@link #addBias}; per-request scratch arrays must have at least this length. */
  public static final int BLOCK = Kernels.BLOCK;

  /**
   * Adds {@code delta} to every green entry of {@code logits[offset .. offset + vocabSize)}.
   *
   * <p>The loop is {@link Kernels#kgwBias}: explicit SIMD when the JVM enables the Vector API,
   * otherwise two passes per block of {@link #BLOCK} tokens (an integer pass that C2 vectorises on
   * every JDK, then the float add), bit-identical either way.
   *
   * @param scratch at least {@link #BLOCK} ints, owned by the caller's request
   */
  public void addBias(
      float[] logits, int offset, int vocabSize, long seed, float delta, int[] scratch) {
    KERNELS.kgwBias(
        logits, offset, 0, vocabSize, (int) seed, (int) (seed >>> 32), threshold, delta, scratch);
  }

  /**
   * {@link #addBias} with a perturbation's keyed pattern fused into the same pass: {@code
   * logits[offset + v] = (logits[offset + v] + pattern[shift + v mod period]) + bias(v)},
   * bit-identical to adding the pattern first and the bias second.
   *
   * @param pattern the pattern twice over ({@code 2 · period} entries)
   * @param shift in {@code [0, period)}
   * @param scratch at least {@link #BLOCK} ints, owned by the caller's request
   */
  public void addBiasAndPattern(
      float[] logits,
      int offset,
      int vocabSize,
      long seed,
      float delta,
      float[] pattern,
      int period,
      int shift,
      int[] scratch) {
    int s0 = (int) seed;
    int s1 = (int) (seed >>> 32);
    for (int b = 0; b < vocabSize; b += period) {
      KERNELS.kgwBiasAddRow(
          logits,
          offset + b,
          b,
          Math.min(period, vocabSize - b),
          s0,
          s1,
          threshold,
          delta,
          pattern,
          shift,
          scratch);
    }
  }

  /**
   * A request's bias for left-hash seeding: through the shared {@link GreenListCache} where it
   * applies, by hashing every step where it does not (caching off, no room for lists of this
   * vocabulary). Call at request start.
   */
  Lists lists(int vocabSize, GreenListCache cache) {
    GreenListCache.Sized sized = cache.forVocabulary(vocabSize);
    // Keyed, so that lists of two keys (or gammas, or vocabularies) never share a slot's tag.
    long salt =
        sized == null
            ? 0
            : prf.hashInts(LIST_SALT | contextWidth, new int[] {threshold, vocabSize}, 0, 2);
    return new Lists(sized, salt, vocabSize);
  }

  /** Set in the width word of a cache salt's message (never a seed's: widths are below 2^16). */
  private static final int LIST_SALT = 0x40000000;

  /**
   * A request's view of the shared green-list cache: {@link #addBias} and {@link #addBiasChecked}
   * read the context's list from the cache, or hash, write the list and offer it; without a cache
   * they are {@link KgwScheme#addBias} and {@link KgwScheme#addBiasAndPattern}. Not thread-safe:
   * one per request.
   */
  final class Lists {
    private final GreenListCache.@Nullable Sized cache;
    private final long salt;
    private final int vocabSize;
    private int @Nullable [] list;

    Lists(GreenListCache.@Nullable Sized cache, long salt, int vocabSize) {
      this.cache = cache;
      this.salt = salt;
      this.vocabSize = vocabSize;
    }

    private int[] list(GreenListCache.Sized c) {
      int[] l = list;
      if (l == null) { // at the first watermarked step, not at request start
        l = new int[c.words()];
        list = l;
      }
      return l;
    }

    /** {@link KgwScheme#addBias}, through the cache. */
    void addBias(float[] logits, int offset, long seed, float delta, int[] scratch) {
      GreenListCache.Sized c = cache;
      if (c == null) {
        KgwScheme.this.addBias(logits, offset, vocabSize, seed, delta, scratch);
        return;
      }
      int[] l = list(c);
      if (c.copy(seed, salt, l)) {
        KERNELS.kgwBiasFromList(logits, offset, 0, vocabSize, delta, null, 0, l);
      } else {
        writeList(c, l, logits, offset, seed, delta, null, vocabSize, 0, scratch);
      }
    }

    /**
     * The row check, then {@link #addBias} ({@code pattern} null) or {@link
     * KgwScheme#addBiasAndPattern} through the cache where the pattern's period is a multiple of
     * {@link PackedLists#BLOCK} (the packed lists' block): returns -1, or the index of the row's
     * first NaN or +Infinity ({@link Logits#firstInvalid}). On a cached list the check rides in the
     * bias's own pass ({@link Kernels#kgwBiasFromListChecked}), so a bad row comes back edited;
     * otherwise it is checked first and left as it was. Either way the caller commits nothing for a
     * bad row. With {@code summary} non-null, a cached list's pass also writes the edited row's
     * summary and publishes its maximum there ({@link Kernels#kgwBiasFromListSummarized}) when the
     * row passes its check; otherwise nothing is published.
     */
    int addBiasChecked(
        float[] logits,
        int offset,
        long seed,
        float delta,
        float @Nullable [] pattern,
        int period,
        int shift,
        int[] scratch,
        @Nullable RowSummary summary) {
      GreenListCache.Sized c = cache;
      if (c != null && (pattern == null || period % PackedLists.BLOCK == 0)) {
        int[] l = list(c);
        if (c.copy(seed, salt, l)) {
          if (summary != null) {
            float max =
                KERNELS.kgwBiasFromListSummarized(
                    logits, offset, vocabSize, delta, l, pattern, period, shift, summary.groups());
            if (Float.isNaN(max)) { // the row holds NaN or +Infinity
              return Logits.firstInvalid(logits, offset, vocabSize);
            }
            summary.publish(max);
            return -1;
          }
          return KERNELS.kgwBiasFromListChecked(
                  logits, offset, vocabSize, delta, l, pattern, period, shift)
              ? -1
              : Logits.firstInvalid(logits, offset, vocabSize); // the pass keeps NaN and +Inf
        }
        int bad = Logits.firstInvalid(logits, offset, vocabSize);
        if (bad < 0) {
          int p = pattern == null ? vocabSize : period;
          writeList(c, l, logits, offset, seed, delta, pattern, p, shift, scratch);
        }
        return bad;
      }
      int bad = Logits.firstInvalid(logits, offset, vocabSize);
      if (bad >= 0) {
        return bad;
      }
      if (pattern == null) {
        KgwScheme.this.addBias(logits, offset, vocabSize, seed, delta, scratch);
      } else {
        KgwScheme.this.addBiasAndPattern(
            logits, offset, vocabSize, seed, delta, pattern, period, shift, scratch);
      }
      return -1;
    }

    /** A miss: hashes the bias, period by period, writing the list; then offers it. */
    private void writeList(
        GreenListCache.Sized c,
        int[] l,
        float[] logits,
        int offset,
        long seed,
        float delta,
        float @Nullable [] pattern,
        int period,
        int shift,
        int[] scratch) {
      for (int b = 0; b < vocabSize; b += period) {
        KERNELS.kgwBiasToList(
            logits,
            offset + b,
            b,
            Math.min(period, vocabSize - b),
            (int) seed,
            (int) (seed >>> 32),
            threshold,
            delta,
            pattern,
            shift,
            l,
            scratch);
      }
      c.offer(seed, salt, l);
    }
  }

  private static final Kernels KERNELS = Kernels.get();

  static int mix(long seed, int v) {
    return TokenHash.fmix32((v * Kernels.GOLDEN + (int) seed) ^ (int) (seed >>> 32));
  }
}
