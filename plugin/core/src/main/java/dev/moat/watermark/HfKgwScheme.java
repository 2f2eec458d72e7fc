package dev.moat.watermark;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.moat.internal.Messages;
import dev.moat.internal.Mt19937;
import java.util.Arrays;

/**
 * Hugging Face's KGW green lists, bit for bit: {@code
 * WatermarkLogitsProcessor(greenlist_ratio=gamma, hashing_key=K, seeding_scheme="lefthash",
 * context_width=1)} on PyTorch's CPU generator. The green list after token {@code p} is the first
 * {@code int(V * gamma)} entries of {@code torch.randperm(V)} drawn from an MT19937 seeded with
 * {@code K * p} (its low 32 bits). Text watermarked here is recognised by Hugging Face's {@code
 * WatermarkDetector}, and the other way round.
 *
 * <p>Slow by construction (a shuffle of the vocabulary per context: about a millisecond at V =
 * 128,256), so green lists are cached by previous token in a bounded Caffeine cache; a server with
 * a warm cache pays a lookup and {@code int(V * gamma)} additions per token. Prefer {@link
 * KgwScheme} where interoperability is not needed.
 *
 * <p>Thread-safe.
 */
public final class HfKgwScheme {
  /** Scheme id as it appears in detector output. */
  public static final String SCHEME_ID = "hf-kgw-lefthash";

  private final int vocabSize;
  private final double gamma;
  private final long hashKey;
  private final int greenSize;
  private final LoadingCache<Integer, int[]> greenLists;

  /**
   * @param cacheEntries most green lists kept (each {@code 4 * int(V * gamma)} bytes)
   */
  public HfKgwScheme(int vocabSize, double gamma, long hashKey, long cacheEntries) {
    if (vocabSize < 2) {
      throw new IllegalArgumentException(Messages.invalid("vocab_size", vocabSize, ">= 2"));
    }
    if (!(gamma > 0 && gamma < 1)) {
      throw new IllegalArgumentException(Messages.invalid("gamma", gamma, "in (0, 1)"));
    }
    this.vocabSize = vocabSize;
    this.gamma = gamma;
    this.hashKey = hashKey;
    this.greenSize = (int) (vocabSize * gamma);
    this.greenLists =
        Caffeine.newBuilder().maximumSize(Math.max(1, cacheEntries)).build(this::compute);
  }

  public int vocabSize() {
    return vocabSize;
  }

  public double gamma() {
    return gamma;
  }

  /** {@code int(V * gamma)}, the size of every green list. */
  public int greenSize() {
    return greenSize;
  }

  /** The green list after {@code previousToken}, sorted ascending (cached; do not modify). */
  public int[] greenList(int previousToken) {
    return greenLists.get(previousToken);
  }

  /** The green list in permutation order, as Hugging Face computes it (not cached). */
  public int[] greenListInPermutationOrder(int previousToken) {
    int[] out = new int[greenSize];
    Mt19937.torchRandpermPrefix(hashKey * previousToken, vocabSize, new int[vocabSize], out);
    return out;
  }

  public boolean isGreen(int previousToken, int token) {
    return Arrays.binarySearch(greenList(previousToken), token) >= 0;
  }

  /** Adds {@code delta} to the green entries of the row after {@code previousToken}. */
  public void addBias(float[] logits, int offset, int previousToken, float delta) {
    int[] green = greenList(previousToken);
    for (int id : green) {
      logits[offset + id] += delta;
    }
  }

  private int[] compute(Integer previousToken) {
    int[] g = greenListInPermutationOrder(previousToken);
    Arrays.sort(g);
    return g;
  }
}
