package dev.moat.watermark;

import dev.moat.internal.Binomial;

/**
 * Best-window scoring for red/green watermarks, for watermarked text pasted into a longer document:
 * scores every window of {@code window} consecutive scored tokens (stepping by {@code step}) and
 * reports the best, its p-value multiplied by the number of windows tested (Bonferroni; valid
 * whatever the overlap, conservative for overlapping windows).
 *
 * <p>Works on the per-token green indicators of a red/green scheme: {@link KgwScheme} and {@link
 * HfKgwScheme}. Immutable and thread-safe.
 */
public final class WindowedDetector {
  private WindowedDetector() {}

  /**
   * The most significant window of a text: the window whose green count has the smallest p-value,
   * with that p-value corrected for the number of windows tried.
   *
   * @param green per scored token, whether it was green (in text order)
   * @param gamma the green fraction under the null
   * @param window tokens per window (at least 1); the whole text if it is shorter
   * @param step distance between window starts (at least 1)
   */
  public static DetectionResult best(
      String scheme, String keyId, boolean[] green, double gamma, int window, int step) {
    if (window < 1 || step < 1) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid("window/step", window + "/" + step, ">= 1 each"));
    }
    int n = green.length;
    int w = Math.min(window, n);
    int[] prefix = new int[n + 1];
    for (int i = 0; i < n; i++) {
      prefix[i + 1] = prefix[i] + (green[i] ? 1 : 0);
    }
    int windows = 0;
    int bestStart = 0;
    double bestLog10 = 1;
    for (int s = 0; s + w <= n; s += step) {
      windows++;
      int g = prefix[s + w] - prefix[s];
      double l = Binomial.log10UpperTail(w, g, gamma);
      if (l < bestLog10) {
        bestLog10 = l;
        bestStart = s;
      }
    }
    if (windows == 0) {
      return DetectionResult.redGreen(scheme, keyId, 0, 0, gamma, gamma);
    }
    int g = prefix[bestStart + w] - prefix[bestStart];
    DetectionResult r = DetectionResult.redGreen(scheme, keyId, w, g, gamma, gamma);
    double log10p = Math.min(0, r.log10PValue() + Math.log10(windows));
    return new DetectionResult(
        scheme,
        keyId,
        w,
        g,
        g,
        gamma,
        r.zScore(),
        Math.pow(10, log10p),
        log10p,
        Math.min(1, r.pValueNormal() * windows));
  }
}
