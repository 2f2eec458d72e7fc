package dev.moat.onnxruntime.hf;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.moat.onnxruntime.CachedDecoder;
import dev.moat.onnxruntime.ExecutionDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Hugging Face decoder graph in ONNX Runtime ({@link DecoderGraph}'s layout), fp32 or fp16, one
 * sequence per call (no batching). One instance serves any number of concurrent generations: {@code
 * OrtSession.run} is thread-safe and each generation keeps its cache in its own {@link Decoder}.
 *
 * <p>Thread-safe. An ONNX Runtime error fails the generation that hit it, never the others.
 */
public final class HfDecoderModel implements HfDecoders {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final HfConfig config;
  private final DecoderGraph graph;
  private final Set<String> outputs;

  private HfDecoderModel(
      OrtEnvironment env, OrtSession session, HfConfig config, DecoderGraph graph) {
    this.env = env;
    this.session = session;
    this.config = config;
    this.graph = graph;
    Set<String> o = new LinkedHashSet<>();
    o.add("logits");
    for (int i = 0; i < config.layers(); i++) {
      o.add("present." + i + ".key");
      o.add("present." + i + ".value");
    }
    this.outputs = Set.copyOf(o);
  }

  /**
   * Loads the directory's graph (the first of {@link DecoderGraph#LOCATIONS}) by path, so ONNX
   * Runtime finds external data files beside it, and checks its interface against {@code config}.
   */
  public static HfDecoderModel load(Path dir, HfConfig config, int intraOpThreads)
      throws IOException {
    return load(dir, config, intraOpThreads, ExecutionDevice.CPU);
  }

  /**
   * {@link #load(Path, HfConfig, int)} on {@code device}.
   *
   * @throws DeviceUnavailableException the device cannot run it here (the message says why)
   */
  public static HfDecoderModel load(
      Path dir, HfConfig config, int intraOpThreads, ExecutionDevice device) throws IOException {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException(
          "`intraOpThreads` was '" + intraOpThreads + "' but it must be >= 1");
    }
    Path file = DecoderGraph.find(dir);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession s;
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(intraOpThreads);
      opts.setInterOpNumThreads(1);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      device.applyTo(opts);
      s = env.createSession(file.toString(), opts);
    } catch (OrtException e) {
      throw new ModelDirectoryException(
          dir, dir.relativize(file) + ": ONNX Runtime could not load it: " + e.getMessage());
    }
    try {
      return new HfDecoderModel(env, s, config, DecoderGraph.inspect(dir, file, s, config));
    } catch (OrtException e) {
      closeAfter(s, e);
      throw new IOException(
          "ONNX Runtime could not read the graph's metadata: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      closeAfter(s, e);
      throw e;
    }
  }

  private static void closeAfter(OrtSession s, Exception failure) {
    try {
      s.close();
    } catch (OrtException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  public HfConfig config() {
    return config;
  }

  public DecoderGraph graph() {
    return graph;
  }

  /**
   * Whether {@link #newBatchDecoder} works: the graph takes {@code position_ids}. A graph without
   * it derives each token's position from the past length, which left padding would shift.
   */
  public boolean batching() {
    return graph.positionIds();
  }

  /**
   * A continuous-batching decoder over this model's session: rows left-padded, {@code
   * attention_mask} and {@code position_ids} per row (closing it leaves the model open).
   *
   * @throws IllegalStateException the graph takes no {@code position_ids} ({@link #batching})
   * @throws OrtException ONNX Runtime could not describe the graph's logits
   */
  @Override
  public dev.moat.onnxruntime.BatchDecoder newBatchDecoder() throws OrtException {
    if (!batching()) {
      throw new IllegalStateException(
          graph.file().getFileName()
              + " takes no position_ids, so rows of different lengths cannot share a call (each"
              + " token's position would come from the batch's padded length)");
    }
    List<dev.moat.onnxruntime.BatchDecoder.Cache> caches = new ArrayList<>();
    long[] dims = {-1, config.kvHeads(), -1, config.headDim()};
    for (int i = 0; i < config.layers(); i++) {
      for (String kv : new String[] {"key", "value"}) {
        caches.add(
            new dev.moat.onnxruntime.BatchDecoder.Cache(
                "past_key_values." + i + "." + kv, "present." + i + "." + kv, dims, 0, 2));
      }
    }
    OnnxJavaType logits = OnnxJavaType.FLOAT;
    if (session.getOutputInfo().get("logits") != null
        && session.getOutputInfo().get("logits").getInfo() instanceof ai.onnxruntime.TensorInfo t) {
      logits = t.type;
    }
    return new dev.moat.onnxruntime.BatchDecoder(
        env,
        session,
        new dev.moat.onnxruntime.BatchDecoder.Layout(
            config.vocabSize(),
            config.maxPositions(),
            "max_position_embeddings",
            caches,
            graph.cacheType(),
            logits,
            graph.merged()));
  }

  @Override
  public int maxPositions() {
    return config.maxPositions();
  }

  @Override
  public String describe() {
    return "ONNX Runtime, " + graph.file().getFileName() + ", " + graph.cacheType() + " cache";
  }

  @Override
  public @Nullable String batchingUnsupported() {
    return batching()
        ? null
        : graph.file().getFileName()
            + " takes no position_ids: each token's position would come from the batch's padded"
            + " length, so it is decoded one sequence per call";
  }

  /** A fresh generation state (empty cache). Close it when the generation ends. */
  @Override
  public Decoder newDecoder() {
    return new Decoder();
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }

  /**
   * The KV cache of one generation: the previous step's {@code present.N.*} tensors, fed back as
   * {@code past_key_values.N.*} without leaving native memory.
   *
   * <p>Not thread-safe: one per generation.
   */
  public final class Decoder extends CachedDecoder {
    private final float[] logits = new float[config.vocabSize()];
    private OrtSession.@Nullable Result previous;

    private Decoder() {
      super(config.vocabSize(), config.maxPositions(), "max_position_embeddings");
    }

    @Override
    protected float[] run(long[] idBuf, int past) throws OrtException {
      int n = idBuf.length;
      int total = past + n;
      long[] pos = new long[n];
      for (int i = 0; i < n; i++) {
        pos[i] = (long) past + i;
      }
      long[] mask = new long[total];
      Arrays.fill(mask, 1L);
      Map<String, OnnxTensor> inputs = new HashMap<>();
      List<OnnxTensor> owned = new ArrayList<>();
      try {
        owned.add(
            put(
                inputs,
                "input_ids",
                OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), new long[] {1, n})));
        owned.add(
            put(
                inputs,
                "attention_mask",
                OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, total})));
        if (graph.positionIds()) {
          owned.add(
              put(
                  inputs,
                  "position_ids",
                  OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[] {1, n})));
        }
        if (graph.merged()) {
          owned.add(
              put(
                  inputs,
                  "use_cache_branch",
                  OnnxTensor.createTensor(env, new boolean[] {previous != null})));
        }
        OrtSession.Result prev = previous;
        for (int i = 0; i < config.layers(); i++) {
          for (String kv : new String[] {"key", "value"}) {
            String name = "past_key_values." + i + "." + kv;
            if (prev == null) {
              owned.add(put(inputs, name, empty()));
            } else {
              inputs.put(name, tensor(prev, "present." + i + "." + kv));
            }
          }
        }
        OrtSession.Result result = session.run(inputs, outputs);
        try {
          readLastRow(tensor(result, "logits"), n);
        } catch (RuntimeException e) {
          result.close();
          throw e;
        }
        previous = result;
        if (prev != null) {
          prev.close();
        }
        return logits;
      } finally {
        for (OnnxTensor t : owned) {
          t.close();
        }
      }
    }

    /** The logits of the last position, as floats (fp16 graphs: converted by ONNX Runtime). */
    private void readLastRow(OnnxTensor t, int n) {
      FloatBuffer out = t.getFloatBuffer(); // FLOAT16 and BFLOAT16 are widened to float
      int v = config.vocabSize();
      if (out.capacity() != (long) n * v) {
        throw new IllegalStateException(
            ModelDirectoryException.field(
                HfConfig.FILE,
                "vocab_size",
                v,
                "the number of logits per position the graph returns ("
                    + out.capacity() / Math.max(1, n)
                    + ")"));
      }
      out.position((n - 1) * v);
      out.get(logits, 0, v);
    }

    private OnnxTensor empty() throws OrtException {
      long[] shape = {1, config.kvHeads(), 0, config.headDim()};
      if (graph.cacheType() == OnnxJavaType.FLOAT16) {
        return OnnxTensor.createTensor(
            env, ByteBuffer.allocateDirect(0), shape, OnnxJavaType.FLOAT16);
      }
      return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
    }

    private OnnxTensor put(Map<String, OnnxTensor> m, String name, OnnxTensor t) {
      m.put(name, t);
      return t;
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
