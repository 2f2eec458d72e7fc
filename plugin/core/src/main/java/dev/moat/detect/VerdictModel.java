package dev.moat.detect;

/**
 * A classifier over {@link Features} vectors: the probability that an account is a distillation
 * campaign's. The bundled model runs in plain Java ({@link MlpModel}); the same model file exported
 * to ONNX runs in ONNX Runtime ({@code OnnxVerdictModel} in {@code moat-onnxruntime}), the two
 * agreeing within 1e-5.
 *
 * <p>Implementations must be thread-safe.
 */
public interface VerdictModel {
  /** Length of the feature vectors it scores ({@link Features#COUNT}). */
  int inputs();

  /** The score of one vector, in [0, 1]. */
  float score(float[] features);

  /**
   * The log-odds of {@link #score}, {@code log(score / (1 - score))}: what still ranks accounts
   * whose float scores all round to 1 (a campaign the model is sure of). The default derives it
   * from the score, so it saturates where a float score does (about ±16.6; ±Infinity at 0 and 1); a
   * model that computes a logit before its sigmoid returns that ({@link MlpModel}).
   */
  default float logit(float[] features) {
    double s = score(features);
    return (float) (Math.log(s) - Math.log1p(-s));
  }

  /**
   * Whether {@link #logit} is the model's own output before a sigmoid, so that {@code
   * sigmoid(logit(x))} is its score: the detector then evaluates the model once per request for
   * both. Default: false ({@link #logit} is derived from the score).
   */
  default boolean logitIsExact() {
    return false;
  }

  /**
   * Scores {@code rows} vectors laid out one after another in {@code features} into {@code out}.
   * The default calls {@link #score(float[])} per row.
   */
  default void scoreBatch(float[] features, int rows, float[] out) {
    int n = inputs();
    float[] row = new float[n];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * n, row, 0, n);
      out[r] = score(row);
    }
  }

  /** The score at and above which an account is flagged, as the model was calibrated. */
  float threshold();

  /**
   * A typical benign account's feature vector (a copy): what the detector puts in place of the
   * features that read other accounts when it scores an account's own behaviour, and what reasons
   * compare with before a tier has a typical account of its own. Default: zeros.
   */
  default float[] reference() {
    return new float[inputs()];
  }
}
