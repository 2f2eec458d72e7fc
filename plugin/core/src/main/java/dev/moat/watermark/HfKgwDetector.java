package dev.moat.watermark;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Hugging Face's {@code WatermarkDetector} for {@link HfKgwScheme}: drops a leading {@code bos =
 * vocab_size - 1}, scores every token after the first against its predecessor's green list, and
 * reports the same counts and z-score ({@code (green - gamma n) / sqrt(n gamma (1 - gamma))} with
 * the nominal gamma). Adds what Hugging Face does not: the exact binomial p-value (its normal
 * approximation is off by 0.2–1.7x at z = 2–5).
 *
 * <p>Thread-safe.
 */
public final class HfKgwDetector implements WatermarkDetector {
  private final HfKgwScheme scheme;

  public HfKgwDetector(HfKgwScheme scheme) {
    this.scheme = scheme;
  }

  /** Hugging Face's detector: every token after the first (and after a leading bos) is scored. */
  public DetectionResult detect(int[] tokens, boolean ignoreRepeated) {
    return detect(tokens, 0, ignoreRepeated);
  }

  @Override
  public DetectionResult detectAll(List<int[]> texts, int contextLength, boolean ignoreRepeated) {
    Set<Long> seen = new HashSet<>();
    int scored = 0;
    int green = 0;
    for (int[] tokens : texts) {
      int start = tokens.length > 0 && tokens[0] == scheme.vocabSize() - 1 ? 1 : 0;
      start = Math.max(start, contextLength - 1);
      for (int i = start + 1; i < tokens.length; i++) {
        if (ignoreRepeated && !seen.add(((long) tokens[i - 1] << 32) | (tokens[i] & 0xFFFFFFFFL))) {
          continue;
        }
        scored++;
        if (scheme.isGreen(tokens[i - 1], tokens[i])) {
          green++;
        }
      }
    }
    // Hugging Face's z uses the nominal gamma; under the null each scored token is green with
    // probability greenSize / V exactly, which the exact p-value uses.
    return DetectionResult.redGreen(
        HfKgwScheme.SCHEME_ID,
        "",
        scored,
        green,
        scheme.gamma(),
        scheme.greenSize() / (double) scheme.vocabSize());
  }
}
