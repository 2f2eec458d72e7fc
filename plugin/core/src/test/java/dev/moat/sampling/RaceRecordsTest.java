package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.RecordCache;
import dev.moat.internal.TokenHash;
import dev.moat.spi.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A keyed race whose far tokens come from a {@link RaceRecords} record picks, bit for bit, what the
 * race that hashes the whole vocabulary picks, and what the exact argmin over every token picks.
 */
class RaceRecordsTest {
  private static float[] row(SplittableRandom r, int vocab, double spread, boolean ties) {
    float[] l = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      l[i] = (float) (r.nextGaussian() * spread);
      if (ties) {
        l[i] = Math.round(l[i] * 2) / 2f;
      }
      if (r.nextInt(20) == 0) {
        l[i] = Float.NEGATIVE_INFINITY;
      }
    }
    return l;
  }

  /**
   * The exact argmin of {@code -ln u / w} over every token within the cutoff, lowest id on ties.
   */
  static int exact(float[] l, long seed, float temperature) {
    float invT = 1f / temperature;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : l) {
      max = Math.max(max, x);
    }
    float floor = max - Sampler.CUTOFF / invT;
    int best = -1;
    double bestRatio = Double.POSITIVE_INFINITY;
    for (int v = 0; v < l.length; v++) {
      if (l[v] < floor || l[v] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      float w = (float) Math.exp((l[v] - max) * invT);
      double ratio = -Math.log((TokenHash.u53(seed, v) + 0.5) * 0x1p-53) / w;
      if (ratio < bestRatio) {
        bestRatio = ratio;
        best = v;
      }
    }
    return best;
  }

  /**
   * Rows of vocabularies from 50 to 150,000 (flat, normal, wide; ties; masks; four temperatures),
   * each raced under a few recurring seeds: the pick from the record equals the plain race's and
   * the exact argmin's, and most races past the first with a seed read the record.
   */
  @Test
  void theRecordedRacePicksWhatThePlainRacePicks() {
    SplittableRandom r = new SplittableRandom(31);
    int[] vocabs = {50, 1000, 4099, 32000, 128_256, 150_000};
    long recorded = 0;
    int raced = 0;
    for (int trial = 0; trial < 60; trial++) {
      int vocab = vocabs[trial % vocabs.length];
      double spread = new double[] {0.05, 1.5, 3, 12}[trial % 4];
      float temperature = new float[] {0.2f, 0.7f, 1f, 1.6f}[(trial / 4) % 4];
      RecordCache.Table table = new RecordCache("test", 16L << 20).forRecords(recordInts(vocab));
      assertNotNull(table);
      SamplingParams params =
          SamplingParams.builder().temperature(temperature).seed(trial).maxTokens(4).build();
      Sampler keyed = new Sampler(params, vocab);
      keyed.race.records(table);
      Sampler plain = new Sampler(params, vocab);
      long[] seeds = {r.nextLong(), r.nextLong(), r.nextLong()};
      for (int step = 0; step < 12; step++) {
        float[] l = row(r, vocab, spread, trial % 3 == 0);
        long seed = seeds[step % seeds.length];
        int want = plain.race(l, 0, seed);
        int got = keyed.raceKeyed(l, 0, seed);
        String where = "trial " + trial + " step " + step + " vocab " + vocab;
        assertEquals(want, got, where);
        if (vocab <= 32000) {
          assertEquals(exact(l, seed, temperature), got, where);
        }
        raced++;
      }
      recorded += keyed.race.fromRecords;
    }
    assertEquals(720, raced);
    // Spread 0.05 (a flat row: every token is near) and 12 at low temperature (one token) have no
    // far phase worth a record; the others mostly do.
    assertTrue(recorded > 200, "races that read a record: " + recorded + " of " + raced);
  }

  /**
   * A record too small for the tokens above the floor keeps only the highest bands and raises its
   * floor: races whose cut is below it hash the vocabulary, the rest read it, and every pick is the
   * plain race's.
   */
  @Test
  void aRecordThatOverflowsRaisesItsFloorAndStaysExact() {
    SplittableRandom r = new SplittableRandom(32);
    int vocab = 32000; // about 1,000 tokens above the floor; the records hold 120
    RecordCache.Table table = new RecordCache("test", 16L << 20).forRecords(2 + 120);
    assertNotNull(table);
    SamplingParams params = SamplingParams.builder().temperature(1f).seed(5).maxTokens(4).build();
    Sampler keyed = new Sampler(params, vocab);
    keyed.race.records(table);
    Sampler plain = new Sampler(params, vocab);
    for (int step = 0; step < 400; step++) {
      float[] l = row(r, vocab, 2 + (step % 3), false);
      long seed = 1000L + step % 5;
      assertEquals(plain.race(l, 0, seed), keyed.raceKeyed(l, 0, seed), "step " + step);
    }
    assertTrue(keyed.race.fromRecords > 0, "no race read a raised record");
    assertTrue(keyed.race.fromRecords < 400, "every race read a record it could not hold");
  }

  /**
   * Four threads race the same twelve seeds through one cache with room for two records, so that
   * records are written while others read them: every pick is the plain race's.
   */
  @Test
  void concurrentRacesThroughOneSmallCacheStayExact() throws Exception {
    int vocab = 32000;
    int ints = recordInts(vocab);
    RecordCache.Table table = new RecordCache("test", 2L * 4 * ints).forRecords(ints);
    assertNotNull(table);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  SplittableRandom r = new SplittableRandom(40 + thread);
                  SamplingParams params =
                      SamplingParams.builder().temperature(1f).seed(thread).maxTokens(4).build();
                  Sampler keyed = new Sampler(params, vocab);
                  keyed.race.records(table);
                  Sampler plain = new Sampler(params, vocab);
                  for (int step = 0; step < 300; step++) {
                    float[] l = row(r, vocab, 2.5, false);
                    long seed = 77L + r.nextInt(12);
                    assertEquals(
                        plain.race(l, 0, seed),
                        keyed.raceKeyed(l, 0, seed),
                        "thread " + thread + " step " + step);
                  }
                  return keyed.race.fromRecords;
                }));
      }
      long recorded = 0;
      for (Future<Long> f : done) {
        recorded += f.get();
      }
      assertTrue(recorded > 0, "no race read a record");
    } finally {
      pool.shutdownNow();
    }
  }

  /** The record's bands: the highest word is band 255, the floor band 0. */
  @Test
  void bandsCoverTheWordsAboveTheFloor() {
    assertEquals(0, RaceRecords.band(RaceRecords.FLOOR));
    assertEquals(255, RaceRecords.band(-1));
    assertEquals(1, RaceRecords.band(RaceRecords.FLOOR + (1 << RaceRecords.BAND_SHIFT)));
    assertEquals(4008 + 4 * 64 + 16, RaceRecords.capacity(128_256));
  }

  private static int recordInts(int vocab) {
    return 2 + RaceRecords.capacity(vocab);
  }
}
