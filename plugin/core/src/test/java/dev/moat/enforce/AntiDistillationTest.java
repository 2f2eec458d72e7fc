package dev.moat.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.internal.TokenBuffer;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.RequestProtection;
import dev.moat.watermark.WatermarkKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AntiDistillationTest {
  static final int V = 50;

  /** A proxy corpus and a downstream corpus over 50 tokens with known counts. */
  static BigramProxy proxy() {
    int[][] proxy = {{1, 2, 1, 2, 1, 3}, {4, 5}};
    int[][] downstream = {{1, 2, 1, 4, 1, 4, 1, 4}, {4, 5, 4, 6}};
    return BigramProxy.fit(V, proxy, downstream, 1.0);
  }

  /**
   * The weight is tanh of the gain, the exact derivative of the downstream loss of an add-1 bigram
   * student relative to its context's average: after 1, the proxy saw 2 twice and 3 once (n(1) =
   * 3); downstream saw 2 once and 4 three times (n_D(1) = 4).
   */
  @Test
  void weightsAreTheBigramStudentsExactDownstreamGain() {
    BigramProxy p = proxy();
    double average = 4 / (3 + 1.0 * V);
    assertEquals(Math.tanh(Math.log((1 / (2 + 1.0)) / average)), p.weight(1, 2), 1e-6);
    assertEquals(Math.tanh(Math.log((3 / (0 + 1.0)) / average)), p.weight(1, 4), 1e-6);
    assertEquals(0f, p.weight(1, 3), "downstream never follows 1 with 3");
    assertEquals(0f, p.weight(7, 1), "a context downstream never has");
    assertTrue(p.weight(1, 4) > p.weight(1, 2), "what the student has not learned teaches more");
    assertEquals(7, p.entries()); // (1,2) (1,4) (2,1) (4,1) (4,5) (5,4) (4,6): distinct pairs
    // With little smoothing, tokens the student predicts as well as downstream does get little
    // weight (g = (n(c) + kV) / n(c) = 1.17 after 7, where the two agree: tanh(ln g) = 0.15) and a
    // token it never saw after 7 nearly all (g = 117).
    BigramProxy sharp =
        BigramProxy.fit(
            V, new int[][] {{7, 8, 7, 8, 7, 9}}, new int[][] {{7, 8, 7, 9, 7, 8, 7, 5}}, 0.01);
    assertTrue(sharp.weight(7, 8) < 0.2 && sharp.weight(7, 9) < 0.2, "" + sharp.weight(7, 8));
    assertTrue(sharp.weight(7, 5) > 0.99, "" + sharp.weight(7, 5));
  }

  @Test
  void lowersTheTeachingTokensWithinItsKlBudgetAndLeavesSpecialTokensAlone() {
    BigramProxy p = proxy();
    AntiDistillation ad = new AntiDistillation(p, 0.5);
    assertEquals(2f, ad.delta(), 1e-6);
    RequestContext ctx =
        RequestContext.builder()
            .account("a")
            .tier("t")
            .vocabSize(V)
            .prompt("", new int[] {1})
            .specialTokens(2)
            .build();
    RequestProtection r = ad.begin(ctx);
    TokenBuffer h = new TokenBuffer(new int[] {1}, 4);
    float[] row = new float[V];
    r.processLogits(row, 0, h);
    assertEquals(0f, row[2], "special token untouched");
    assertEquals(-2f * p.weight(1, 4), row[4], 1e-6);
    assertEquals(0f, row[3]);
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 200; i++) {
      float[] a = new float[V];
      for (int v = 0; v < V; v++) {
        a[v] = (float) (3 * rnd.nextGaussian());
      }
      float[] b = a.clone();
      h.append(rnd.nextInt(8));
      r.processLogits(b, 0, h);
      assertTrue(
          dev.moat.KeyedNoiseTest.kl(a, b) <= 0.5 + 1e-6, "KL " + dev.moat.KeyedNoiseTest.kl(a, b));
    }
    RequestContext wrongVocab =
        RequestContext.builder().account("a").tier("t").vocabSize(V + 1).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ad.begin(wrongVocab));
    assertTrue(e.getMessage().contains("vocabSize") && e.getMessage().contains("50"));
  }

  @Test
  void roundTripsThroughItsFileAndNamesWhatIsDamaged() throws IOException {
    BigramProxy p = proxy();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.write(out);
    BigramProxy q = BigramProxy.read(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(p.entries(), q.entries());
    for (int c = 0; c < V; c++) {
      for (int x = 0; x < V; x++) {
        assertEquals(p.weight(c, x), q.weight(c, x));
      }
    }
    byte[] bad = out.toByteArray();
    bad[0] = 'X';
    IOException e =
        assertThrows(IOException.class, () -> BigramProxy.read(new ByteArrayInputStream(bad)));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
    byte[] badId = out.toByteArray();
    int firstId = 12 + 4 * V;
    badId[firstId] = 0x7f;
    e = assertThrows(IOException.class, () -> BigramProxy.read(new ByteArrayInputStream(badId)));
    assertTrue(e.getMessage().contains("ids[0]"), e.getMessage());
    IllegalArgumentException t =
        assertThrows(
            IllegalArgumentException.class,
            () -> BigramProxy.fit(V, new int[][] {{1, 60}}, new int[0][], 1));
    assertTrue(t.getMessage().contains("proxy[0][1]"), t.getMessage());
  }

  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          escalation: {rules: [{score: 0.5, level: 1}]}
      enforcement:
        levels:
          - {level: 1, anti_distillation_kl: 0.5}
      """;

  @Test
  void aLevelAppliesItThroughMoatAndNeedsAProxy() throws IOException {
    PolicyException missing =
        assertThrows(
            PolicyException.class,
            () ->
                Moat.builder()
                    .policy(PolicyLoader.parse(POLICY, true, "p", Set.of()))
                    .keys(WatermarkKeys.empty())
                    .build());
    assertTrue(
        missing.getMessage().contains("enforcement.levels[1].anti_distillation_kl")
            && missing.getMessage().contains("proxyStudent"),
        missing.getMessage());
    PolicyException range =
        assertThrows(
            PolicyException.class,
            () -> PolicyLoader.parse(POLICY.replace("0.5}", "3}"), true, "p", Set.of()));
    assertTrue(range.getMessage().contains("anti_distillation_kl"), range.getMessage());
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(POLICY, true, "p", Set.of()))
            .keys(WatermarkKeys.empty())
            .proxyStudent(proxy())
            .audit(c -> {})
            .build()) {
      RequestContext flagged =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(V)
              .prompt("", new int[] {1})
              .probing(0.9, null)
              .build();
      try (MoatRequest r = moat.begin(flagged)) {
        float[] row = new float[V];
        r.processLogits(row);
        assertTrue(row[4] < -1.9f && row[2] < 0, "lowered: " + row[4] + ", " + row[2]);
      }
      RequestContext clean =
          RequestContext.builder()
              .account("b")
              .tier("free")
              .vocabSize(V)
              .prompt("", new int[] {1})
              .build();
      try (MoatRequest r = moat.begin(clean)) {
        float[] row = new float[V];
        r.processLogits(row);
        assertEquals(0f, row[4], "level 0 untouched");
      }
    }
  }
}
