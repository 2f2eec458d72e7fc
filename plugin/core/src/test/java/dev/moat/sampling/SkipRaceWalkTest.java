package dev.moat.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.TopTokens;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SkipRace} reaches its far positions in chunks whose logits are read ahead; its picks must
 * be those of the one-at-a-time walk it replaced ({@link #walk}, the code before, kept here as the
 * reference), draw for draw, on rows where the walk often lands on tokens that draw nothing
 * (gathered, masked, below the cutoff) and so shift the stream.
 */
class SkipRaceWalkTest {

  @Test
  void picksEqualTheOneAtATimeWalk() {
    SplittableRandom r = new SplittableRandom(11);
    long landedOnNothing = 0;
    for (int row = 0; row < 60; row++) {
      int vocab = row % 3 == 0 ? 1_000 + r.nextInt(500) : 32_000 + r.nextInt(100);
      float[] l = new float[vocab];
      int kind = row % 4;
      for (int i = 0; i < vocab; i++) {
        l[i] = (float) ((kind == 3 ? 1 : 3) * r.nextGaussian());
        if (kind == 1 && r.nextInt(3) == 0) {
          l[i] = Float.NEGATIVE_INFINITY; // a third masked: many positions draw nothing
        } else if (kind == 2 && r.nextInt(4) == 0) {
          l[i] = -100f; // below the cutoff
        }
      }
      int[] ids = new int[vocab];
      SkipRace chunked = new SkipRace(new TopTokens(vocab, ids), ids, vocab);
      int[] refIds = new int[vocab];
      TopTokens refTop = new TopTokens(vocab, refIds);
      for (int d = 0; d < 100; d++) {
        long seed = r.nextLong();
        float invT = d % 2 == 0 ? 1f : 1f / (0.5f + r.nextFloat());
        Walk w = walk(refTop, refIds, l, seed, invT);
        landedOnNothing += w.nothing;
        assertEquals(w.pick, chunked.run(l, 0, seed, invT), "row " + row + ", seed " + seed);
      }
    }
    assertTrue(landedOnNothing > 1_000, "positions that drew nothing: " + landedOnNothing);
  }

  /**
   * The bound that rules tokens out before their exponential is above every float weight it stands
   * for, by more than the rounding of the products it is compared in, and within a factor of two of
   * it (so that it rules most far tokens out). Below about -103 the float weight is 0 and any bound
   * is safe.
   */
  @Test
  void theExponentialsBoundIsAboveTheFloatWeight() {
    SplittableRandom r = new SplittableRandom(3);
    for (int n = 0; n < 2_000_000; n++) {
      float x = n < 1000 ? -n / 10f : (float) (-103 * r.nextDouble());
      float w = (float) Math.exp(x);
      double bound = SkipRace.expBound(x);
      assertTrue(bound >= w * (1 + 5e-7), "x " + x + ": bound " + bound + ", weight " + w);
      assertTrue(bound <= 2.000_01 * Math.exp(x), "x " + x + ": bound " + bound);
    }
    for (int k = 0; k > -100; k--) {
      float x = (float) (k / 1.4426950408889634); // near a power of two: the tightest case
      for (float y : new float[] {Math.nextDown(x), x, Math.nextUp(x)}) {
        assertTrue(SkipRace.expBound(y) >= (float) Math.exp(y) * (1 + 5e-7), "x " + y);
      }
    }
  }

  private record Walk(int pick, long nothing) {}

  /** The walk before chunks: one far position at a time (the code of 2026-12-01). */
  private static Walk walk(TopTokens top, int[] ids, float[] logits, long seed, float invT) {
    long[] state = {seed};
    int vocabSize = logits.length;
    float max = top.scanMax(logits, 0);
    float floor = max - Sampler.CUTOFF / invT;
    int m = top.gather(logits, 0, floor, SkipRace.NEAR_GAP / invT, SkipRace.NEAR_MIN, 512);
    float cut = top.cut();
    double best = Double.POSITIVE_INFINITY;
    int bestId = -1;
    for (int j = 0; j < m; j++) {
      int v = ids[j];
      float l = logits[v];
      double u = uniform(state);
      if (l < floor || l == Float.NEGATIVE_INFINITY || 1 - u >= best) {
        continue;
      }
      float w = (float) Math.exp((l - max) * invT);
      if (1 - u >= w * best) {
        continue;
      }
      double ratio = -Math.log(u) / w;
      if (ratio < best) {
        best = ratio;
        bestId = v;
      }
    }
    if (!(cut > floor)) {
      return new Walk(bestId, 0);
    }
    double t = Math.exp((double) (cut - max) * invT) * (1 + 1e-4) * best;
    double p = -Math.expm1(-t);
    long i = -1;
    long nothing = 0;
    while (true) {
      double skip = Math.floor(-Math.log(uniform(state)) / t);
      if (!(skip < vocabSize - 1 - i)) {
        return new Walk(bestId, nothing);
      }
      i += (long) skip + 1;
      int v = (int) i;
      float l = logits[v];
      if (l >= cut || l < floor || l == Float.NEGATIVE_INFINITY) {
        nothing++;
        continue;
      }
      float w = (float) Math.exp((l - max) * invT);
      double e = -Math.log1p(-uniform(state) * p);
      double ratio = e / w;
      if (ratio < best) {
        best = ratio;
        bestId = v;
      }
    }
  }

  private static double uniform(long[] state) {
    long z = state[0] += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return ((z >>> 11) + 0.5) * 0x1.0p-53;
  }
}
