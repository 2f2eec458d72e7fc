package dev.moat.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.moat.detect.Features;
import dev.moat.detect.MlpModel;
import dev.moat.detect.VerdictModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * The probing classifier run by ONNX Runtime: the ONNX export of a {@link MlpModel}, in one
 * single-threaded session (a 27 × 16 network gains nothing from intra-op threads, and a server
 * scores from many request threads at once). Agrees with {@link MlpModel#score} within 1e-5.
 *
 * <p>Failure: a model that fails to load fails construction; a run that fails throws {@link
 * IllegalStateException} (the detector fails the call rather than pass traffic unscored).
 *
 * <p>Thread-safe: ONNX Runtime sessions may be run concurrently.
 */
public final class OnnxVerdictModel implements VerdictModel, AutoCloseable {
  /** The bundled model's ONNX export, on the class path. */
  public static final String BUNDLED = "/dev/moat/onnxruntime/probe-model.onnx";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final float threshold;
  private final float[] reference;
  private final boolean hasLogit;

  private OnnxVerdictModel(byte[] onnx, float threshold, float[] reference) {
    this.env = OrtEnvironment.getEnvironment();
    this.threshold = threshold;
    this.reference = reference;
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(1);
      opts.setInterOpNumThreads(1);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = env.createSession(onnx, opts);
      this.hasLogit = session.getOutputNames().contains(ProbeModelOnnx.LOGIT);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "the probe model's ONNX did not load: " + e.getMessage(), e);
    }
  }

  /** The bundled ONNX model, with the bundled model's threshold. */
  public static OnnxVerdictModel bundled() {
    try (InputStream in = OnnxVerdictModel.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("the bundled model " + BUNDLED + " is missing");
      }
      MlpModel mlp = MlpModel.bundled();
      return new OnnxVerdictModel(in.readAllBytes(), mlp.threshold(), mlp.reference());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code model}'s ONNX export. */
  public static OnnxVerdictModel of(MlpModel model) {
    return new OnnxVerdictModel(ProbeModelOnnx.export(model), model.threshold(), model.reference());
  }

  /** The exported model's typical benign feature vector (copy). */
  @Override
  public float[] reference() {
    return reference.clone();
  }

  @Override
  public int inputs() {
    return Features.COUNT;
  }

  @Override
  public float score(float[] features) {
    float[] out = new float[1];
    scoreBatch(features, 1, out);
    return out[0];
  }

  @Override
  public void scoreBatch(float[] features, int rows, float[] out) {
    if (features.length < rows * Features.COUNT) {
      throw new IllegalArgumentException(
          "features length was "
              + features.length
              + " but it must be at least rows × "
              + Features.COUNT
              + " = "
              + rows * Features.COUNT);
    }
    try (OnnxTensor x =
            OnnxTensor.createTensor(
                env,
                FloatBuffer.wrap(features, 0, rows * Features.COUNT),
                new long[] {rows, Features.COUNT});
        OrtSession.Result r = session.run(Map.of(ProbeModelOnnx.INPUT, x))) {
      float[][] y = (float[][]) r.get(ProbeModelOnnx.OUTPUT).orElseThrow().getValue();
      for (int i = 0; i < rows; i++) {
        out[i] = y[i][0];
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to score: " + e.getMessage(), e);
    }
  }

  /** Whether the graph has the {@code logit} output (exports from 2026-12-02 on). */
  @Override
  public boolean logitIsExact() {
    return hasLogit;
  }

  /**
   * The graph's {@code logit} output, the sigmoid's input (as {@link MlpModel#logit}); an export
   * without it (before 2026-12-02) gives the log-odds of its score, which saturate near ±16.6.
   */
  @Override
  public float logit(float[] features) {
    if (!hasLogit) {
      return VerdictModel.super.logit(features);
    }
    if (features.length < Features.COUNT) {
      throw new IllegalArgumentException(
          "features length was " + features.length + " but it must be at least " + Features.COUNT);
    }
    try (OnnxTensor x =
            OnnxTensor.createTensor(
                env,
                FloatBuffer.wrap(features, 0, Features.COUNT),
                new long[] {1, Features.COUNT});
        OrtSession.Result r =
            session.run(Map.of(ProbeModelOnnx.INPUT, x), Set.of(ProbeModelOnnx.LOGIT))) {
      return ((float[][]) r.get(ProbeModelOnnx.LOGIT).orElseThrow().getValue())[0][0];
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to score: " + e.getMessage(), e);
    }
  }

  @Override
  public float threshold() {
    return threshold;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
