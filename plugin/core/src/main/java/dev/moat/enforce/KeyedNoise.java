package dev.moat.enforce;

import dev.moat.RequestContext;
import dev.moat.internal.Kernels;
import dev.moat.internal.Messages;
import dev.moat.internal.TokenHash;
import dev.moat.key.SipHash;
import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;

/**
 * Keyed logit noise with a per-step KL budget: an escalation level's sampling perturbation. Every
 * step raises a keyed half of the vocabulary, chosen by the previous token, by {@code delta = 2 ·
 * sqrt(2 · kl)} nats. Since every logit moves by an amount in {@code [0, delta]}, Hoeffding's lemma
 * bounds each step's move, {@code KL(p || p')}, by {@code delta² / 8 = kl} nats, whatever the
 * distribution. The raise is the same each time a context recurs, so a student trained on the
 * output learns it as if it were the language (see {@code examples/distill/REPORT.md}).
 *
 * <p>How it is cheap: one keyed pattern of {@code 0} and {@code delta} over {@link #PERIOD} token
 * ids, made once (half its entries raised, by a keyed hash of the position), tiled over the
 * vocabulary; each context's half is that tiling shifted by a keyed offset of the previous token. A
 * step is one vectorisable add of the row and a 16 KB pattern that stays in the L1 cache, whatever
 * the vocabulary: the row is read once and written once. (Version 1 used a full-vocabulary row,
 * which doubled the memory a step streams and made the cost grow faster than the vocabulary: +9.8
 * µs per token at 128,256 and +32.7 µs at 256,000 on JDK 17.) The halves of different contexts are
 * shifts of one pattern: an adversary who learned it from many outputs could subtract the noise.
 * That is the price of speed, acceptable for noise (which only has to make a student worse now) and
 * never acceptable for a watermark, which stays on per-token keyed hashes.
 *
 * <p>Special tokens ({@link RequestContext#specialTokens()}) are left alone, so a perturbed answer
 * ends where it would have. Excluded tokens ({@code -Infinity}) stay excluded.
 *
 * <p>Immutable and thread-safe; its per-request state allocates nothing per token.
 */
public final class KeyedNoise implements Protection {
  /** The scheme id the key is derived for; a new derivation needs a new id. */
  public static final String SCHEME_ID = "moat-keyed-noise-v2";

  /** Token ids per period of the keyed pattern. */
  public static final int PERIOD = 2048;

  private static final Kernels KERNELS = Kernels.get();

  private final String keyId;
  private final double kl;
  private final float delta;
  private final long rowSeed;
  private final long shiftSeed;

  /**
   * The pattern twice over: {@code pattern[shift + i]} for {@code 0 <= i < PERIOD} is contiguous.
   */
  private final float[] pattern;

  /**
   * @param key the noise key (the policy's {@code enforcement.noise_key})
   * @param kl the per-step KL budget in nats, in (0, 2]
   */
  public KeyedNoise(WatermarkKey key, double kl) {
    if (!(kl > 0 && kl <= 2)) {
      throw new IllegalArgumentException(Messages.invalid("keyed_noise_kl", kl, "in (0, 2]"));
    }
    this.keyId = key.id();
    this.kl = kl;
    this.delta = (float) (2 * Math.sqrt(2 * kl));
    SipHash prf = key.derive(SCHEME_ID);
    this.rowSeed = prf.hashInts(0, new int[1], 0, 0);
    this.shiftSeed = prf.hashInts(1, new int[1], 0, 0);
    this.pattern = new float[2 * PERIOD];
    for (int t = 0; t < PERIOD; t++) {
      float v = (TokenHash.uniformHigh(rowSeed, t) < 0) ? delta : 0f; // the top bit: half
      pattern[t] = v;
      pattern[t + PERIOD] = v;
    }
  }

  /** The raise, {@code 2 · sqrt(2 · kl)} nats. */
  public float delta() {
    return delta;
  }

  /** The per-step KL budget in nats. */
  public double kl() {
    return kl;
  }

  /** Whether token {@code v} is raised after previous token {@code previous} (-1: none). */
  public boolean raised(int previous, int v, int vocabSize) {
    if (v < 0 || v >= vocabSize) {
      throw new IllegalArgumentException(
          Messages.invalid("v", v, "in [0, " + vocabSize + ") (the vocabulary)"));
    }
    return pattern[shift(previous) + v % PERIOD] != 0f;
  }

  @Override
  public String id() {
    return "keyed_noise";
  }

  @Override
  public Stage stage() {
    return Stage.PERTURBATION;
  }

  @Override
  public RequestProtection begin(RequestView request) {
    return new PerRequest(pattern, request.vocabSize(), shiftSeed, request.specialTokens());
  }

  @Override
  public String describe() {
    return "keyed_noise{kl=" + kl + ", delta=" + delta + ", key=" + keyId + "}";
  }

  private int shift(int previous) {
    return Integer.remainderUnsigned(TokenHash.uniformHigh(shiftSeed, previous), PERIOD);
  }

  private static final class PerRequest implements RequestProtection, dev.moat.internal.RowAddend {
    private final float[] row;
    private final int vocabSize;
    private final long shiftSeed;
    private final int[] special;
    private final float[] saved;

    PerRequest(float[] row, int vocabSize, long shiftSeed, int[] special) {
      this.row = row;
      this.vocabSize = vocabSize;
      this.shiftSeed = shiftSeed;
      this.special = special;
      this.saved = new float[special.length];
    }

    @Override
    public float[] row() {
      return row;
    }

    @Override
    public int[] specialTokens() {
      return special;
    }

    @Override
    public int period() {
      return PERIOD;
    }

    @Override
    public int shift(TokenHistory history) {
      int n = history.length();
      int previous = n == 0 ? -1 : history.get(n - 1);
      return Integer.remainderUnsigned(TokenHash.uniformHigh(shiftSeed, previous), PERIOD);
    }

    @Override
    public void processLogits(float[] logits, int offset, TokenHistory history) {
      int shift = shift(history);
      int[] s = special;
      for (int i = 0; i < s.length; i++) {
        saved[i] = logits[offset + s[i]];
      }
      for (int b = 0; b < vocabSize; b += PERIOD) {
        KERNELS.addRow(logits, offset + b, row, shift, Math.min(PERIOD, vocabSize - b));
      }
      for (int i = 0; i < s.length; i++) {
        logits[offset + s[i]] = saved[i];
      }
    }
  }
}
