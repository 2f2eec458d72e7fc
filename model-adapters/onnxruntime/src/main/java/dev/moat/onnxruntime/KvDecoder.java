package dev.moat.onnxruntime;

import ai.onnxruntime.OrtException;

/**
 * The KV cache of one generation on a causal language model: {@link #prefill} the prompt once, then
 * {@link #next} for each generated token; each returns the logits for the following position in a
 * buffer owned by the decoder (valid until the next call). What a host loop (the server's, or
 * {@link OnnxGenerator}'s) needs from a model, whatever its export layout.
 *
 * <p>Not thread-safe: one per generation. Close it when the generation ends.
 */
public interface KvDecoder extends AutoCloseable {
  /** Runs the prompt (at least one token) through the model. */
  float[] prefill(int[] prompt) throws OrtException;

  /** Feeds back one token and returns the logits for the position after it. */
  float[] next(int token) throws OrtException;

  /** Positions consumed so far (prompt plus generated tokens fed back). */
  int position();

  @Override
  void close();
}
