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
  DetectionResult detect(int[] tokens, int contextLength, boolean ignoreRepeated);
}
