package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.watermark.KgwScheme;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link GreenMass}: calibrated under the null (wrong keys uniform, fixed seeds), powerful against
 * a suspect that moved its logits a little towards our green lists, and not fooled by a clean model
 * that copies what followed an earlier occurrence of the context (the first-occurrence rule; the
 * ablation without it accuses that model).
 */
class GreenMassTest {
  static final int VOCAB = 512;

  /**
   * A clean suspect: logits N(0, 2^2) from the text's prefix hash alone, independent of any key.
   */
  static float[] cleanLogits(int[] text, int i) {
    SplittableRandom r = new SplittableRandom(31L * Arrays.hashCode(Arrays.copyOf(text, i)) + i);
    float[] l = new float[VOCAB];
    for (int v = 0; v < VOCAB; v++) {
      l[v] = (float) (2 * r.nextGaussian());
    }
    return l;
  }

  static void softmax(float[] l, float[] p) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : l) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (float x : l) {
      sum += Math.exp(x - max);
    }
    for (int v = 0; v < l.length; v++) {
      p[v] = (float) (Math.exp(l[v] - max) / sum);
    }
  }

  /** The clean suspect, with {@code eps} added to the green logits of {@code learned} (if any). */
  static GreenMass.Distributions suspect(@Nullable KgwScheme learned, double eps) {
    return (t, sink) -> {
      float[] p = new float[VOCAB];
      for (int i = 1; i < t.length; i++) {
        float[] l = cleanLogits(t, i);
        if (learned != null) {
          long seed = learned.seed(t, i);
          for (int v = 0; v < VOCAB; v++) {
            l[v] += learned.isGreen(seed, v) ? (float) eps : 0f;
          }
        }
        softmax(l, p);
        sink.accept(i, p);
      }
    };
  }

  static List<int[]> texts(long seed, int n, int len) {
    return RadioactivityTest.random(seed, n, len, VOCAB);
  }

  @Test
  void aCleanSuspectIsCalibratedAgainstWrongKeys() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    GreenMass.Collected c =
        GreenMass.collect(1, suspect(null, 0), null, texts(7, 60, 64), 0, VOCAB, 10_000);
    GreenMass.Result r = c.test(ours);
    assertTrue(r.contexts() > 400, "contexts " + r.contexts());
    assertEquals(0.25, r.gamma(), 1e-12);
    // |z| < 4 has probability 1 - 6e-5 under the null; the seed is fixed.
    assertTrue(Math.abs(r.z()) < 4, "z " + r.z());
    assertFalse(r.detected(1e-3));
    GreenMassWrongKeys w =
        c.wrongKeys(k -> new KgwScheme(k, 0.25, 1), r.excess(), 300, 11, GreenMass.Statistic.PLAIN);
    // Uniform normal p-values: KS at 1e-3 rejects a calibrated null once in a thousand seeds.
    assertTrue(w.ks().pValue() > 1e-3, "KS p " + w.ks().pValue());
    assertTrue(w.belowMilli() <= 3, "wrong keys below 1e-3: " + w.belowMilli());
    assertTrue(w.empiricalP() > 1e-3);
  }

  @Test
  void aSmallLearnedShiftIsDetectedAndOnlyUnderItsKey() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    KgwScheme other = new KgwScheme(RadioactivityTest.key(2), 0.25, 1);
    // 0.2 nats on green logits moves the green share by about 0.2 · g(1 - g) = 0.04.
    GreenMass.Collected c =
        GreenMass.collect(1, suspect(ours, 0.2), null, texts(7, 60, 64), 0, VOCAB, 10_000);
    GreenMass.Result r = c.test(ours);
    assertTrue(r.greenShare() > 0.27 && r.greenShare() < 0.31, "green share " + r.greenShare());
    assertTrue(r.log10BoundP() < -12, "bound " + r.log10BoundP());
    assertTrue(r.detected(1e-6));
    assertFalse(c.test(other).detected(1e-3), "z under another key " + c.test(other).z());
    GreenMassWrongKeys w =
        c.wrongKeys(k -> new KgwScheme(k, 0.25, 1), r.excess(), 100, 3, GreenMass.Statistic.PLAIN);
    assertEquals(0, w.atLeast());
    assertEquals(1 / 101.0, w.empiricalP(), 1e-12);
  }

  /**
   * A student of the clean suspect: its logits plus independent noise of sd 0.3 (what imitation
   * leaves), and {@code eps} on our green logits when it learned our watermark.
   */
  static GreenMass.Distributions student(@Nullable KgwScheme learned, double eps) {
    return (t, sink) -> {
      float[] p = new float[VOCAB];
      for (int i = 1; i < t.length; i++) {
        float[] l = cleanLogits(t, i);
        SplittableRandom r = new SplittableRandom(977L * Arrays.hashCode(Arrays.copyOf(t, i)) + i);
        long seed = learned == null ? 0 : learned.seed(t, i);
        for (int v = 0; v < VOCAB; v++) {
          l[v] += (float) (0.3 * r.nextGaussian());
          if (learned != null && learned.isGreen(seed, v)) {
            l[v] += (float) eps;
          }
        }
        softmax(l, p);
        sink.accept(i, p);
      }
    };
  }

  @Test
  void theReferenceTakesTheChanceOverlapOutOfTheVariance() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    List<int[]> texts = texts(7, 60, 64);
    // A shift of 0.02 nats: a twentieth of what the plain test needed above.
    GreenMass.Collected c =
        GreenMass.collect(1, student(ours, 0.02), suspect(null, 0), texts, 0, VOCAB, 10_000);
    GreenMass.Result plain = c.test(ours);
    GreenMass.Result ref = c.referenced(ours);
    assertTrue(plain.log10BoundP() > -3, "plain: z " + plain.z());
    assertTrue(ref.detected(1e-6), "referenced: z " + ref.z() + ", bound " + ref.log10BoundP());
    assertTrue(ref.variance() < plain.variance() / 20, ref.variance() + " vs " + plain.variance());
    // The same student without the watermark: calibrated, against the true key and wrong keys.
    GreenMass.Collected clean =
        GreenMass.collect(1, student(null, 0), suspect(null, 0), texts, 0, VOCAB, 10_000);
    GreenMass.Result r = clean.referenced(ours);
    assertTrue(Math.abs(r.z()) < 4, "z " + r.z());
    GreenMassWrongKeys w =
        clean.wrongKeys(
            k -> new KgwScheme(k, 0.25, 1), r.excess(), 300, 5, GreenMass.Statistic.REFERENCED);
    assertTrue(w.ks().pValue() > 1e-3, "KS p " + w.ks().pValue());
    assertTrue(w.belowMilli() <= 3, "wrong keys below 1e-3: " + w.belowMilli());
    assertThrows(
        IllegalStateException.class,
        () -> GreenMass.collect(1, student(null, 0), null, texts, 0, VOCAB, 10).referenced(ours));
  }

  /**
   * The weighted statistic: each context's row of {@code P_c - Q_c} times the square root of the
   * texts it was scored in. Its T is that sum, recomputed here by hand; a clean student is
   * calibrated under it against 300 wrong keys; and a student that learned the watermark is found.
   */
  @Test
  void theWeightedStatisticWeighsEachContextByTheTextsItWasScoredIn() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    List<int[]> texts = texts(9, 80, 64);
    GreenMass.Collected c =
        GreenMass.collect(1, student(ours, 0.02), suspect(null, 0), texts, 0, VOCAB, 10_000);
    double t = 0;
    int scored = 0;
    for (int k = 0; k < c.contexts(); k++) {
      float[] d = java.util.Objects.requireNonNull(c.difference(k));
      long seed = ours.seed(c.context(k), 1);
      double green = 0;
      double all = 0;
      for (int v = 0; v < VOCAB; v++) {
        double x = Math.sqrt(c.count(k)) * d[v];
        all += x;
        green += ours.isGreen(seed, v) ? x : 0;
      }
      t += green - ours.gamma() * all;
      scored += c.count(k);
    }
    GreenMass.Result w = c.test(ours, GreenMass.Statistic.WEIGHTED);
    assertEquals(t, w.excess(), 1e-9 * Math.abs(t));
    assertEquals(w.positions(), scored);
    assertTrue(w.detected(1e-6), "z " + w.z() + ", bound " + w.log10BoundP());
    GreenMass.Collected clean =
        GreenMass.collect(1, student(null, 0), suspect(null, 0), texts, 0, VOCAB, 10_000);
    GreenMass.Result r = clean.test(ours, GreenMass.Statistic.WEIGHTED);
    assertTrue(Math.abs(r.z()) < 4, "z " + r.z());
    GreenMassWrongKeys wk =
        clean.wrongKeys(
            k -> new KgwScheme(k, 0.25, 1), r.excess(), 300, 5, GreenMass.Statistic.WEIGHTED);
    assertTrue(wk.ks().pValue() > 1e-3, "KS p " + wk.ks().pValue());
    assertTrue(wk.belowMilli() <= 3, "wrong keys below 1e-3: " + wk.belowMilli());
  }

  /**
   * A clean model with an induction head: after {@code ... c x ... c} it puts half its mass on
   * {@code x}. On our watermarked text x was chosen green under c, so scoring the second c would
   * accuse it; the first-occurrence rule does not.
   */
  static GreenMass.Distributions copier() {
    return (t, sink) -> {
      float[] p = new float[VOCAB];
      for (int i = 1; i < t.length; i++) {
        Arrays.fill(p, 0.5f / VOCAB);
        for (int j = i - 1; j >= 1; j--) {
          if (t[j - 1] == t[i - 1]) {
            p[t[j]] += 0.5f;
            break;
          }
        }
        sink.accept(i, p);
      }
    };
  }

  @Test
  void copyingWhatFollowedAnEarlierContextIsNotEvidence() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    // Walks over 32 tokens repeat contexts within a text; each token green after the one before
    // (95% of the time), so x after c is green under c.
    SplittableRandom r = new SplittableRandom(9);
    List<int[]> served = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      int[] t = new int[200];
      t[0] = r.nextInt(32);
      for (int i = 1; i < t.length; i++) {
        long s = ours.seed(t, i);
        int v;
        do {
          v = r.nextInt(32);
        } while (!ours.isGreen(s, v) && r.nextDouble() < 0.95);
        t[i] = v;
      }
      served.add(t);
    }
    GreenMass.Result first =
        GreenMass.collect(1, copier(), null, served, 0, VOCAB, 10_000).test(ours);
    GreenMass.Result all =
        GreenMassReader.collect(1, copier(), null, served, 0, VOCAB, 10_000, false).test(ours);
    assertTrue(first.positions() > 0 && first.positions() <= 40 * 32, "" + first.positions());
    assertFalse(first.detected(1e-3), "first occurrences: z " + first.z());
    assertTrue(all.detected(1e-6), "every position: z " + all.z());
  }

  @Test
  void promptTokensCountAsEarlierOccurrencesAndAreNotScored() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    int[] t = {5, 6, 5, 7, 8, 6, 9};
    int[] seen = new int[t.length];
    GreenMass.Distributions s =
        (text, sink) -> {
          float[] p = new float[VOCAB];
          Arrays.fill(p, 1f / VOCAB);
          for (int i = 1; i < text.length; i++) {
            seen[i]++;
            sink.accept(i, p);
          }
        };
    // Prompt of 3 tokens: contexts 5 (at 1) and 6 (at 2) occur in it; scored positions are 3 (5:
    // seen at 1, no), 4 (7: new), 5 (8: new), 6 (6: seen at 2, no).
    GreenMass.Result r = GreenMass.collect(1, s, null, List.of(t), 3, VOCAB, 10).test(ours);
    assertEquals(2, r.positions());
    assertEquals(2, r.contexts());
    assertEquals(4, r.tokens());
    // Uniform mass: the excess is (greens - g · 512) / 512 at contexts 7 and 8.
    double expected = 0;
    for (int c : new int[] {7, 8}) {
      long seed = ours.seed(new int[] {c}, 1);
      int greens = 0;
      for (int v = 0; v < VOCAB; v++) {
        greens += ours.isGreen(seed, v) ? 1 : 0;
      }
      expected += (greens - 0.25 * VOCAB) / VOCAB;
    }
    assertEquals(expected, r.excess(), 1e-5);
    // A cap of one context drops the second first occurrence.
    assertEquals(
        1, GreenMass.collect(1, s, null, List.of(t), 3, VOCAB, 1).test(ours).contextsDropped());
  }

  @Test
  void badInputIsRefusedWithTheFieldNamed() {
    KgwScheme ours = new KgwScheme(RadioactivityTest.key(1), 0.25, 1);
    List<int[]> texts = texts(1, 2, 10);
    GreenMass.Distributions shortRows = (t, sink) -> sink.accept(1, new float[VOCAB - 1]);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GreenMass.collect(1, shortRows, null, texts, 0, VOCAB, 10));
    assertTrue(e.getMessage().contains("distribution length") && e.getMessage().contains("511"));
    GreenMass.Distributions nan =
        (t, sink) -> {
          float[] p = new float[VOCAB];
          p[17] = Float.NaN;
          sink.accept(1, p);
        };
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GreenMass.collect(1, nan, null, texts, 0, VOCAB, 10));
    assertTrue(e.getMessage().contains("token 17") && e.getMessage().contains("NaN"));
    GreenMass.Collected c = GreenMass.collect(1, suspect(null, 0), null, texts, 0, VOCAB, 10);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> c.test(new KgwScheme(RadioactivityTest.key(1), 0.25, 4, true)));
    assertTrue(e.getMessage().contains("self-hash"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> c.test(new KgwScheme(RadioactivityTest.key(1), 0.25, 2)));
    assertTrue(e.getMessage().contains("context width"));
    assertThrows(
        IllegalArgumentException.class,
        () -> GreenMass.collect(0, suspect(null, 0), null, texts, 0, VOCAB, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> c.wrongKeys(k -> ours, 0, 99, 1, GreenMass.Statistic.PLAIN),
        "fewer than WrongKeyControl.MIN_KEYS");
  }

  @Test
  void theNormalTailMatchesKnownValuesOnBothSidesOfItsAsymptoticForm() {
    // Q(z) = erfc(z / sqrt 2) / 2 from Python's math.erfc; Q(40) from its asymptotic series.
    assertEquals(
        Math.log10(2.866515718791939e-7), dev.moat.internal.Binomial.log10NormalUpperTail(5), 1e-6);
    assertEquals(
        Math.log10(8.429087200443143e-24),
        dev.moat.internal.Binomial.log10NormalUpperTail(9.99),
        1e-4);
    assertEquals(
        Math.log10(7.619853024160527e-24),
        dev.moat.internal.Binomial.log10NormalUpperTail(10),
        1e-4);
    assertEquals(-349.4370, dev.moat.internal.Binomial.log10NormalUpperTail(40), 1e-3);
  }
}
