package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KgwSchemeTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("test", "000102030405060708090a0b0c0d0e0f");

  @Test
  void addBiasRaisesExactlyTheGreenTokens() {
    KgwScheme s = new KgwScheme(KEY, 0.25, 1);
    int vocab = 2500; // spans three blocks, the last one partial
    float[] row = new float[vocab + 10];
    long seed = s.seed(new int[] {42}, 1);
    s.addBias(row, 10, vocab, seed, 2f, new int[KgwScheme.BLOCK]);
    for (int i = 0; i < 10; i++) {
      assertEquals(0f, row[i]);
    }
    for (int v = 0; v < vocab; v++) {
      assertEquals(s.isGreen(seed, v) ? 2f : 0f, row[10 + v], "token " + v);
    }
  }

  @Test
  void greenFractionIsGammaAcrossContexts() {
    // 2,000 contexts x 1,000 tokens: the green fraction is within 0.005 of gamma (~10 sigma of the
    // binomial standard error 0.00043 for 2e6 draws; the bijective mix makes it tighter still).
    for (double gamma : new double[] {0.1, 0.25, 0.5}) {
      KgwScheme s = new KgwScheme(KEY, gamma, 1);
      long green = 0;
      for (int prev = 0; prev < 2000; prev++) {
        long seed = s.seed(new int[] {prev}, 1);
        for (int v = 0; v < 1000; v++) {
          green += s.isGreen(seed, v) ? 1 : 0;
        }
      }
      assertEquals(gamma, green / 2e6, 0.005, "gamma " + gamma);
    }
  }

  @Test
  void greenListsDependOnKeyAndOnEveryContextToken() {
    KgwScheme a = new KgwScheme(KEY, 0.25, 3);
    KgwScheme b =
        new KgwScheme(WatermarkKey.ofHex("other", "ff0102030405060708090a0b0c0d0e0f"), 0.25, 3);
    int[] ctx = {5, 6, 7};
    assertNotEquals(a.seed(ctx, 3), b.seed(ctx, 3));
    assertNotEquals(a.seed(ctx, 3), a.seed(new int[] {5, 6, 8}, 3));
    assertNotEquals(a.seed(ctx, 3), a.seed(new int[] {4, 6, 7}, 3));
    // Overlap of two unrelated green lists is gamma^2 of the vocabulary, not gamma.
    long sa = a.seed(ctx, 3);
    long sb = b.seed(ctx, 3);
    int both = 0;
    for (int v = 0; v < 100_000; v++) {
      if (a.isGreen(sa, v) && b.isGreen(sb, v)) {
        both++;
      }
    }
    assertEquals(0.0625, both / 1e5, 0.005);
  }

  @Test
  void specificationTestVectorsStayFixed() {
    // Published in the README so third parties can check a re-implementation. Changing these means
    // a new scheme id.
    KgwScheme s = new KgwScheme(KEY, 0.25, 1);
    long seed = s.seed(new int[] {42}, 1);
    StringBuilder green = new StringBuilder();
    int found = 0;
    for (int v = 0; found < 8; v++) {
      if (s.isGreen(seed, v)) {
        green.append(found++ == 0 ? "" : ",").append(v);
      }
    }
    assertEquals(KgwSchemeVectors.SEED_42, Long.toHexString(seed));
    assertEquals(KgwSchemeVectors.FIRST_GREEN_42, green.toString());

    KgwScheme self = new KgwScheme(KEY, 0.25, 1, true);
    assertEquals(
        KgwSchemeVectors.SELF_SEED_42_7, Long.toHexString(self.selfSeed(new int[] {42, 7}, 1)));
    StringBuilder selfGreen = new StringBuilder();
    found = 0;
    for (int v = 0; found < 8; v++) {
      if (self.isGreen(self.selfSeed(new int[] {42, v}, 1), v)) {
        selfGreen.append(found++ == 0 ? "" : ",").append(v);
      }
    }
    assertEquals(KgwSchemeVectors.FIRST_SELF_GREEN_42, selfGreen.toString());
  }

  @Test
  void detectorFindsWatermarkedTokensAndNotRandomOnes() {
    KgwSettings settings = KgwSettings.builder().keyId("test").gamma(0.25).delta(2).build();
    KgwScheme s = KgwScheme.of(KEY, settings);
    KgwDetector d = new KgwDetector(KEY, settings);
    SplittableRandom r = new SplittableRandom(7);
    int vocab = 5000;
    // Watermarked: sample from uniform logits + bias; 200 tokens.
    int[] tokens = new int[201];
    tokens[0] = 1;
    float[] row = new float[vocab];
    for (int i = 1; i < tokens.length; i++) {
      java.util.Arrays.fill(row, 0f);
      s.addBias(row, 0, vocab, s.seed(tokens, i), 2f, new int[KgwScheme.BLOCK]);
      tokens[i] = sampleSoftmax(row, r);
    }
    DetectionResult w = d.detect(tokens, 1, false);
    assertEquals(200, w.tokensScored());
    assertTrue(w.zScore() > 8, "z=" + w.zScore());
    assertTrue(w.log10PValue() < -12, "log10 p=" + w.log10PValue());
  }

  @Test
  void falsePositiveRateOfTheExactTestIsAtMostAlpha() {
    // 2,000 random sequences of 200 tokens; at alpha = 0.01 the expected number of false positives
    // is
    // at most 20 (the exact test is conservative); allow up to 35 (> 3 sigma above 20).
    KgwSettings settings = KgwSettings.builder().keyId("test").build();
    KgwDetector d = new KgwDetector(KEY, settings);
    SplittableRandom r = new SplittableRandom(11);
    int fp = 0;
    double sumZ = 0;
    for (int t = 0; t < 2000; t++) {
      int[] tokens = new int[201];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = r.nextInt(32000);
      }
      DetectionResult res = d.detect(tokens, 1, false);
      fp += res.isWatermarked(0.01) ? 1 : 0;
      sumZ += res.zScore();
    }
    assertTrue(fp <= 35, "false positives " + fp);
    assertEquals(0, sumZ / 2000, 0.1);
  }

  @Test
  void ignoringRepeatsScoresEachContextTokenPairOnce() {
    KgwSettings settings = KgwSettings.builder().keyId("test").build();
    KgwDetector d = new KgwDetector(KEY, settings);
    int[] loop = new int[101];
    for (int i = 0; i < loop.length; i++) {
      loop[i] = i % 2 == 0 ? 7 : 9;
    }
    assertEquals(100, d.detect(loop, 1, false).tokensScored());
    assertEquals(2, d.detect(loop, 1, true).tokensScored());
  }

  static int sampleSoftmax(float[] row, SplittableRandom r) {
    double z = 0;
    for (float v : row) {
      z += Math.exp(v);
    }
    double u = r.nextDouble() * z;
    for (int i = 0; i < row.length; i++) {
      u -= Math.exp(row[i]);
      if (u <= 0) {
        return i;
      }
    }
    return row.length - 1;
  }
}
