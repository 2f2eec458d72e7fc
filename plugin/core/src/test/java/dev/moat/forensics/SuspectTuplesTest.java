package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.KgwScheme;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuspectTuplesTest {
  /**
   * Gathering tuples once, on the tokens themselves, scores exactly what {@link Radioactivity#test}
   * scores with its keyed de-duplication and filter (which differ only by 64-bit hash collisions),
   * for each scheme, with and without de-duplication and the filter.
   */
  @Test
  void scoresWhatTheKeyedTestScores() {
    // A small vocabulary so that tuples and contexts repeat.
    List<int[]> texts = RadioactivityTest.random(5, 30, 60, 40);
    List<int[]> served = RadioactivityTest.random(6, 10, 30, 40);
    List<Radioactivity.Scorer> scorers =
        List.of(
            Radioactivity.kgw(new KgwScheme(RadioactivityTest.key(1), 0.25, 1)),
            Radioactivity.kgw(new KgwScheme(RadioactivityTest.key(2), 0.5, 2, true)),
            Radioactivity.gumbel(new GumbelScheme(RadioactivityTest.key(3), 2)));
    for (Radioactivity.Scorer s : scorers) {
      int h = s.contextWidth();
      for (boolean dedup : new boolean[] {true, false}) {
        for (boolean filter : new boolean[] {true, false}) {
          Radioactivity.Result keyed =
              Radioactivity.test(
                  s, texts, 0, dedup, filter ? Radioactivity.contexts(s, served, 0) : null);
          SuspectTuples t =
              SuspectTuples.of(
                  texts, h, dedup, filter ? SuspectTuples.Contexts.of(served, h) : null);
          Radioactivity.Result r = t.test(s);
          String what = "h=" + h + " dedup=" + dedup + " filter=" + filter;
          assertEquals(keyed.tokens(), r.tokens(), what);
          assertEquals(keyed.scored(), r.scored(), what);
          assertEquals(keyed.score(), r.score(), 1e-9, what);
          assertEquals(keyed.log10PValue(), r.log10PValue(), 1e-9, what);
          assertEquals(dedup, t.dedup());
          assertEquals(filter, t.filtered());
        }
      }
    }
    SuspectTuples all = SuspectTuples.of(texts, 1, false, null);
    assertEquals(30 * 59, all.size());
    assertTrue(SuspectTuples.of(texts, 1, true, null).size() < all.size(), "repeats dropped");
    java.util.Set<Integer> firstTokens = new java.util.HashSet<>();
    for (int[] t : served) {
      for (int i = 0; i < t.length - 1; i++) {
        firstTokens.add(t[i]);
      }
    }
    assertEquals(firstTokens.size(), SuspectTuples.Contexts.of(served, 1).size());
  }

  @Test
  void widthsMustAgree() {
    List<int[]> texts = new ArrayList<>(List.of(new int[] {1, 2, 3}));
    assertEquals(
        "`filter context width` was '2' but it must be the tuples' 1",
        assertThrows(
                IllegalArgumentException.class,
                () -> SuspectTuples.of(texts, 1, true, SuspectTuples.Contexts.of(texts, 2)))
            .getMessage());
    assertEquals(
        "`scorer context width` was '1' but it must be the tuples' 2",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    SuspectTuples.of(texts, 2, true, null)
                        .score(Radioactivity.kgw(new KgwScheme(RadioactivityTest.key(1), 0.25, 1))))
            .getMessage());
    assertEquals(
        "`contextWidth` was '0' but it must be in [1, 64]",
        assertThrows(IllegalArgumentException.class, () -> SuspectTuples.of(texts, 0, true, null))
            .getMessage());
  }
}
