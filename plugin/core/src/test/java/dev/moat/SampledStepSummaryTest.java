package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.KeyedNoise;
import dev.moat.internal.RowSummary;
import dev.moat.internal.TokenBuffer;
import dev.moat.policy.PolicyLoader;
import dev.moat.sampling.Sampler;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.GreenListCache;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.KgwWatermark;
import dev.moat.watermark.WatermarkKeys;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * When Moat samples, the watermark's pass over a cached green list also takes the edited row's
 * maximum and group maxima, and the sampler reads those instead of scanning the row again ({@link
 * dev.moat.internal.RowSummary}). Each sampled token must be the one a fresh sampler picks from the
 * row the protections leave, run one after the other: at level 0 (the watermark alone) and level 2
 * (keyed noise fused in), for greedy, temperature, top-k and top-p draws, on rows with host masks
 * and rows whose maximum is a special token, which the noise leaves alone, so the pass's summary of
 * that token's group must be repaired after it (fails without the repair: the stale maximum stands
 * above every entry of the row).
 */
class SampledStepSummaryTest {
  @ParameterizedTest(name = "vocab {0}, probing {1}, {2}")
  @CsvSource({
    "50257, 0.0, greedy",
    "50257, 0.9, greedy",
    "50257, 0.0, t1",
    "50257, 0.9, t1",
    "128256, 0.9, t1",
    "1000, 0.9, top50",
    "1000, 0.0, topp",
    "131, 0.9, t1",
    "4099, 0.9, topk20-topp"
  })
  void aSampledStepPicksWhatAFreshSamplerPicksFromTheProcessedRow(
      int vocab, double probing, String sampling) throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: wm1, gamma: 0.25, delta: 2.0, context_width: 1, dedup: none}
            escalation: {rules: [{score: 0.5, level: 2}]}
        enforcement:
          noise_key: noise1
          levels:
            - {level: 2, keyed_noise_kl: 0.125}
        """;
    SamplingParams params = params(sampling);
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("noise1", "wm1")))
            .keys(WatermarkKeys.of(MoatRequestFusionTest.NOISE, MoatRequestFusionTest.WM))
            .audit(c -> {})
            .build()) {
      int[] specials = {0, vocab - 1, 5};
      RequestContext ctx = context(vocab, specials, params, probing);
      RequestProtection noise =
          probing > 0.5 ? new KeyedNoise(MoatRequestFusionTest.NOISE, 0.125).begin(ctx) : null;
      RequestProtection kgw =
          new KgwWatermark(
                  KgwSettings.builder().keyId("wm1").contextWidth(1).build(),
                  MoatRequestFusionTest.WM,
                  new GreenListCache(0)) // the reference hashes every step
              .begin(ctx);
      Sampler reference = new Sampler(params, vocab);
      boolean cached = GreenListCache.shared().forVocabulary(vocab) != null;
      SplittableRandom r = new SplittableRandom(vocab * 31L + sampling.hashCode());
      int steps = 48;
      try (MoatRequest req = moat.begin(ctx)) {
        for (int step = 0; step < steps; step++) {
          float[] logits = row(r, vocab, step);
          if (step % 4 == 2) {
            logits[specials[step % 3]] = 15f; // a special token far above the rest
          }
          float[] expected = logits.clone();
          if (noise != null) {
            noise.processLogits(expected, 0, req.history());
          }
          kgw.processLogits(expected, 0, req.history());
          int want = reference.sample(expected, 0);
          int got = req.sample(logits);
          assertEquals(want, got, "step " + step);
          for (int i = 0; i < vocab; i++) {
            assertEquals(
                Float.floatToRawIntBits(expected[i]),
                Float.floatToRawIntBits(logits[i]),
                "step " + step + ", token " + i);
          }
          req.accept(step % 3 == 0 ? 7 : r.nextInt(Math.min(vocab, 12))); // contexts recur
        }
        if (cached) { // the shared cache serves four vocabularies, and the suite uses more
          assertTrue(
              req.rowSummariesPublished() > steps / 2,
              "cached contexts' passes publish the row's summary: " + req.rowSummariesPublished());
        } else {
          assertEquals(0, req.rowSummariesPublished(), "nothing cached, nothing published");
        }
      }
    }
  }

  /**
   * A tier without protections (the row check alone): the check and the sampler's scan are one pass
   * ({@code Kernels.maxChecked}), whose summary the sampler reads; every pick is a fresh sampler's
   * on the unchanged row, every step publishes (none did before), and a row with NaN or +Infinity
   * is refused naming its first bad entry, as the separate check did.
   */
  @ParameterizedTest(name = "vocab {0}, {1}")
  @CsvSource({
    "50257, greedy",
    "50257, t1",
    "128256, t1",
    "1000, top50",
    "1000, topp",
    "32000, topp",
    "131, t1",
    "4099, topk20-topp"
  })
  void aTierWithoutProtectionsChecksAndSummarisesInOnePass(int vocab, String sampling)
      throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free: {}
        """;
    SamplingParams params = params(sampling);
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of()))
            .audit(c -> {})
            .build()) {
      RequestContext ctx = context(vocab, new int[] {0}, params, 0.0);
      Sampler reference = new Sampler(params, vocab);
      SplittableRandom r = new SplittableRandom(vocab * 17L + sampling.hashCode());
      int steps = 40;
      try (MoatRequest req = moat.begin(ctx)) {
        picksMatchAndEveryStepPublishes(req, r, vocab, steps, l -> reference.sample(l, 0));
        float[] bad = new float[vocab];
        int at = vocab - 1 - r.nextInt(Math.min(vocab, 70)); // in the last group or the tail
        bad[at] = Float.intBitsToFloat(0xFFC00001); // NaN with the sign set
        IllegalArgumentException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> req.sample(bad));
        assertTrue(e.getMessage().startsWith("logits[" + at + "] was NaN"), e.getMessage());
        bad[at] = 0f;
        bad[r.nextInt(vocab)] = Float.POSITIVE_INFINITY;
        assertThrows(req, bad);
      }
    }
  }

  /**
   * A protection that owns sampling (the Gumbel watermark) samples through Moat's sampler, so the
   * row check and the sampler's scan are one pass for it too: every step publishes (none did
   * before), and every pick is the one the same protection makes with a fresh sampler that scans
   * the row itself: keyed races, the unkeyed draws of repeated contexts, candidates under top-k and
   * top-p, and greedy steps.
   */
  @ParameterizedTest(name = "vocab {0}, {1}")
  @CsvSource({"50257, t1", "128256, t1", "1000, top50", "1000, topp", "131, t1", "4099, greedy"})
  void aSamplingOwnerReadsThePassesSummary(int vocab, String sampling) throws Exception {
    String policy =
        """
        version: 1
        tiers:
          free: {watermark: {scheme: gumbel, key: wm1, context_width: 1}}
        """;
    SamplingParams params = params(sampling);
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("wm1")))
            .keys(WatermarkKeys.of(MoatRequestFusionTest.WM))
            .audit(c -> {})
            .build()) {
      RequestContext ctx = context(vocab, new int[] {0}, params, 0.0);
      RequestProtection gumbel =
          new dev.moat.watermark.GumbelWatermark(MoatRequestFusionTest.WM, 1).begin(ctx);
      Sampler reference = new Sampler(params, vocab);
      SplittableRandom r = new SplittableRandom(vocab * 13L + sampling.hashCode());
      int steps = 48;
      try (MoatRequest req = moat.begin(ctx)) {
        picksMatchAndEveryStepPublishes(
            req, r, vocab, steps, l -> gumbel.sample(l, 0, req.history(), reference));
      }
    }
  }

  /**
   * Samples {@code steps} rows ({@link #peakedRow}) through {@code req}: each pick must be what
   * {@code want} picks from a copy of the row, taken first; then every step must have published its
   * row's summary.
   */
  private static void picksMatchAndEveryStepPublishes(
      MoatRequest req,
      SplittableRandom r,
      int vocab,
      int steps,
      java.util.function.ToIntFunction<float[]> want) {
    for (int step = 0; step < steps; step++) {
      float[] logits = peakedRow(r, vocab, step);
      int expected = want.applyAsInt(logits.clone());
      assertEquals(expected, req.sample(logits), "step " + step);
      req.accept(expected);
    }
    assertEquals(steps, req.rowSummariesPublished(), "every step's check publishes");
  }

  /** {@link #row}, with one token far above the rest every fourth step. */
  private static float[] peakedRow(SplittableRandom r, int vocab, int step) {
    float[] logits = row(r, vocab, step);
    if (step % 4 == 2) {
      logits[r.nextInt(vocab)] = 15f;
    }
    return logits;
  }

  private static void assertThrows(MoatRequest req, float[] row) {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> req.sample(row));
  }

  /** A Gaussian row (sd 3), every fifth step with one entry masked to -Infinity, as hosts do. */
  private static float[] row(SplittableRandom r, int vocab, int step) {
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (3 * r.nextGaussian());
    }
    if (step % 5 == 1) {
      logits[r.nextInt(vocab)] = Float.NEGATIVE_INFINITY; // a host's mask
    }
    return logits;
  }

  static RequestContext context(int vocab, int[] specials, SamplingParams params, double probing) {
    return RequestContext.builder()
        .account("a")
        .tier("free")
        .vocabSize(vocab)
        .prompt("p", new int[] {3})
        .specialTokens(specials)
        .sampling(params)
        .probing(probing, null)
        .build();
  }

  static SamplingParams params(String sampling) {
    return switch (sampling) {
      case "greedy" -> SamplingParams.greedy(64);
      case "t1" -> SamplingParams.builder().temperature(1f).seed(3).build();
      case "top50" -> SamplingParams.builder().temperature(0.7f).topK(50).seed(4).build();
      case "topp" -> SamplingParams.builder().temperature(1f).topP(0.9f).seed(5).build();
      default -> SamplingParams.builder().temperature(1f).topK(20).topP(0.9f).seed(6).build();
    };
  }

  /**
   * The same through the pipeline alone, with a green-list cache of the test's own, so that the
   * publishing pass runs whatever else the suite has put in the process's shared cache: the tier's
   * KGW (after keyed noise at level 2) leaves the row and its summary, and a sampler built on that
   * summary picks what a fresh sampler picks from a row the protections edit one after the other.
   */
  @ParameterizedTest(name = "vocab {0}, noise {1}, {2}")
  @CsvSource({
    "128256, true, t1",
    "128256, false, greedy",
    "32000, true, greedy",
    "32000, true, top50",
    "4099, false, topk20-topp",
    "4099, true, t1",
    "200, true, t1"
  })
  void thePipelinesPassPublishesWhatTheSamplerWouldHaveScanned(
      int vocab, boolean withNoise, String sampling) {
    SamplingParams params = params(sampling);
    int[] specials = {0, vocab - 1, 5};
    RequestContext ctx = context(vocab, specials, params, 0);
    KgwSettings settings = KgwSettings.builder().keyId("wm1").contextWidth(1).build();
    RequestProtection kgw =
        new KgwWatermark(settings, MoatRequestFusionTest.WM, new GreenListCache(16L << 20))
            .begin(ctx);
    RequestProtection noise = new KeyedNoise(MoatRequestFusionTest.NOISE, 0.125).begin(ctx);
    Pipeline pipeline =
        Pipeline.compile(
            withNoise ? new RequestProtection[] {noise} : new RequestProtection[0],
            null,
            null,
            new RequestProtection[] {kgw},
            "free");
    RequestProtection refNoise = new KeyedNoise(MoatRequestFusionTest.NOISE, 0.125).begin(ctx);
    RequestProtection refKgw =
        new KgwWatermark(settings, MoatRequestFusionTest.WM, new GreenListCache(0)).begin(ctx);
    RowSummary summary = new RowSummary(vocab);
    Sampler sampler = new Sampler(params, vocab, summary);
    Sampler reference = new Sampler(params, vocab);
    TokenBuffer history = new TokenBuffer(new int[] {3}, 64);
    SplittableRandom r = new SplittableRandom(vocab * 17L + sampling.hashCode());
    int steps = 48;
    for (int step = 0; step < steps; step++) {
      float[] logits = new float[vocab];
      for (int i = 0; i < vocab; i++) {
        logits[i] = (float) (3 * r.nextGaussian());
      }
      if (step % 5 == 1) {
        logits[r.nextInt(vocab)] = Float.NEGATIVE_INFINITY;
      }
      if (step % 4 == 2) {
        logits[specials[step % 3]] = 15f;
      }
      float[] expected = logits.clone();
      if (withNoise) {
        refNoise.processLogits(expected, 0, history);
      }
      refKgw.processLogits(expected, 0, history);
      assertEquals(-1, pipeline.processRow(logits, 0, vocab, history, summary), "step " + step);
      assertEquals(reference.sample(expected, 0), sampler.sample(logits, 0), "step " + step);
      for (int i = 0; i < vocab; i++) {
        assertEquals(
            Float.floatToRawIntBits(expected[i]),
            Float.floatToRawIntBits(logits[i]),
            "step " + step + ", token " + i);
      }
      history.append(step % 3 == 0 ? 7 : r.nextInt(12)); // contexts recur
    }
    assertTrue(summary.published() > steps / 2, "cached steps publish: " + summary.published());
  }
}
