package dev.moat.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.moat.model.BundledModel;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A causal language model in ONNX Runtime, exported in Moat's KV-cache layout (see {@link
 * ModelConfig}). One instance serves any number of concurrent generations: {@code OrtSession.run}
 * is thread-safe, and each generation keeps its cache in its own {@link Decoder}.
 *
 * <p>Thread-safe. Failure: an ONNX Runtime error fails the generation that hit it (fail-closed for
 * that request: no unprotected fallback output is produced), never the others.
 */
public final class OnnxCausalLm implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelConfig config;
  private final boolean batching;

  private OnnxCausalLm(
      OrtEnvironment env, OrtSession session, ModelConfig config, boolean batching) {
    this.env = env;
    this.session = session;
    this.config = config;
    this.batching = batching;
  }

  /** The bundled model, run with {@code intraOpThreads} threads per call (1 suits a server). */
  public static OnnxCausalLm bundled(int intraOpThreads) throws IOException {
    return bundled(intraOpThreads, ExecutionDevice.CPU);
  }

  /** The bundled model on {@code device}. */
  public static OnnxCausalLm bundled(int intraOpThreads, ExecutionDevice device)
      throws IOException {
    return load(
        BundledModel.read("model.onnx"),
        ModelConfig.parse(BundledModel.read("config.json")),
        intraOpThreads,
        false,
        device);
  }

  /**
   * The bundled model with per-row {@code attention_mask} and {@code position_ids} inputs added
   * (see {@link #load(byte[], ModelConfig, int, boolean)}), so that {@link #newBatchDecoder} can
   * decode sequences of different lengths in one call.
   */
  public static OnnxCausalLm bundledForBatching(int intraOpThreads) throws IOException {
    return bundledForBatching(intraOpThreads, ExecutionDevice.CPU);
  }

  /** {@link #bundledForBatching(int)} on {@code device}. */
  public static OnnxCausalLm bundledForBatching(int intraOpThreads, ExecutionDevice device)
      throws IOException {
    return load(
        BundledModel.read("model.onnx"),
        ModelConfig.parse(BundledModel.read("config.json")),
        intraOpThreads,
        true,
        device);
  }

  /** A model from its ONNX bytes and config. */
  public static OnnxCausalLm load(byte[] onnx, ModelConfig config, int intraOpThreads)
      throws IOException {
    return load(onnx, config, intraOpThreads, false);
  }

  /**
   * A model from its ONNX bytes and config; with {@code batching}, the graph is first given per-row
   * {@code attention_mask} and {@code position_ids} inputs (a rewrite of the export's shape-derived
   * positions and causal mask, which computes the same logits bit for bit for one sequence), and
   * {@link #newBatchDecoder} is available. The rewrite applies to Moat's bundled export; another
   * graph is refused with an {@link IOException} naming what it lacks.
   */
  public static OnnxCausalLm load(
      byte[] onnx, ModelConfig config, int intraOpThreads, boolean batching) throws IOException {
    return load(onnx, config, intraOpThreads, batching, ExecutionDevice.CPU);
  }

  /**
   * {@link #load(byte[], ModelConfig, int, boolean)} on {@code device}.
   *
   * @throws DeviceUnavailableException the device cannot run it here (the message says why)
   */
  public static OnnxCausalLm load(
      byte[] onnx, ModelConfig config, int intraOpThreads, boolean batching, ExecutionDevice device)
      throws IOException {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException(
          "`intraOpThreads` was '" + intraOpThreads + "' but it must be >= 1");
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(intraOpThreads);
      opts.setInterOpNumThreads(1);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      device.applyTo(opts);
      OrtSession s = env.createSession(batching ? RowInputsGraph.rewrite(onnx) : onnx, opts);
      for (String in : new String[] {"input_ids", "past_keys", "past_values"}) {
        if (!s.getInputNames().contains(in)) {
          s.close();
          throw new IOException(
              "the ONNX model has no input '" + in + "'; inputs: " + s.getInputNames());
        }
      }
      return new OnnxCausalLm(env, s, config, batching);
    } catch (OrtException e) {
      throw new IOException("ONNX Runtime could not load the model: " + e.getMessage(), e);
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** Whether the graph takes per-row masks and positions ({@link #newBatchDecoder} works). */
  public boolean batching() {
    return batching;
  }

  /**
   * A continuous-batching decoder over this model's session (closing it leaves the model open).
   *
   * @throws IllegalStateException the model was loaded without {@code batching}
   */
  public BatchDecoder newBatchDecoder() {
    if (!batching) {
      throw new IllegalStateException(
          "this model was loaded without batching; use OnnxCausalLm.bundledForBatching or"
              + " load(..., batching = true)");
    }
    List<BatchDecoder.Cache> caches = new ArrayList<>();
    long[] dims = {config.layers(), -1, config.heads(), -1, config.headDim()};
    caches.add(new BatchDecoder.Cache("past_keys", "present_keys", dims, 1, 3));
    caches.add(new BatchDecoder.Cache("past_values", "present_values", dims, 1, 3));
    return new BatchDecoder(
        env,
        session,
        new BatchDecoder.Layout(
            config.vocabSize(),
            config.maxPositions(),
            "max_positions",
            caches,
            ai.onnxruntime.OnnxJavaType.FLOAT,
            ai.onnxruntime.OnnxJavaType.FLOAT,
            false));
  }

  /**
   * The model's next-token entropy (nats) at every position of {@code tokens}: {@code result[i]} is
   * the entropy of its distribution for token {@code i} given {@code tokens[0..i)}, as a generator
   * saw it when it produced token {@code i} ({@code result[0]} is NaN: nothing predicts the first
   * token). What an entropy-gated watermark's detector needs. At most {@code max_positions} tokens.
   */
  public double[] entropies(int[] tokens) throws OrtException {
    double[] h = new double[tokens.length];
    if (tokens.length > 0) {
      h[0] = Double.NaN;
    }
    forEachPrediction(
        tokens, (i, row) -> h[i] = dev.moat.watermark.Entropy.nats(row, 0, row.length));
    return h;
  }

  /**
   * The model's log-probability (natural log, temperature 1) of each token given the ones before
   * it: {@code result[i] = ln p(tokens[i] | tokens[0..i))}, {@code result[0]} NaN. Perplexity of a
   * text is {@code exp(-mean(result[from..]))}. At most {@code max_positions} tokens.
   */
  public double[] tokenLogProbs(int[] tokens) throws OrtException {
    double[] lp = new double[tokens.length];
    if (tokens.length > 0) {
      lp[0] = Double.NaN;
    }
    forEachPrediction(
        tokens,
        (i, row) -> {
          float max = Float.NEGATIVE_INFINITY;
          for (float v : row) {
            max = Math.max(max, v);
          }
          double z = 0;
          for (float v : row) {
            z += Math.exp(v - max);
          }
          lp[i] = row[tokens[i]] - max - Math.log(z);
        });
    return lp;
  }

  /** A row of logits predicting token {@code i}. */
  @FunctionalInterface
  interface Prediction {
    void accept(int i, float[] row);
  }

  /** Runs the whole sequence in one call and hands over the logits predicting tokens 1..n-1. */
  void forEachPrediction(int[] tokens, Prediction sink) throws OrtException {
    if (tokens.length < 2) {
      return;
    }
    if (tokens.length > config.maxPositions()) {
      throw new IllegalArgumentException(
          "`tokens` had "
              + tokens.length
              + " tokens but the model takes at most max_positions "
              + config.maxPositions());
    }
    long[] ids = new long[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    long[] shape = {config.layers(), 1, config.heads(), 0, config.headDim()};
    try (OnnxTensor input =
            OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length});
        OnnxTensor keys = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
        OnnxTensor values = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
        RowInputs rows = new RowInputs(0, ids.length);
        OrtSession.Result r =
            session.run(
                rows.add(
                    new HashMap<>(
                        Map.of("input_ids", input, "past_keys", keys, "past_values", values))),
                java.util.Set.of("logits"))) {
      FloatBuffer logits = ((OnnxTensor) r.get(0)).getFloatBuffer();
      int v = config.vocabSize();
      float[] row = new float[v];
      for (int i = 0; i + 1 < tokens.length; i++) {
        logits.position(i * v);
        logits.get(row, 0, v);
        sink.accept(i + 1, row);
      }
    }
  }

  /**
   * One sequence's {@code attention_mask} (all ones) and {@code position_ids} for a graph loaded
   * with batching; nothing for the export as it is.
   */
  private final class RowInputs implements AutoCloseable {
    private final @org.jspecify.annotations.Nullable OnnxTensor mask;
    private final @org.jspecify.annotations.Nullable OnnxTensor positions;

    RowInputs(int past, int count) throws OrtException {
      if (!batching) {
        mask = null;
        positions = null;
        return;
      }
      long[] ones = new long[past + count];
      java.util.Arrays.fill(ones, 1L);
      long[] pos = new long[count];
      for (int i = 0; i < count; i++) {
        pos[i] = (long) past + i;
      }
      mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, past + count});
      OnnxTensor p;
      try {
        p = OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[] {1, count});
      } catch (OrtException e) {
        mask.close();
        throw e;
      }
      positions = p;
    }

    <M extends Map<String, OnnxTensor>> M add(M inputs) {
      if (mask != null && positions != null) {
        inputs.put(RowInputsGraph.ATTENTION_MASK, mask);
        inputs.put(RowInputsGraph.POSITION_IDS, positions);
      }
      return inputs;
    }

    @Override
    public void close() {
      if (mask != null) {
        mask.close();
      }
      if (positions != null) {
        positions.close();
      }
    }
  }

  /** A fresh generation state (empty cache). Close it when the generation ends. */
  public Decoder newDecoder() {
    return new Decoder();
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }

  /**
   * The KV cache of one generation. {@link #prefill} the prompt once, then {@link #next} for each
   * generated token; each returns the logits for the following position in a buffer owned by the
   * decoder (valid until the next call).
   *
   * <p>Not thread-safe: one per generation.
   */
  public final class Decoder extends CachedDecoder {
    private final float[] logits = new float[config.vocabSize()];
    private OrtSession.@org.jspecify.annotations.Nullable Result previous;

    private Decoder() {
      super(config.vocabSize(), config.maxPositions(), "max_positions");
    }

    @Override
    protected float[] run(long[] idBuf, int past) throws OrtException {
      int count = idBuf.length;
      Map<String, OnnxTensor> inputs = new HashMap<>();
      OnnxTensor emptyKeys = null;
      OnnxTensor emptyValues = null;
      try (RowInputs rows = new RowInputs(past, count)) {
        rows.add(inputs);
        inputs.put(
            "input_ids",
            OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), new long[] {1, count}));
        if (previous == null) {
          long[] shape = {config.layers(), 1, config.heads(), 0, config.headDim()};
          emptyKeys = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
          emptyValues = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
          inputs.put("past_keys", emptyKeys);
          inputs.put("past_values", emptyValues);
        } else {
          inputs.put("past_keys", tensor(previous, "present_keys"));
          inputs.put("past_values", tensor(previous, "present_values"));
        }
        OrtSession.Result result =
            session.run(inputs, java.util.Set.of("logits", "present_keys", "present_values"));
        FloatBuffer out = tensor(result, "logits").getFloatBuffer();
        out.position((count - 1) * config.vocabSize());
        out.get(logits, 0, config.vocabSize());
        OrtSession.Result old = previous;
        previous = result;
        if (old != null) {
          old.close();
        }
        return logits;
      } finally {
        OnnxTensor in = inputs.get("input_ids");
        if (in != null) {
          in.close();
        }
        if (emptyKeys != null) {
          emptyKeys.close();
        }
        if (emptyValues != null) {
          emptyValues.close();
        }
      }
    }

    private OnnxTensor tensor(OrtSession.Result r, String name) {
      Optional<OnnxValue> v = r.get(name);
      if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
        throw new IllegalStateException("the model returned no tensor '" + name + "'");
      }
      return t;
    }

    @Override
    public void close() {
      if (previous != null) {
        previous.close();
        previous = null;
      }
    }
  }
}
