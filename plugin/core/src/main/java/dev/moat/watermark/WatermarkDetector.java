package dev.moat.watermark;

/**
 * Tests a token sequence for one watermark scheme and key. Needs no model. Implementations are
 * immutable and thread-safe.
 */
public interface WatermarkDetector {
  /**
   * Scores {@code tokens[contextLength..]} (the tokens before are context only, typically the
   * prompt). With {@code ignoreRepeated}, each (context, token) pair is scored once, as the
   * literature recommends for repetitive text.
   */
  default DetectionResult detect(int[] tokens, int contextLength, boolean ignoreRepeated) {
    return detectAll(java.util.List.of(tokens), contextLength, ignoreRepeated);
  }

  /**
   * Scores several texts as one body of evidence, such as a suspect dataset: the counts of every
   * text are pooled into one test. Each text's first {@code contextLength} tokens are context only.
   * With {@code ignoreRepeated}, each (context, token) pair is scored once across all the texts: a
   * boilerplate sentence that recurs in a thousand samples is one piece of evidence, not a
   * thousand, so the false-positive rate stays at its nominal level on repetitive corpora.
   */
  DetectionResult detectAll(java.util.List<int[]> texts, int contextLength, boolean ignoreRepeated);
}
