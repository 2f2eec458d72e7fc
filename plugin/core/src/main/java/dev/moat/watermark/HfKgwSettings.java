package dev.moat.watermark;

import static dev.moat.internal.Messages.invalid;

import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;
import java.util.Objects;

/**
 * Hugging Face-compatible KGW ({@link HfKgwScheme}) as configured by a policy: the green fraction,
 * the bias, the vocabulary size and the key whose material yields Hugging Face's integer hashing
 * key ({@link #hashKey(WatermarkKey)}).
 *
 * @param keyId the key's id
 * @param gamma Hugging Face's {@code greenlist_ratio}, in (0, 1)
 * @param delta Hugging Face's {@code bias}, in [0, 20]
 * @param vocabSize the model's vocabulary size (part of the green-list definition)
 * @param cacheEntries green lists kept in memory (each {@code 4 * int(V * gamma)} bytes)
 */
public record HfKgwSettings(
    String keyId, double gamma, double delta, int vocabSize, long cacheEntries)
    implements WatermarkSpec {

  public HfKgwSettings {
    Objects.requireNonNull(keyId, "keyId");
    String r = KgwSettings.gammaRule(gamma);
    if (r != null) {
      throw new IllegalArgumentException(invalid("gamma", gamma, r));
    }
    r = KgwSettings.deltaRule(delta);
    if (r != null) {
      throw new IllegalArgumentException(invalid("delta", delta, r));
    }
    if (vocabSize < 2) {
      throw new IllegalArgumentException(invalid("vocab_size", vocabSize, ">= 2"));
    }
    if (cacheEntries < 1) {
      throw new IllegalArgumentException(invalid("cache_entries", cacheEntries, ">= 1"));
    }
  }

  /**
   * Hugging Face's {@code hashing_key} for a Moat key: the first 4 bytes of {@code
   * SHA-256("hf-kgw-lefthash" || 0x00 || material)} as an unsigned little-endian integer (below
   * 2^32, so {@code hashing_key * token} stays within what {@code torch.manual_seed} accepts).
   */
  public static long hashKey(WatermarkKey key) {
    return key.derive32(HfKgwScheme.SCHEME_ID);
  }

  @Override
  public String scheme() {
    return "kgw-hf";
  }

  @Override
  public Protection protection(WatermarkKey key) {
    return new HfKgwWatermark(this, new HfKgwScheme(vocabSize, gamma, hashKey(key), cacheEntries));
  }

  @Override
  public WatermarkDetector detector(WatermarkKey key) {
    return new HfKgwDetector(new HfKgwScheme(vocabSize, gamma, hashKey(key), cacheEntries));
  }

  @Override
  public String toString() {
    return "kgw-hf(key="
        + keyId
        + ", gamma="
        + gamma
        + ", delta="
        + delta
        + ", vocab_size="
        + vocabSize
        + ")";
  }
}
