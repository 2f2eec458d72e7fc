package dev.moat.spi;

/**
 * The host's sampling filters as a protection that owns sampling sees them: temperature, top-k and
 * top-p narrow one logits row to candidates with weights, and the protection chooses among them
 * with its own (keyed) randomness, so the host's settings are honoured.
 *
 * <p>Not thread-safe: one instance per request, driven by the request's thread. Calls must not
 * allocate. The candidate accessors describe the last {@link #candidates} call only.
 */
public interface Candidates {
  /**
   * Applies temperature, top-k and top-p to {@code logits[offset .. offset + vocabSize)} and
   * returns the number of candidates, at least 1. The row is not modified.
   */
  int candidates(float[] logits, int offset);

  /** The token id of candidate {@code i}, {@code 0 <= i < candidates(...)}. */
  int candidateId(int i);

  /** The unnormalised weight (probability mass) of candidate {@code i}. */
  float candidateWeight(int i);

  /** The sum of the candidates' weights. */
  double candidateTotal();

  /**
   * True when no top-k or top-p filter is set and temperature is positive, so the whole row may be
   * raced ({@link #race}) without building candidates.
   */
  boolean canRace();

  /** Exponential race (Gumbel-max) over the whole row under temperature, driven by {@code seed}. */
  int race(float[] logits, int offset, long seed);

  /**
   * {@link #race} with a keyed seed, one that recurs whenever its context does (a watermark's): the
   * same pick, but the implementation may keep what it learns of the seed's uniforms for the next
   * race with it. The default is {@link #race}.
   */
  default int raceKeyed(float[] logits, int offset, long seed) {
    return race(logits, offset, seed);
  }

  /**
   * An unmarked draw from the host's distribution over the row (temperature, top-k and top-p as
   * {@link #candidates} applies them), with the host's own randomness: for the steps a protection
   * that owns sampling leaves unkeyed (no context yet, or a repeated one). Any exact draw serves;
   * an implementation may use one that weighs fewer tokens than {@link #race} (Moat's sampler draws
   * by rejection from the row's block maxima, hashing no token id). The default races with {@link
   * #nextSeed} under temperature alone, else draws among the candidates with {@link #nextUniform}.
   */
  default int sample(float[] logits, int offset) {
    return canRace()
        ? race(logits, offset, nextSeed())
        : candidateId(drawCandidate(candidates(logits, offset)));
  }

  /**
   * The index, below {@code n}, of one of the last {@link #candidates} call's {@code n} candidates,
   * drawn by weight with one {@link #nextUniform}: the first whose running sum of weights exceeds
   * the uniform times {@link #candidateTotal} (the last if rounding leaves none).
   */
  default int drawCandidate(int n) {
    double u = nextUniform() * candidateTotal();
    double acc = 0;
    for (int i = 0; i < n - 1; i++) {
      acc += candidateWeight(i);
      if (u < acc) {
        return i;
      }
    }
    return n - 1;
  }

  /** The next seed of the host's own random stream (for a draw that must not be keyed). */
  long nextSeed();

  /** The next uniform in [0, 1) of the host's own random stream. */
  double nextUniform();
}
