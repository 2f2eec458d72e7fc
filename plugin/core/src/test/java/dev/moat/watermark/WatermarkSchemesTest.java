package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.SamplingParams;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every scheme is selectable per tier, and each one's detector finds what its protection made. */
class WatermarkSchemesTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("k", "8899aabbccddeeff0011223344556677");
  static final int VOCAB = 3000;
  static final Policy POLICY =
      PolicyLoader.parse(
          """
      version: 1
      tiers:
        kgw: {watermark: {scheme: kgw, key: k, gamma: 0.25, delta: 2.0, context_width: 2}}
        hf: {watermark: {scheme: kgw-hf, key: k, gamma: 0.25, delta: 2.0, vocab_size: 3000, cache_entries: 64}}
        gumbel: {watermark: {scheme: gumbel, key: k, context_width: 1}}
        selfhash: {watermark: {scheme: kgw, key: k, gamma: 0.25, delta: 2.0, context_width: 3, seeding: selfhash, self_hash_candidates: 40}}
        none: {}
      """,
          true,
          "schemes",
          Set.of("k"));

  static int[] generate(Moat moat, String tier, long seed, int n) {
    return generate(moat, tier, null, seed, n);
  }

  /** As above, for a request of flagged campaign group {@code group} (null: none). */
  static int[] generate(
      Moat moat, String tier, @org.jspecify.annotations.Nullable String group, long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    MoatRequest req =
        moat.begin(
            RequestContext.builder()
                .account("a")
                .tier(tier)
                .vocabSize(VOCAB)
                .prompt("", new int[] {7, 8})
                .probing(group == null ? 0 : 1, group)
                .sampling(SamplingParams.builder().temperature(1f).seed(seed).maxTokens(n).build())
                .build());
    float[] row = new float[VOCAB];
    for (int i = 0; i < n; i++) {
      for (int v = 0; v < VOCAB; v++) {
        row[v] = (float) (r.nextGaussian() * 2);
      }
      req.accept(req.sample(row));
    }
    req.finish(dev.moat.spi.FinishReason.LENGTH);
    int[] out = new int[2 + n];
    for (int i = 0; i < out.length; i++) {
      out[i] = req.history().get(i);
    }
    return out;
  }

  @Test
  void eachSchemesDetectorFindsItsOwnWatermarkOnly() throws Exception {
    try (Moat moat = Moat.builder().policy(POLICY).keys(WatermarkKeys.of(KEY)).build()) {
      for (String tier : List.of("kgw", "hf", "gumbel", "selfhash")) {
        WatermarkDetector d = POLICY.tier(tier).watermark().orElseThrow().detector(KEY);
        DetectionResult marked = d.detect(generate(moat, tier, 1, 150), 2, false);
        DetectionResult plain = d.detect(generate(moat, "none", 2, 150), 2, false);
        assertTrue(marked.log10PValue() < -6, tier + " marked log10 p " + marked.log10PValue());
        assertTrue(plain.pValue() > 0.001, tier + " plain p " + plain.pValue());
      }
      assertEquals(
          List.of("kgw-hf(key=k, gamma=0.25, delta=2.0, vocab_size=3000)"),
          moat.begin(RequestContext.builder().account("a").tier("hf").vocabSize(VOCAB).build())
              .appliedProtections());
    }
  }

  @Test
  void schemeSettingsAreCheckedPerScheme() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                PolicyLoader.parse(
                    """
        version: 1
        tiers:
          a: {watermark: {scheme: kgw-hf, key: k, delta: 2}}
          b: {watermark: {scheme: gumbel, key: k, gamma: 0.5}}
          c: {watermark: {scheme: synthid, key: k}}
        """,
                    true,
                    "p",
                    Set.of("k")));
    assertEquals(
        List.of(
            "`tiers.a.watermark.vocab_size` is missing but it is required (the model's vocabulary size; it defines"
                + " Hugging Face's green lists)",
            "`tiers.b.watermark.gamma` is not a known setting; allowed here: scheme, key, context_width, dedup, dedup_history, group_keys",
            "`tiers.c.watermark.scheme` was 'synthid' but it must be one of kgw, kgw-hf, gumbel"),
        e.problems());
  }

  @Test
  void hfModeRejectsAnotherVocabulary() throws Exception {
    try (Moat moat = Moat.builder().policy(POLICY).keys(WatermarkKeys.of(KEY)).build()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  moat.begin(
                      RequestContext.builder().account("a").tier("hf").vocabSize(32000).build()));
      assertEquals(
          "`vocabSize` was '32000' but it must be the kgw-hf watermark's vocab_size 3000",
          e.getMessage());
    }
  }

  @Test
  void hfHashKeyIsDerivedFromTheKeyAndFitsTorchsSeedRange() {
    long h = HfKgwSettings.hashKey(KEY);
    assertTrue(h >= 0 && h < (1L << 32));
    assertEquals(
        h,
        HfKgwSettings.hashKey(WatermarkKey.ofHex("other-id", "8899aabbccddeeff0011223344556677")));
  }
}
