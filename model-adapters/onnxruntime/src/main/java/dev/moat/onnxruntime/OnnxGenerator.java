package dev.moat.onnxruntime;

import ai.onnxruntime.OrtException;
import dev.moat.MoatRequest;
import dev.moat.spi.SamplingParams;

/**
 * {@link KvGenerator}'s host loop over an {@link OnnxCausalLm}: prefill the prompt, then per step
 * let Moat process the logits and pick the token (or sample without Moat), hold the token as long
 * as Moat asks, emit it, and feed it back; it stops at the end-of-sequence token, at {@code
 * maxTokens}, or when the model's context is full.
 *
 * <p>Thread-safe: {@link #generate} may run concurrently on many threads.
 */
public final class OnnxGenerator {
  private final OnnxCausalLm model;
  private final KvGenerator loop;

  public OnnxGenerator(OnnxCausalLm model) {
    this.model = model;
    ModelConfig cfg = model.config();
    this.loop =
        new KvGenerator(
            model::newDecoder, cfg.vocabSize(), cfg.maxPositions(), t -> t == cfg.eosTokenId());
  }

  public OnnxCausalLm model() {
    return model;
  }

  /** Generates with Moat in the loop: sampling settings come from the request's context. */
  public GenerationResult generate(int[] prompt, MoatRequest moat, TokenSink sink)
      throws OrtException {
    return loop.generate(prompt, moat, sink);
  }

  /** Generates without Moat (the plain host loop, with the same sampler). */
  public GenerationResult generate(int[] prompt, SamplingParams params, TokenSink sink)
      throws OrtException {
    return loop.generate(prompt, params, sink);
  }
}
