package dev.moat.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.Features;
import dev.moat.detect.MlpModel;
import java.io.InputStream;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OnnxVerdictModelTest {
  /** The shipped ONNX file is the export of the shipped Java model, byte for byte. */
  @Test
  void bundledOnnxIsTheExportOfTheBundledModel() throws Exception {
    byte[] shipped;
    try (InputStream in = OnnxVerdictModel.class.getResourceAsStream(OnnxVerdictModel.BUNDLED)) {
      shipped = in.readAllBytes();
    }
    assertArrayEquals(
        ProbeModelOnnx.export(MlpModel.bundled()),
        shipped,
        "retrain with ./moat train-detector: it writes both files");
  }

  /** ONNX Runtime and plain Java agree within 1e-5 on every vector, singly and in batches. */
  @Test
  void onnxRuntimeAndJavaAgreeWithin1e5() {
    MlpModel java = MlpModel.bundled();
    SplittableRandom r = new SplittableRandom(2026);
    int rows = 20_000;
    float[] batch = new float[rows * Features.COUNT];
    for (int i = 0; i < batch.length; i++) {
      // Realistic range [0, 1], with some rows pushed outside it.
      batch[i] = (float) (r.nextInt(10) == 0 ? r.nextDouble(-1, 3) : r.nextDouble());
    }
    float[] ort = new float[rows];
    double worst = 0;
    int flaggedJava = 0;
    try (OnnxVerdictModel onnx = OnnxVerdictModel.bundled()) {
      assertEquals(java.threshold(), onnx.threshold());
      onnx.scoreBatch(batch, rows, ort);
      float[] row = new float[Features.COUNT];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(batch, i * Features.COUNT, row, 0, Features.COUNT);
        float j = java.score(row);
        worst = Math.max(worst, Math.abs(j - ort[i]));
        if (i < 500) {
          worst = Math.max(worst, Math.abs(j - onnx.score(row)));
        }
        flaggedJava += j >= java.threshold() ? 1 : 0;
      }
      assertThrows(IllegalArgumentException.class, () -> onnx.scoreBatch(new float[5], 1, ort));
    }
    assertTrue(worst <= 1e-5, "largest difference " + worst);
    assertTrue(flaggedJava > 0 && flaggedJava < rows, "both sides of the threshold were tested");
  }

  /**
   * The export's log-odds output agrees with {@link MlpModel#logit} (within 1e-4 relative) where
   * the scores of both have rounded to 1, so Java and ONNX rank such accounts alike in a tier; the
   * derived log-odds of a score, all an export without that output has, cannot (it is +Infinity).
   */
  @Test
  void theLogOddsAgreeWhereScoresRoundToOne() {
    MlpModel java = MlpModel.bundled();
    SplittableRandom r = new SplittableRandom(7);
    int saturated = 0;
    try (OnnxVerdictModel onnx = OnnxVerdictModel.bundled()) {
      assertTrue(onnx.logitIsExact() && java.logitIsExact());
      float[] row = new float[Features.COUNT];
      for (int n = 0; n < 2_000; n++) {
        for (int i = 0; i < row.length; i++) {
          row[i] = (float) r.nextDouble(-3, 6); // far outside the usual range: large log-odds
        }
        float j = java.logit(row);
        float o = onnx.logit(row);
        assertEquals(j, o, 1e-4 * Math.max(1, Math.abs(j)), "row " + n);
        // exact: the detector takes the score as the sigmoid of the log-odds (one evaluation)
        assertEquals(onnx.score(row), (float) (1 / (1 + Math.exp(-o))), 1e-6, "row " + n);
        double score = java.score(row);
        if (score == 1) {
          saturated++;
          assertTrue(Double.isInfinite(Math.log(score) - Math.log1p(-score)), "row " + n);
        }
      }
    }
    assertTrue(saturated > 100, "scores that round to 1: " + saturated);
  }

  /** A tiny model with known output: the ONNX graph computes sigmoid(w2·relu(W1x+b1)+b2). */
  @Test
  void exportComputesTheStatedFunction() {
    float[] w1 = new float[2 * Features.COUNT];
    w1[0] = 1; // unit 0: x0
    w1[Features.COUNT + 1] = -1; // unit 1: -x1
    MlpModel m =
        new MlpModel(
            w1,
            new float[] {0, 0.5f},
            new float[] {2, 1},
            -0.25f,
            0.5f,
            new float[Features.COUNT],
            Map.of());
    float[] x = new float[Features.COUNT];
    x[0] = 0.5f;
    x[1] = 0.25f;
    double want = 1 / (1 + Math.exp(-(2 * 0.5 + 1 * 0.25 - 0.25)));
    try (OnnxVerdictModel onnx = OnnxVerdictModel.of(m)) {
      assertEquals(want, onnx.score(x), 1e-6);
      assertEquals(want, m.score(x), 1e-6);
    }
  }
}
