package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.KeyedNoise;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.RequestProtection;
import dev.moat.watermark.GreenListCache;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.KgwWatermark;
import dev.moat.watermark.WatermarkKeys;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keyed noise at an escalation level followed by the tier's KGW watermark runs as one pass over the
 * row (the keyed row fused into the watermark's loop). The fused pass must give, bit for bit, what
 * the two stages give one after the other: checked against the two protections run separately on
 * every step of a request, through each path of the watermark's decisions (too little history, a
 * context seen before in the request, a fresh one) and with special tokens, which the noise leaves
 * alone and the watermark does not. The request's watermark reads recurring contexts' green lists
 * from the shared cache; the reference hashes every step.
 */
class MoatRequestFusionTest {
  static final WatermarkKey NOISE =
      WatermarkKey.ofHex("noise1", "000102030405060708090a0b0c0d0e0f");
  static final WatermarkKey WM = WatermarkKey.ofHex("wm1", "0f0e0d0c0b0a09080706050403020100");

  @ParameterizedTest(name = "vocab {0}, context width {1}, dedup {2}")
  @CsvSource({
    "1000, 1, none",
    "1000, 2, request",
    "50257, 1, request",
    "50257, 3, none",
    "131, 1, request"
  })
  void fusedStepIsBitIdenticalToNoiseThenWatermark(int vocab, int width, String dedup)
      throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: wm1, gamma: 0.25, delta: 2.0, context_width: %d, dedup: %s}
            escalation: {rules: [{score: 0.5, level: 2}]}
        enforcement:
          noise_key: noise1
          levels:
            - {level: 2, keyed_noise_kl: 0.125}
        """
            .formatted(width, dedup);
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("noise1", "wm1")))
            .keys(WatermarkKeys.of(NOISE, WM))
            .audit(c -> {})
            .build()) {
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(vocab)
              .prompt("", new int[0]) // an empty prompt: the first steps lack a context
              .specialTokens(0, vocab - 1, 5)
              .probing(0.9, null)
              .build();
      RequestProtection noise = new KeyedNoise(NOISE, 0.125).begin(ctx);
      RequestProtection kgw =
          new KgwWatermark(
                  KgwSettings.builder()
                      .keyId("wm1")
                      .contextWidth(width)
                      .dedupPerRequest(dedup.equals("request"))
                      .build(),
                  WM,
                  new GreenListCache(0)) // the reference hashes every step
              .begin(ctx);
      long hitsBefore = GreenListCache.shared().hits();
      SplittableRandom r = new SplittableRandom(vocab * 31L + width);
      try (MoatRequest req = moat.begin(ctx)) {
        assertTrue(req.fusesNextStep(), "the level's noise and the watermark fuse");
        for (int step = 0; step < 60; step++) {
          float[] logits = new float[vocab];
          for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (3 * r.nextGaussian());
          }
          logits[r.nextInt(vocab)] = Float.NEGATIVE_INFINITY;
          float[] expected = logits.clone();
          noise.processLogits(expected, 0, req.history());
          kgw.processLogits(expected, 0, req.history());
          req.processLogits(logits);
          for (int i = 0; i < vocab; i++) {
            assertEquals(
                Float.floatToRawIntBits(expected[i]),
                Float.floatToRawIntBits(logits[i]),
                "step " + step + ", token " + i + ": " + expected[i] + " vs " + logits[i]);
          }
          // Repeat tokens often, so contexts recur (the dedup path).
          req.accept(step % 3 == 0 ? 7 : r.nextInt(Math.min(vocab, 12)));
        }
      }
      if (dedup.equals("none") && width == 1) {
        assertTrue(
            GreenListCache.shared().hits() > hitsBefore,
            "recurring contexts are read from the shared green-list cache");
      }
    }
  }

  /**
   * The row check rides in the watermark's pass, so a step learns the row is bad only after the
   * pass has decided to watermark its context. A rejected row must leave the request as it was:
   * with per-request de-duplication, recording the context of a rejected step would skip the
   * watermark when the good row of the same step comes (fails so when the decision is recorded
   * before the check). Checked against a twin request that never sees a bad row, at level 0 (the
   * watermark alone) and level 2 (keyed noise fused in), on cached and hashed contexts alike.
   */
  @ParameterizedTest(name = "probing {0}, rejecting {1}")
  @CsvSource({"0.0, NaN", "0.9, NaN", "0.0, Infinity", "0.9, Infinity"})
  void aRejectedRowLeavesTheRequestAsItWas(double probing, float bad) throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: wm1, gamma: 0.25, delta: 2.0, context_width: 1, dedup: request}
            escalation: {rules: [{score: 0.5, level: 2}]}
        enforcement:
          noise_key: noise1
          levels:
            - {level: 2, keyed_noise_kl: 0.125}
        """;
    int vocab = 5000;
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("noise1", "wm1")))
            .keys(WatermarkKeys.of(NOISE, WM))
            .audit(c -> {})
            .build()) {
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(vocab)
              .prompt("", new int[] {3})
              .specialTokens(0, vocab - 1)
              .probing(probing, null)
              .build();
      SplittableRandom r = new SplittableRandom(41);
      int rejected = 0;
      try (MoatRequest req = moat.begin(ctx);
          MoatRequest twin = moat.begin(ctx)) {
        assertEquals(probing > 0.5, req.fusesNextStep());
        for (int step = 0; step < 40; step++) {
          float[] logits = new float[vocab];
          for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (3 * r.nextGaussian());
          }
          if (step % 2 == 0) {
            float[] broken = logits.clone();
            broken[r.nextInt(vocab)] = bad;
            broken[r.nextInt(vocab)] = Float.NEGATIVE_INFINITY;
            assertThrows(IllegalArgumentException.class, () -> req.processLogits(broken));
            rejected++;
          }
          float[] expected = logits.clone();
          twin.processLogits(expected);
          req.processLogits(logits);
          for (int i = 0; i < vocab; i++) {
            assertEquals(
                Float.floatToRawIntBits(expected[i]),
                Float.floatToRawIntBits(logits[i]),
                "step " + step + ", token " + i);
          }
          int token = step % 4 == 0 ? 7 : r.nextInt(12); // contexts recur: hits and dedup
          req.accept(token);
          twin.accept(token);
        }
      }
      assertEquals(20, rejected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "'{scheme: kgw, key: wm1, context_width: 1, entropy_threshold: 0.5}'",
    "'{scheme: kgw, key: wm1, context_width: 2, seeding: selfhash}'"
  })
  void watermarksThatReadTheRowDoNotFuse(String watermark) throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free:
            watermark: %s
            escalation: {rules: [{score: 0.5, level: 2}]}
        enforcement:
          noise_key: noise1
          levels:
            - {level: 2, keyed_noise_kl: 0.125}
        """
            .formatted(watermark);
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("noise1", "wm1")))
            .keys(WatermarkKeys.of(NOISE, WM))
            .audit(c -> {})
            .build()) {
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(1000)
              .prompt("", new int[] {1, 2, 3})
              .probing(0.9, null)
              .build();
      try (MoatRequest req = moat.begin(ctx)) {
        assertFalse(req.fusesNextStep());
      }
    }
  }
}
