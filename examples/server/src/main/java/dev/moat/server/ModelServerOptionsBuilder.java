package dev.moat.server;

import dev.moat.watermark.WatermarkKeys;
import java.nio.file.Path;

/**
 * Builds {@link ModelServer.Options} (from {@link ModelServer.Options#builder}), checking each
 * setting as it is given. Not thread-safe.
 */
public final class ModelServerOptionsBuilder {
  private final Path policyFile;
  private final Path keysFile;
  private final WatermarkKeys watermarkKeys;
  private final String adminKey;
  private String host = "127.0.0.1";
  private int port;
  private int adminPort;
  private int workers = 2;
  private @org.jspecify.annotations.Nullable Path stateFile;
  private @org.jspecify.annotations.Nullable String redis;
  private @org.jspecify.annotations.Nullable Path model;
  private @org.jspecify.annotations.Nullable String modelId;
  private String runtime = dev.moat.onnxruntime.hf.HfModel.AUTO;
  private dev.moat.onnxruntime.ExecutionDevice device = dev.moat.onnxruntime.ExecutionDevice.CPU;
  private int maxBatch = ModelServer.Options.DEFAULT_MAX_BATCH;
  private int maxWaiting = ModelServer.Options.DEFAULT_MAX_WAITING;

  ModelServerOptionsBuilder(Path policyFile, Path keysFile, WatermarkKeys keys, String adminKey) {
    this.policyFile = java.util.Objects.requireNonNull(policyFile, "policyFile");
    this.keysFile = java.util.Objects.requireNonNull(keysFile, "keysFile");
    this.watermarkKeys = java.util.Objects.requireNonNull(keys, "watermarkKeys");
    this.adminKey = java.util.Objects.requireNonNull(adminKey, "adminKey");
  }

  public ModelServerOptionsBuilder host(String host) {
    this.host = java.util.Objects.requireNonNull(host, "host");
    return this;
  }

  /** The API port, 0 for any free one. */
  public ModelServerOptionsBuilder port(int port) {
    this.port = checkPort("port", port);
    return this;
  }

  /** The admin port, 0 for any free one. */
  public ModelServerOptionsBuilder adminPort(int adminPort) {
    this.adminPort = checkPort("admin-port", adminPort);
    return this;
  }

  /** Model worker threads, at least 1. */
  public ModelServerOptionsBuilder workers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("workers", workers, ">= 1"));
    }
    this.workers = workers;
    return this;
  }

  /** Where the detector's state is restored from and written to; null: memory only. */
  public ModelServerOptionsBuilder stateFile(@org.jspecify.annotations.Nullable Path stateFile) {
    this.stateFile = stateFile;
    return this;
  }

  /** Fleet mode's Redis ({@code redis://HOST:PORT}); null: this replica alone. */
  public ModelServerOptionsBuilder redis(@org.jspecify.annotations.Nullable String redis) {
    this.redis = redis;
    return this;
  }

  /**
   * A Hugging Face model directory, served as {@code modelId} (null: the directory's name); a null
   * directory serves the bundled model.
   */
  public ModelServerOptionsBuilder model(
      @org.jspecify.annotations.Nullable Path model,
      @org.jspecify.annotations.Nullable String modelId) {
    this.model = model;
    this.modelId = modelId;
    return this;
  }

  /**
   * What runs a Hugging Face model directory's decoder: {@code onnxruntime}, {@code jlama} (in
   * builds on JDK 22+), or {@code auto} (the default: ONNX Runtime when the directory has an ONNX
   * graph, else a runtime that takes its weights). Ignored for the bundled model.
   */
  public ModelServerOptionsBuilder runtime(String runtime) {
    if (!runtime.matches("[a-z0-9][a-z0-9-]{0,31}")) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid(
              "runtime", runtime, "a runtime name such as auto, onnxruntime or jlama"));
    }
    this.runtime = runtime;
    return this;
  }

  /**
   * Where ONNX Runtime runs the model (the bundled one or a directory's graph): the CPU (the
   * default) or a CUDA device, which needs a build with ONNX Runtime's CUDA provider; the server
   * then fails to start rather than run on the CPU ({@link dev.moat.onnxruntime.ExecutionDevice}).
   */
  public ModelServerOptionsBuilder device(dev.moat.onnxruntime.ExecutionDevice device) {
    this.device = java.util.Objects.requireNonNull(device, "device");
    return this;
  }

  /**
   * Sequences decoded together in one model call, in [1, 1024]; 1 turns batching off (each request
   * decodes alone, one model call per token, on the worker pool).
   */
  public ModelServerOptionsBuilder maxBatch(int maxBatch) {
    if (maxBatch < 1 || maxBatch > 1024) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("max-batch", maxBatch, "in [1, 1024]"));
    }
    this.maxBatch = maxBatch;
    return this;
  }

  /**
   * New requests that may wait for a place in the batch, at least 1; the next one is refused with
   * 503 (batching only).
   */
  public ModelServerOptionsBuilder maxWaiting(int maxWaiting) {
    if (maxWaiting < 1) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("batch-queue", maxWaiting, ">= 1"));
    }
    this.maxWaiting = maxWaiting;
    return this;
  }

  public ModelServer.Options build() {
    return new ModelServer.Options(
        host,
        port,
        adminPort,
        policyFile,
        keysFile,
        watermarkKeys,
        adminKey,
        workers,
        stateFile,
        redis,
        model,
        modelId,
        runtime,
        device,
        maxBatch,
        maxWaiting);
  }

  private static int checkPort(String field, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid(field, port, "in [0, 65535]"));
    }
    return port;
  }
}
