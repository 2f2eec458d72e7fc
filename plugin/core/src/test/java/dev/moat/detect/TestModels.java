package dev.moat.detect;

import java.util.function.ToDoubleFunction;

/** Verdict models for tests that read one feature or two: a score function and a threshold. */
final class TestModels {
  private TestModels() {}

  /** A model over {@link Features#COUNT} features scoring {@code score} (in [0, 1]). */
  static VerdictModel of(ToDoubleFunction<float[]> score, float threshold) {
    return new VerdictModel() {
      @Override
      public int inputs() {
        return Features.COUNT;
      }

      @Override
      public float score(float[] x) {
        return (float) score.applyAsDouble(x);
      }

      @Override
      public float threshold() {
        return threshold;
      }
    };
  }
}
