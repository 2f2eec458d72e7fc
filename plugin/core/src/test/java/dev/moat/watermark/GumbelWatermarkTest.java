package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GumbelWatermarkTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("g", "00112233445566778899aabbccddeeff");

  static Moat moat() throws Exception {
    return Moat.builder()
        .policy(Policy.of("t", TierPolicy.unprotected("t")))
        .addProtection("t", new GumbelWatermark(KEY, 1))
        .build();
  }

  static float[] logits(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] l = new float[n];
    for (int i = 0; i < n; i++) {
      l[i] = (float) (r.nextGaussian() * 1.5);
    }
    return l;
  }

  @Test
  void choicesFollowTheModelsDistributionOverKeys() {
    // Distortion-free: over 100,000 contexts (each a different key stream) the picks among 12
    // tokens
    // at T = 0.8 match the softmax; each frequency within 5 standard errors (false failure < 1e-5).
    float[] l = logits(12, 5);
    double[] p = new double[12];
    double z = 0;
    for (int i = 0; i < 12; i++) {
      p[i] = Math.exp(l[i] / 0.8);
      z += p[i];
    }
    int[] byKey = new int[12];
    int keys = 60_000;
    for (int k = 0; k < keys; k++) {
      GumbelScheme s = new GumbelScheme(WatermarkKey.ofHex("k", String.format("%032x", k + 1)), 1);
      long seed = s.seed(new int[] {3}, 1);
      int best = 0;
      double bestRatio = Double.POSITIVE_INFINITY;
      for (int v = 0; v < 12; v++) {
        double ratio = -Math.log(GumbelScheme.uniform(seed, v)) / (p[v] / z);
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = v;
        }
      }
      byKey[best]++;
    }
    for (int v = 0; v < 12; v++) {
      double q = p[v] / z;
      double se = Math.sqrt(q * (1 - q) / keys);
      assertEquals(q, byKey[v] / (double) keys, 5 * se + 1e-9, "token " + v);
    }
  }

  /**
   * {@code dedup: global}: a context keyed by one request is sampled with the next request's own
   * randomness. Two requests with the same prompt and logits pick the same token every time without
   * it (the keyed choice is a function of the context), and about as often as chance with it (the
   * picks of two independent draws from 200 near-uniform tokens agree with probability about 0.005;
   * at most 10 of 100 is far above that).
   */
  @Test
  void globalDedupHandsRepeatedContextsToTheRequestsOwnRandomness() throws Exception {
    Policy policy =
        dev.moat.policy.PolicyLoader.parse(
            """
            version: 1
            tiers:
              keyed: {watermark: {scheme: gumbel, key: g, context_width: 1}}
              global: {watermark: {scheme: gumbel, key: g, context_width: 1, dedup: global, dedup_history: 4096}}
            """,
            true,
            "p",
            java.util.Set.of("g"));
    assertEquals(
        "gumbel(key=g, context_width=1, dedup=global(4096))",
        policy.tier("global").watermark().orElseThrow().toString());
    float[] l = logits(200, 3);
    for (int i = 0; i < l.length; i++) {
      l[i] *= 0.1f; // near-uniform
    }
    try (Moat moat = Moat.builder().policy(policy).keys(WatermarkKeys.of(KEY)).build()) {
      int sameKeyed = 0;
      int sameGlobal = 0;
      for (int prompt = 0; prompt < 100; prompt++) {
        int[] keyed = new int[2];
        int[] global = new int[2];
        for (int r = 0; r < 2; r++) {
          keyed[r] = pick(moat, "keyed", prompt, 1000 + r, l);
          global[r] = pick(moat, "global", prompt, 2000 + r, l);
        }
        sameKeyed += keyed[0] == keyed[1] ? 1 : 0;
        sameGlobal += global[0] == global[1] ? 1 : 0;
      }
      assertEquals(100, sameKeyed);
      assertTrue(sameGlobal <= 10, "agreeing picks with global dedup: " + sameGlobal);
    }
  }

  private static int pick(Moat moat, String tier, int prompt, long seed, float[] l) {
    try (MoatRequest r =
        moat.begin(
            RequestContext.builder()
                .account("a")
                .tier(tier)
                .vocabSize(l.length)
                .prompt("", new int[] {prompt})
                .sampling(SamplingParams.builder().temperature(1f).seed(seed).maxTokens(1).build())
                .build())) {
      return r.sample(l.clone());
    }
  }

  /**
   * A step the key does not choose (here the first, with no context yet) is the sampler's own draw
   * under temperature alone ({@link dev.moat.sampling.Sampler#sample}: rejection from block maxima,
   * no token id hashed), not a race with a seed from the request's randomness (which hashes the
   * vocabulary): the same token as a plain sampler with the request's seed, for every seed.
   */
  @Test
  void unkeyedStepsAreTheSamplersOwnDraw() throws Exception {
    float[] l = logits(5_000, 9);
    try (Moat moat = moat()) {
      int differentFromARace = 0;
      for (long seed = 1; seed <= 200; seed++) {
        SamplingParams params =
            SamplingParams.builder().temperature(0.9f).seed(seed).maxTokens(1).build();
        int picked;
        try (MoatRequest r =
            moat.begin(
                RequestContext.builder()
                    .account("a")
                    .tier("t")
                    .vocabSize(l.length)
                    .prompt("", new int[0])
                    .sampling(params)
                    .build())) {
          picked = r.sample(l.clone());
        }
        assertEquals(new dev.moat.sampling.Sampler(params, l.length).sample(l, 0), picked);
        dev.moat.sampling.Sampler racer = new dev.moat.sampling.Sampler(params, l.length);
        differentFromARace += racer.race(l, 0, racer.nextSeed()) != picked ? 1 : 0;
      }
      // Two independent draws from this row agree about 3 times in 1,000 (the sum of the squared
      // probabilities): a race with the request's first seed, the rule before, agreed 200 times.
      assertTrue(differentFromARace > 150, "picks unlike a race's: " + differentFromARace);
    }
  }

  /**
   * Under temperature alone the pick is the exact argmin over the whole vocabulary, and a context
   * that recurs across requests has its far tokens read from the shared race records (the row
   * differs every request; the seed, from the key and the previous token, recurs).
   */
  @Test
  void recurringContextsReadTheRaceRecordsAndPickTheExactArgmin() throws Exception {
    int vocab = 32000;
    dev.moat.sampling.RaceRecords records = dev.moat.sampling.RaceRecords.shared();
    long hitsBefore = records.hits();
    SplittableRandom rows = new SplittableRandom(12);
    try (Moat moat = moat()) {
      for (int req = 0; req < 60; req++) {
        int prev = 7 + req % 3;
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) {
          l[i] = (float) (rows.nextGaussian() * 2.5);
        }
        int t;
        try (MoatRequest r =
            moat.begin(
                RequestContext.builder()
                    .account("a")
                    .tier("t")
                    .vocabSize(vocab)
                    .prompt("", new int[] {prev})
                    .sampling(SamplingParams.builder().temperature(1f).maxTokens(1).build())
                    .build())) {
          t = r.sample(l.clone());
        }
        long seed = new GumbelScheme(KEY, 1).seed(new int[] {prev}, 1);
        float max = Float.NEGATIVE_INFINITY;
        for (float x : l) {
          max = Math.max(max, x);
        }
        int best = -1;
        double bestRatio = Double.POSITIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          float w = (float) Math.exp(l[v] - max);
          double ratio = -Math.log(GumbelScheme.uniform(seed, v)) / w;
          if (ratio < bestRatio) {
            bestRatio = ratio;
            best = v;
          }
        }
        assertEquals(best, t, "request " + req);
      }
    }
    assertTrue(records.serves(vocab), "the shared cache serves 16 vocabularies: " + records);
    assertTrue(records.hits() - hitsBefore >= 50, "record hits: " + (records.hits() - hitsBefore));
  }

  @Test
  void theProtectionPicksWhatTheReferenceRulePicksAndHonoursTopK() throws Exception {
    float[] l = logits(500, 9);
    try (Moat moat = moat()) {
      for (int prev = 0; prev < 200; prev++) {
        MoatRequest r =
            moat.begin(
                RequestContext.builder()
                    .account("a")
                    .tier("t")
                    .vocabSize(500)
                    .prompt("", new int[] {prev})
                    .sampling(SamplingParams.builder().temperature(1f).topK(5).maxTokens(1).build())
                    .build());
        int t = r.sample(l.clone());
        // Reference: exact argmin of -ln(u)/p over the top 5, no pruning.
        long seed = new GumbelScheme(KEY, 1).seed(new int[] {prev}, 1);
        float[] sorted = l.clone();
        java.util.Arrays.sort(sorted);
        float fifth = sorted[495];
        int best = -1;
        double bestRatio = Double.POSITIVE_INFINITY;
        for (int v = 0; v < 500; v++) {
          if (l[v] >= fifth) {
            double ratio = -Math.log(GumbelScheme.uniform(seed, v)) / Math.exp(l[v]);
            if (ratio < bestRatio) {
              bestRatio = ratio;
              best = v;
            }
          }
        }
        assertEquals(best, t, "prev " + prev);
      }
    }
  }

  @Test
  void detectsWatermarkedTokensAndKeepsItsFalsePositiveRate() throws Exception {
    GumbelDetector d = new GumbelDetector(KEY, 1);
    SplittableRandom r = new SplittableRandom(2);
    int vocab = 3000;
    // Watermarked: 100 tokens sampled by the protection from random logits (temperature 1).
    try (Moat moat = moat()) {
      MoatRequest req =
          moat.begin(
              RequestContext.builder()
                  .account("a")
                  .tier("t")
                  .vocabSize(vocab)
                  .prompt("", new int[] {1})
                  .sampling(SamplingParams.builder().temperature(1f).maxTokens(100).build())
                  .build());
      for (int i = 0; i < 100; i++) {
        req.accept(req.sample(logits(vocab, r.nextLong())));
      }
      int[] all = req.history() instanceof dev.moat.internal.TokenBuffer b ? b.toArray() : null;
      DetectionResult w = d.detect(all, 1, false);
      assertEquals(100, w.tokensScored());
      assertTrue(w.log10PValue() < -6, "log10 p " + w.log10PValue());
    }
    // Null: 2,000 random texts of 100 tokens; at alpha 0.01 expect <= 20 false positives, allow 35.
    int fp = 0;
    for (int t = 0; t < 2000; t++) {
      int[] tokens = new int[101];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = r.nextInt(vocab);
      }
      fp += d.detect(tokens, 1, false).isWatermarked(0.01) ? 1 : 0;
    }
    assertTrue(fp <= 35, "false positives " + fp);
  }

  @Test
  void aRepeatedContextRepeatsItsChoiceOnlyWithoutDedup() throws Exception {
    // Context width 1, the same previous token every step, flat logits over 50 tokens: with the key
    // alone every step picks the same token (text falls into a loop); with per-request dedup only
    // the
    // first step is keyed and the rest are plain samples.
    float[] flat = new float[50];
    for (boolean dedup : new boolean[] {false, true}) {
      try (Moat moat =
          Moat.builder()
              .policy(Policy.of("t", TierPolicy.unprotected("t")))
              .addProtection("t", new GumbelWatermark(KEY, 1, dedup))
              .build()) {
        MoatRequest r =
            moat.begin(
                RequestContext.builder()
                    .account("a")
                    .tier("t")
                    .vocabSize(50)
                    .prompt("", new int[] {7})
                    .sampling(
                        SamplingParams.builder().temperature(1f).seed(1).maxTokens(40).build())
                    .build());
        java.util.Set<Integer> picks = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
          picks.add(r.sample(flat.clone()));
          r.accept(7); // keep the context fixed
        }
        if (dedup) {
          assertTrue(
              picks.size() > 10, "plain samples after the first: " + picks.size() + " distinct");
        } else {
          assertEquals(1, picks.size());
        }
      }
    }
  }
}
