package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.KgwScheme;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadioactivityTest {
  static WatermarkKey key(int i) {
    byte[] m = new byte[16];
    new SplittableRandom(i).nextBytes(m);
    return WatermarkKey.of("k", m);
  }

  /** Texts of uniform random tokens, independent of every key. */
  static List<int[]> random(long seed, int texts, int len, int vocab) {
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> l = new ArrayList<>();
    for (int t = 0; t < texts; t++) {
      int[] a = new int[len];
      for (int i = 0; i < len; i++) {
        a[i] = r.nextInt(vocab);
      }
      l.add(a);
    }
    return l;
  }

  /**
   * Under the null the p-value is uniform: over 400 keys, the share below 0.05 is within 0.02 to
   * 0.09 (binomial, 400 trials: sd 0.011, so about 3 sd either side) for both schemes.
   */
  @Test
  void pValuesAreUniformUnderTheNull() {
    List<int[]> texts = random(1, 20, 100, 1000);
    for (boolean gumbel : new boolean[] {false, true}) {
      int below = 0;
      for (int k = 0; k < 400; k++) {
        Radioactivity.Scorer s =
            gumbel
                ? Radioactivity.gumbel(new GumbelScheme(key(k), 1))
                : Radioactivity.kgw(new KgwScheme(key(k), 0.25, 1));
        below += Radioactivity.test(s, texts, 0, true, null).pValue() < 0.05 ? 1 : 0;
      }
      assertTrue(below >= 8 && below <= 36, (gumbel ? "gumbel" : "kgw") + ": " + below + "/400");
    }
  }

  /**
   * A repetitive suspect (one 50-token sentence 40 times) is one piece of evidence with
   * de-duplication; without it, the same green tokens count 40 times and innocent texts are
   * accused: over 100 keys, de-duplicated p < 0.01 at most 5 times, not de-duplicated at least 10.
   */
  @Test
  void deduplicationKeepsRepetitiveTextsFromBeingAccused() {
    int[] sentence = random(2, 1, 50, 1000).get(0);
    List<int[]> texts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      texts.add(sentence);
    }
    int dedupHits = 0;
    int rawHits = 0;
    for (int k = 0; k < 100; k++) {
      Radioactivity.Scorer s = Radioactivity.kgw(new KgwScheme(key(k), 0.25, 1));
      Radioactivity.Result d = Radioactivity.test(s, texts, 0, true, null);
      Radioactivity.Result r = Radioactivity.test(s, texts, 0, false, null);
      assertEquals(49, d.scored());
      assertEquals(40 * 49, r.scored());
      dedupHits += d.pValue() < 0.01 ? 1 : 0;
      rawHits += r.pValue() < 0.01 ? 1 : 0;
    }
    assertTrue(dedupHits <= 5, "de-duplicated " + dedupHits);
    assertTrue(rawHits >= 10, "raw " + rawHits);
  }

  /**
   * A suspect whose tokens lean green (30% instead of 25%, what a student inherits) is detected
   * with enough tokens; the filter scores only positions whose context is in the set.
   */
  @Test
  void detectsAGreenLeanAndFiltersOnContexts() {
    WatermarkKey key = key(99);
    KgwScheme scheme = new KgwScheme(key, 0.25, 1);
    SplittableRandom r = new SplittableRandom(5);
    List<int[]> texts = new ArrayList<>();
    for (int t = 0; t < 200; t++) {
      int[] a = new int[101];
      a[0] = r.nextInt(1000);
      for (int i = 1; i < a.length; i++) {
        boolean wantGreen = r.nextDouble() < 0.30;
        int v;
        do {
          v = r.nextInt(1000);
        } while (scheme.isGreen(scheme.seed(a, i), v) != wantGreen);
        a[i] = v;
      }
      texts.add(a);
    }
    Radioactivity.Scorer s = Radioactivity.kgw(scheme);
    Radioactivity.Result all = Radioactivity.test(s, texts, 1, true, null);
    assertTrue(all.log10PValue() < -6, "20,000 tokens at 30% green: " + all);
    assertTrue(all.detected(1e-6));
    Set<Long> contexts = Radioactivity.contexts(s, texts.subList(0, 50), 1);
    Radioactivity.Result filtered = Radioactivity.test(s, texts, 1, true, contexts);
    assertTrue(filtered.scored() < all.scored() && filtered.scored() > 0, filtered.toString());
    Radioactivity.Result none = Radioactivity.test(s, texts, 1, true, Set.of());
    assertEquals(0, none.scored());
    assertEquals(1.0, none.pValue());
    assertThrows(
        IllegalArgumentException.class, () -> Radioactivity.test(s, texts, -1, true, null));
  }

  /**
   * Open weights: a suspect whose arg-max is the smallest green token after each context (a student
   * that learned our green lists) is detected on 200 contexts; one whose arg-max ignores the key
   * (the next token id) is not, over 100 keys at most 5 times below 0.01.
   */
  @Test
  void openWeightsScoresTheSuspectsOwnPredictions() {
    List<int[]> texts = random(8, 10, 21, 1000);
    WatermarkKey key = key(3);
    KgwScheme scheme = new KgwScheme(key, 0.25, 1);
    Radioactivity.Suspect learned =
        text -> {
          int[] out = new int[text.length];
          for (int i = 1; i < text.length; i++) {
            long seed = scheme.seed(text, i);
            int v = 0;
            while (!scheme.isGreen(seed, v)) {
              v++;
            }
            out[i] = v;
          }
          return out;
        };
    Radioactivity.Result r =
        Radioactivity.openWeights(Radioactivity.kgw(scheme), learned, texts, 1);
    assertTrue(r.scored() > 150 && r.scored() <= 200, "each context once: " + r.scored());
    assertEquals(r.scored(), r.score(), "every prediction green");
    assertTrue(r.log10PValue() < -100, r.toString());
    Radioactivity.Suspect innocent =
        text -> {
          int[] out = new int[text.length];
          for (int i = 1; i < text.length; i++) {
            out[i] = (text[i - 1] + 1) % 1000;
          }
          return out;
        };
    int hits = 0;
    for (int k = 0; k < 100; k++) {
      hits +=
          Radioactivity.openWeights(
                          Radioactivity.kgw(new KgwScheme(key(k), 0.25, 1)), innocent, texts, 1)
                      .pValue()
                  < 0.01
              ? 1
              : 0;
    }
    assertTrue(hits <= 5, "innocent accused " + hits + " times of 100");
  }
}
