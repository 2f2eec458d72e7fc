package dev.moat.onnxruntime.hf;

import ai.onnxruntime.OrtException;
import dev.moat.onnxruntime.BatchDecoder;
import dev.moat.onnxruntime.KvDecoder;
import org.jspecify.annotations.Nullable;

/**
 * What runs a Hugging Face model directory's decoder: ONNX Runtime over the directory's graph
 * ({@link HfDecoderModel}), or another runtime found through {@link HfRuntime} (Jlama over
 * safetensors weights). The rest of the directory (config, tokenizer, chat template, generation
 * defaults) is {@link HfModel}'s whichever runs it.
 *
 * <p>Implementations are thread-safe: decoders are per generation and may run concurrently.
 */
public interface HfDecoders extends AutoCloseable {
  /** The runtime and what it loaded, for logs and the console ("ONNX Runtime, model.onnx, ..."). */
  String describe();

  /**
   * Positions a sequence may use (at most {@code config.json}'s {@code max_position_embeddings}).
   */
  int maxPositions();

  /** A fresh generation state (empty cache). Close it when the generation ends. */
  KvDecoder newDecoder();

  /** Why steps of several generations cannot share a model call, or null when they can. */
  @Nullable String batchingUnsupported();

  /**
   * A continuous-batching decoder.
   *
   * @throws IllegalStateException {@link #batchingUnsupported} is not null
   * @throws OrtException ONNX Runtime could not describe the graph
   */
  BatchDecoder newBatchDecoder() throws OrtException;

  @Override
  void close() throws OrtException;
}
