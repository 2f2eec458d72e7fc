package dev.moat.watermark;

import java.util.HashSet;
import java.util.Set;

/**
 * Scores token sequences for the KGW watermark: counts green tokens and tests against the null
 * hypothesis that each is green with probability gamma independently (true for text not generated
 * with this key, up to repeated n-grams; use {@code ignoreRepeated} for repetitive text).
 *
 * <p>Immutable and thread-safe. Needs no model: only the key, the scheme parameters and token ids.
 */
public final class KgwDetector implements WatermarkDetector {
  private final KgwScheme scheme;
  private final String keyId;

  public KgwDetector(WatermarkKey key, KgwSettings settings) {
    this.scheme = KgwScheme.of(key, settings);
    this.keyId = key.id();
  }

  /**
   * Scores {@code tokens[contextLength..]}, using the tokens before each one as its context (so the
   * first {@code contextLength} tokens, typically the prompt, are context only). Tokens with fewer
   * than {@code h} predecessors are not scored. With {@code ignoreRepeated}, each (context, token)
   * pair is scored once, as Kirchenbauer et al. recommend for repetitive text.
   */
  @Override
  public DetectionResult detect(int[] tokens, int contextLength, boolean ignoreRepeated) {
    int h = scheme.contextWidth();
    Set<Long> seen = ignoreRepeated ? new HashSet<>() : Set.of();
    int scored = 0;
    int green = 0;
    for (int i = Math.max(h, contextLength); i < tokens.length; i++) {
      long seed = scheme.seed(tokens, i);
      if (ignoreRepeated && !seen.add(seed * 0x9E3779B97F4A7C15L + tokens[i])) {
        continue;
      }
      scored++;
      if (scheme.isGreen(seed, tokens[i])) {
        green++;
      }
    }
    return result(scored, green);
  }

  /** {@link #detect(int[], int, boolean)} with no context-only prefix and every token scored. */
  public DetectionResult detect(int[] tokens) {
    return detect(tokens, 0, false);
  }

  private DetectionResult result(int n, int green) {
    return DetectionResult.redGreen(
        KgwScheme.SCHEME_ID, keyId, n, green, scheme.gamma(), scheme.gamma());
  }
}
