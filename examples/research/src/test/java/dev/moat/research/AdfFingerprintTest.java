package dev.moat.research;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.RequestContext;
import dev.moat.internal.TokenBuffer;
import dev.moat.key.WatermarkKey;
import dev.moat.spi.RequestProtection;
import dev.moat.watermark.KgwScheme;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdfFingerprintTest {
  /**
   * Likely green tokens go up and likely red ones down, by at most delta; unlikely tokens barely
   * move; the special token stays; each step's KL is within delta²/2 (200 random rows).
   */
  @Test
  void movesLikelyTokensByTheirColourWithinItsBudget() {
    KgwScheme scheme =
        new KgwScheme(WatermarkKey.ofHex("k", "00112233445566778899aabbccddeeff"), 0.25, 1);
    AdfFingerprint f = new AdfFingerprint(scheme, 1.0);
    int vocab = 300;
    RequestContext ctx =
        RequestContext.builder().account("a").tier("t").vocabSize(vocab).specialTokens(0).build();
    RequestProtection r = f.begin(ctx);
    TokenBuffer h = new TokenBuffer(new int[] {7}, 4);
    SplittableRandom rnd = new SplittableRandom(2);
    for (int row = 0; row < 200; row++) {
      float[] l = new float[vocab];
      for (int v = 0; v < vocab; v++) {
        l[v] = (float) (3 * rnd.nextGaussian());
      }
      float[] q = l.clone();
      r.processLogits(q, 0, h);
      assertEquals(l[0], q[0], "special token");
      long seed = scheme.seed(new int[] {h.get(h.length() - 1)}, 1);
      int top = 1;
      for (int v = 1; v < vocab; v++) {
        assertTrue(Math.abs(q[v] - l[v]) <= 1.0001, "within delta");
        if (l[v] > l[top]) {
          top = v;
        }
      }
      float moved = q[top] - l[top];
      assertTrue(
          scheme.isGreen(seed, top) ? moved > 0 : moved < 0, "the top token moves by its colour");
      assertTrue(kl(l, q) <= 0.5 + 1e-6);
      h.append(rnd.nextInt(vocab));
    }
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new AdfFingerprint(
                new KgwScheme(WatermarkKey.ofHex("k", "00112233445566778899aabbccddeeff"), 0.25, 2),
                1));
  }

  /** KL(p || q) in nats between the softmaxes of two logit rows. */
  static double kl(float[] p, float[] q) {
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
}
