package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.KgwScheme;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WrongKeyControlTest {
  static final Function<WatermarkKey, Radioactivity.Scorer> KGW =
      k -> Radioactivity.kgw(new KgwScheme(k, 0.25, 1));

  /**
   * Wrong keys are derived as documented: vectors from Python's hashlib ({@code
   * sha256(b"moat-wrong-key-v1\x00" + struct.pack("<qi", seed, j))}, and the tie break from the
   * "/tiebreak" label's first 8 bytes).
   */
  @Test
  void wrongKeysAreThePublishedDerivation() {
    assertEquals(
        WatermarkKey.ofHex(
            "wrong-0", "9bd88babce3d18c377e742421e5d09b33f79c6536d44b0f849afed2baf314a03"),
        WrongKeyControl.key(1, 0));
    assertEquals(
        WatermarkKey.ofHex(
            "wrong-999", "15494d2337eed42b3015e4fdb88083b3a1653addb2d0dd43dcf03806edafa0c8"),
        WrongKeyControl.key(2026, 999));
    assertEquals(0.19389676924834393, WrongKeyControl.tieBreak(1, 0), 0);
  }

  /**
   * Constructed so that every tuple is green under the true key: 200 contexts, each followed by a
   * token green under it. No wrong key reaches 200 green of 200 (each is Binomial(200, 1/4)), so
   * the empirical p-value is exactly 1/(K + 1); a true score of 0 is reached by every wrong key, p
   * exactly 1; and the count at any threshold is the count of the listed scores.
   */
  @Test
  void empiricalPValueIsTheTrueKeysRank() {
    WatermarkKey truth = RadioactivityTest.key(99);
    KgwScheme scheme = new KgwScheme(truth, 0.25, 1);
    List<int[]> texts = new ArrayList<>();
    for (int c = 0; c < 200; c++) {
      int[] t = {c, 0};
      while (!scheme.isGreen(scheme.seed(t, 1), t[1])) {
        t[1]++;
      }
      texts.add(t);
    }
    SuspectTuples tuples = SuspectTuples.of(texts, 1, true, null);
    Radioactivity.Result r = tuples.test(Radioactivity.kgw(scheme));
    assertEquals(200, r.score());
    WrongKeyControl.Result top = WrongKeyControl.run(KGW, tuples, r.score(), 1000, 1);
    assertEquals(0, top.atLeast());
    assertEquals(1.0 / 1001, top.empiricalP(), 0);
    assertEquals(200, top.tuples());
    WrongKeyControl.Result bottom = WrongKeyControl.run(KGW, tuples, 0, 1000, 1);
    assertEquals(1.0, bottom.empiricalP(), 0);
    double[] scores = bottom.scores();
    double mid = scores[17];
    long expected = java.util.Arrays.stream(scores).filter(s -> s >= mid).count();
    WrongKeyControl.Result m = WrongKeyControl.run(KGW, tuples, mid, 1000, 1);
    assertEquals(expected, m.atLeast());
    assertEquals((1.0 + expected) / 1001, m.empiricalP(), 0);
    // Reproducible from the seed; another seed gives other keys.
    assertArrayEquals(scores, m.scores());
    assertFalse(
        java.util.Arrays.equals(scores, WrongKeyControl.run(KGW, tuples, 0, 1000, 2).scores()));
  }

  /**
   * On text independent of every key (uniform random tokens, seed 1), 1,000 wrong keys' p-values
   * are uniform for both schemes: KS does not reject at 1e-3, and p <= 0.01 for 2 to 25 keys
   * (expected 10, sd 3.1).
   */
  @Test
  void wrongKeyPValuesAreUniformOnIndependentText() {
    List<int[]> texts = RadioactivityTest.random(1, 20, 100, 1000);
    SuspectTuples tuples = SuspectTuples.of(texts, 1, true, null);
    List<Function<WatermarkKey, Radioactivity.Scorer>> schemes =
        List.of(KGW, k -> Radioactivity.gumbel(new GumbelScheme(k, 1)));
    for (Function<WatermarkKey, Radioactivity.Scorer> s : schemes) {
      WrongKeyControl.Result c = WrongKeyControl.run(s, tuples, 0, 1000, 2026);
      assertFalse(c.ks().rejects(1e-3), c.ks().toString());
      int below = c.belowAlpha(0.01);
      assertTrue(below >= 2 && below <= 25, below + " of 1000 below 0.01");
      assertEquals(1000, c.keys());
      assertEquals(2026, c.seed());
      assertEquals(0, c.trueScore());
    }
  }

  /**
   * The no-dedup ablation: one 50-token sentence 40 times. Without de-duplication its 49 tuples
   * count 40 times each and the wrong keys' p-values are far from uniform (KS rejects at 1e-6; over
   * 100 of 1,000 wrong keys "detect" at 0.01); de-duplicated, they are uniform (no rejection at
   * 1e-3) even on 49 tuples, thanks to the tie break.
   */
  @Test
  void withoutDeduplicationWrongKeysAccuseRepetitiveText() {
    int[] sentence = RadioactivityTest.random(2, 1, 50, 1000).get(0);
    List<int[]> texts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      texts.add(sentence);
    }
    WrongKeyControl.Result raw =
        WrongKeyControl.run(KGW, SuspectTuples.of(texts, 1, false, null), 0, 1000, 3);
    WrongKeyControl.Result dedup =
        WrongKeyControl.run(KGW, SuspectTuples.of(texts, 1, true, null), 0, 1000, 3);
    assertEquals(40 * 49, raw.tuples());
    assertEquals(49, dedup.tuples());
    assertTrue(raw.ks().rejects(1e-6), raw.ks().toString());
    assertTrue(raw.belowAlpha(0.01) > 100, raw.belowAlpha(0.01) + " of 1000");
    assertFalse(dedup.ks().rejects(1e-3), dedup.ks().toString());
  }

  @Test
  void keyCountIsChecked() {
    SuspectTuples t = SuspectTuples.of(List.of(new int[] {1, 2}), 1, true, null);
    assertEquals(
        "`wrong keys` was '99' but it must be in [100, 10000]",
        assertThrows(IllegalArgumentException.class, () -> WrongKeyControl.run(KGW, t, 0, 99, 1))
            .getMessage());
  }
}
