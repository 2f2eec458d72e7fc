package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Detection across key rotation: tests the text under the active key and every retired one, and
 * reports the best key with its p-value multiplied by the number of keys tried (Bonferroni), so the
 * false-positive rate stays at most alpha however many keys a server has used.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyRotationDetector implements WatermarkDetector {
  private final List<WatermarkDetector> detectors;

  /** One detector per key, active key first. */
  public KeyRotationDetector(List<WatermarkDetector> detectors) {
    if (detectors.isEmpty()) {
      throw new IllegalArgumentException(
          "`detectors` was empty but it must hold at least the active key's");
    }
    this.detectors = List.copyOf(detectors);
  }

  /** Detectors of one scheme's settings under each of {@code keys} (active first). */
  public static KeyRotationDetector of(WatermarkSpec spec, List<WatermarkKey> keys) {
    List<WatermarkDetector> list = new ArrayList<>();
    for (WatermarkKey k : keys) {
      list.add(spec.detector(k));
    }
    return new KeyRotationDetector(list);
  }

  public int keysTried() {
    return detectors.size();
  }

  @Override
  public DetectionResult detectAll(List<int[]> texts, int contextLength, boolean ignoreRepeated) {
    DetectionResult best = null;
    for (WatermarkDetector d : detectors) {
      DetectionResult r = d.detectAll(texts, contextLength, ignoreRepeated);
      if (best == null || r.log10PValue() < best.log10PValue()) {
        best = r;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no detectors"); // the constructor requires at least one
    }
    // Bonferroni: P[min of k p-values <= a] <= k a.
    double log10k = Math.log10(detectors.size());
    double log10p = Math.min(0, best.log10PValue() + log10k);
    return new DetectionResult(
        best.scheme(),
        best.keyId(),
        best.tokensScored(),
        best.greenTokens(),
        best.score(),
        best.gamma(),
        best.zScore(),
        Math.pow(10, log10p),
        log10p,
        Math.min(1, best.pValueNormal() * detectors.size()));
  }
}
