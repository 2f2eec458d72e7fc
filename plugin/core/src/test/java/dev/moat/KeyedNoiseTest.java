package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.KeyedNoise;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import dev.moat.watermark.WatermarkKeys;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

public class KeyedNoiseTest {
  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          escalation: {rules: [{score: 0.5, level: 1}]}
      enforcement:
        noise_key: noise1
        levels:
          - {level: 1, keyed_noise_kl: 0.5}
      """;
  static final WatermarkKey KEY = WatermarkKey.ofHex("noise1", "000102030405060708090a0b0c0d0e0f");

  /** KL(p || q) in nats between the softmaxes of two logit rows (shared with other tests). */
  public static double kl(float[] p, float[] q) {
    double zp = 0;
    double zq = 0;
    for (int i = 0; i < p.length; i++) {
      zp += Math.exp(p[i]);
      zq += Math.exp(q[i]);
    }
    double kl = 0;
    for (int i = 0; i < p.length; i++) {
      double pi = Math.exp(p[i]) / zp;
      kl += pi * (Math.log(pi) - (q[i] - Math.log(zq)));
    }
    return kl;
  }

  /**
   * Level 1's keyed noise raises half the vocabulary, keyed by the previous token, by 2·sqrt(2·0.5)
   * = 2 nats, and moves each step's distribution by at most its 0.5-nat KL budget: checked on 200
   * random rows (Gaussian logits, sd 3) and on the worst case for a half split, a flat row (KL =
   * ln((1+e²)/2) - 1 = 0.433).
   */
  @Test
  void perturbsWithinItsKlBudgetKeyedByContext() throws Exception {
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(POLICY, true, "p.yaml", Set.of("noise1")))
            .keys(WatermarkKeys.of(KEY))
            .audit(c -> {})
            .build()) {
      int vocab = 512;
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(vocab)
              .prompt("", new int[] {7})
              .probing(0.9, null)
              .build();
      SplittableRandom r = new SplittableRandom(5);
      try (MoatRequest req = moat.begin(ctx)) {
        assertEquals(0.5, req.level().keyedNoiseKl());
        float[] flat = new float[vocab];
        float[] moved = flat.clone();
        req.processLogits(moved);
        int raised = 0;
        for (int i = 0; i < vocab; i++) {
          assertTrue(
              moved[i] == 0f || Math.abs(moved[i] - 2f) < 1e-6, "token " + i + ": " + moved[i]);
          raised += moved[i] > 0 ? 1 : 0;
        }
        assertTrue(raised > vocab * 0.4 && raised < vocab * 0.6, "about half raised: " + raised);
        double f = raised / (double) vocab; // KL of raising a fraction f of a flat row by 2 nats
        assertEquals(Math.log(1 - f + f * Math.exp(2)) - 2 * f, kl(flat, moved), 1e-9);
        assertTrue(kl(flat, moved) <= 0.5);
        // The same context raises the same tokens (keyed); another context, others.
        float[] again = flat.clone();
        req.processLogits(again);
        assertTrue(java.util.Arrays.equals(moved, again));
        req.accept(3);
        float[] other = flat.clone();
        req.processLogits(other);
        assertTrue(!java.util.Arrays.equals(moved, other));
        for (int row = 0; row < 200; row++) {
          float[] p = new float[vocab];
          for (int i = 0; i < vocab; i++) {
            p[i] =
                (float)
                    (3
                        * Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                        * Math.cos(2 * Math.PI * r.nextDouble()));
          }
          float[] q = p.clone();
          req.processLogits(q);
          assertTrue(kl(p, q) <= 0.5 + 1e-6, "row " + row + ": KL " + kl(p, q));
          req.accept(r.nextInt(vocab));
        }
      }
      // Level 0 (a low score): untouched.
      RequestContext clean =
          RequestContext.builder()
              .account("b")
              .tier("free")
              .vocabSize(vocab)
              .probing(0.1, null)
              .build();
      try (MoatRequest req = moat.begin(clean)) {
        float[] row = new float[vocab];
        req.processLogits(row);
        assertTrue(java.util.Arrays.equals(row, new float[vocab]));
      }
    }
  }

  /**
   * Over a vocabulary of several periods (and a partial last one), a step raises exactly the tokens
   * {@link KeyedNoise#raised} names, half of each period, the same positions in every period.
   */
  @Test
  void tilesTheKeyedPatternOverLargeVocabularies() {
    KeyedNoise noise = new KeyedNoise(KEY, 0.5);
    int vocab = 3 * KeyedNoise.PERIOD + 1234;
    RequestContext ctx =
        RequestContext.builder()
            .account("a")
            .tier("free")
            .vocabSize(vocab)
            .prompt("", new int[] {42})
            .build();
    dev.moat.spi.RequestProtection p = noise.begin(ctx);
    dev.moat.internal.TokenBuffer history = new dev.moat.internal.TokenBuffer(new int[] {42}, 8);
    for (int step = 0; step < 5; step++) {
      float[] row = new float[vocab];
      p.processLogits(row, 0, history);
      int prev = history.get(history.length() - 1);
      int raised = 0;
      for (int v = 0; v < vocab; v++) {
        assertEquals(noise.raised(prev, v, vocab) ? 2f : 0f, row[v], 1e-6, "token " + v);
        raised += row[v] > 0 ? 1 : 0;
        if (v >= KeyedNoise.PERIOD) {
          assertEquals(row[v - KeyedNoise.PERIOD], row[v], "token " + v);
        }
      }
      // Binomial(2048, 1/2) per period: sd 23; the pattern is fixed, so this is one draw of it.
      assertTrue(Math.abs(raised / (double) vocab - 0.5) < 0.05, "raised " + raised);
      history.append(step * 7919 % vocab);
    }
    assertThrows(IllegalArgumentException.class, () -> noise.raised(1, vocab, vocab));
  }

  /**
   * Special tokens keep their logits (so a perturbed answer ends where it would have), excluded
   * tokens stay excluded, and what is raised is what {@link KeyedNoise#raised} says: the same key
   * and context raise the same half in any request, another key another half.
   */
  @Test
  void leavesSpecialAndExcludedTokensAloneAndIsKeyed() {
    KeyedNoise noise = new KeyedNoise(KEY, 0.5);
    KeyedNoise other =
        new KeyedNoise(WatermarkKey.ofHex("n2", "ff0102030405060708090a0b0c0d0e0f"), 0.5);
    assertEquals(2f, noise.delta(), 1e-6);
    int vocab = 1000;
    int eos = 999;
    RequestContext ctx =
        RequestContext.builder()
            .account("a")
            .tier("free")
            .vocabSize(vocab)
            .prompt("", new int[] {42})
            .specialTokens(eos, 0, eos)
            .build();
    assertTrue(java.util.Arrays.equals(new int[] {0, 999}, ctx.specialTokens()));
    dev.moat.spi.RequestProtection p = noise.begin(ctx);
    dev.moat.internal.TokenBuffer history = new dev.moat.internal.TokenBuffer(new int[] {42}, 8);
    int raisedSpecial = 0;
    int differ = 0;
    for (int step = 0; step < 50; step++) {
      float[] row = new float[vocab];
      row[5] = Float.NEGATIVE_INFINITY;
      p.processLogits(row, 0, history);
      int prev = history.get(history.length() - 1);
      assertEquals(0f, row[0]);
      assertEquals(0f, row[eos]);
      assertEquals(Float.NEGATIVE_INFINITY, row[5]);
      raisedSpecial += noise.raised(prev, eos, vocab) ? 1 : 0;
      for (int v = 1; v < eos; v++) {
        if (v != 5) {
          assertEquals(noise.raised(prev, v, vocab) ? 2f : 0f, row[v], 1e-6, "token " + v);
        }
        differ += noise.raised(prev, v, vocab) != other.raised(prev, v, vocab) ? 1 : 0;
      }
      history.append(step * 37 % vocab);
    }
    assertTrue(
        raisedSpecial > 5, "the end token would have been raised " + raisedSpecial + " times");
    // Two keys agree on a token half the time: 50 x 997 comparisons, sd ~112 around 24,925.
    assertTrue(Math.abs(differ - 24_925) < 1_000, "keys differ on " + differ);
    assertThrows(IllegalArgumentException.class, () -> new KeyedNoise(KEY, 0));
    assertThrows(IllegalArgumentException.class, () -> new KeyedNoise(KEY, 3));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            RequestContext.builder()
                .account("a")
                .tier("free")
                .vocabSize(10)
                .specialTokens(10)
                .build());
  }

  @Test
  void theNoiseKeyIsRequiredAndMustBeKnown() {
    PolicyException missing =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse(POLICY.replace("noise_key: noise1", ""), true, "p", null));
    assertTrue(missing.getMessage().contains("enforcement.noise_key"), missing.getMessage());
    PolicyException unknown =
        assertThrows(
            PolicyException.class, () -> PolicyLoader.parse(POLICY, true, "p", Set.of("other")));
    assertTrue(
        unknown.getMessage().contains("enforcement.noise_key")
            && unknown.getMessage().contains("noise1"),
        unknown.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> dev.moat.enforce.Level.builder(1).keyedNoiseKl(3));
  }
}
