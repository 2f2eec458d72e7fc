package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RotationAndWindowTest {
  static final WatermarkKey OLD = WatermarkKey.ofHex("k2025", "00000000000000000000000000000001");
  static final WatermarkKey ACTIVE =
      WatermarkKey.ofHex("k2026", "00000000000000000000000000000002");
  static final WatermarkKey OTHER = WatermarkKey.ofHex("k2024", "00000000000000000000000000000003");
  static final KgwSettings SETTINGS = KgwSettings.builder().keyId("any").build();

  /** {@code n} tokens watermarked with {@code key} (uniform logits, delta 2), after token 1. */
  static int[] watermarked(WatermarkKey key, int n, long seed) {
    KgwScheme s = new KgwScheme(key, 0.25, 1);
    SplittableRandom r = new SplittableRandom(seed);
    int vocab = 5000;
    int[] t = new int[n + 1];
    t[0] = 1;
    float[] row = new float[vocab];
    int[] scratch = new int[KgwScheme.BLOCK];
    for (int i = 1; i <= n; i++) {
      Arrays.fill(row, 0f);
      s.addBias(row, 0, vocab, s.seed(t, i), 2f, scratch);
      t[i] = KgwSchemeTest.sampleSoftmax(row, r);
    }
    return t;
  }

  @Test
  void retiredKeysAreFoundAndThePValueIsCorrectedForTheKeysTried() {
    KeyRotationDetector d = KeyRotationDetector.of(SETTINGS, List.of(ACTIVE, OLD, OTHER));
    int[] text = watermarked(OLD, 120, 3);
    DetectionResult single = SETTINGS.detector(OLD).detect(text, 1, false);
    DetectionResult rotated = d.detect(text, 1, false);
    assertEquals("k2025", rotated.keyId());
    assertEquals(single.log10PValue() + Math.log10(3), rotated.log10PValue(), 1e-12);
    assertTrue(rotated.isWatermarked(1e-6));
  }

  @Test
  void rotationKeepsTheFalsePositiveRateAtAlpha() {
    // 2,000 random texts, 4 keys tried each: at alpha 0.01 the corrected test allows at most 20
    // expected false positives (fewer: Bonferroni is conservative); accept up to 35.
    KeyRotationDetector d =
        KeyRotationDetector.of(
            SETTINGS,
            List.of(
                ACTIVE, OLD, OTHER, WatermarkKey.ofHex("k4", "00000000000000000000000000000004")));
    SplittableRandom r = new SplittableRandom(5);
    int fp = 0;
    for (int t = 0; t < 2000; t++) {
      int[] tokens = r.ints(150, 0, 32000).toArray();
      fp += d.detect(tokens, 1, false).isWatermarked(0.01) ? 1 : 0;
    }
    assertTrue(fp <= 35, "false positives " + fp);
  }

  @Test
  void bestWindowFindsAPassageInsideALongDocument() {
    SplittableRandom r = new SplittableRandom(9);
    int[] passage = watermarked(ACTIVE, 80, 4);
    int[] doc = new int[1500];
    for (int i = 0; i < doc.length; i++) {
      doc[i] = r.nextInt(5000);
    }
    System.arraycopy(passage, 0, doc, 700, passage.length);
    KgwDetector d = new KgwDetector(ACTIVE, SETTINGS);
    DetectionResult whole = d.detect(doc, 0, false);
    DetectionResult window = d.detectBestWindow(doc, 0, 80, 10);
    assertTrue(
        window.log10PValue() < whole.log10PValue() - 3,
        "window log10 p " + window.log10PValue() + " vs whole " + whole.log10PValue());
    assertTrue(window.isWatermarked(1e-4), "window log10 p " + window.log10PValue());
    // On unwatermarked text the corrected window test stays quiet.
    int[] plain = r.ints(1500, 0, 5000).toArray();
    assertTrue(!d.detectBestWindow(plain, 0, 80, 10).isWatermarked(0.01));
  }
}
