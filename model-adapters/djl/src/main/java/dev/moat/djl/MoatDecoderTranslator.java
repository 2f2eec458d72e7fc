package dev.moat.djl;

import ai.djl.modality.nlp.generate.CausalLMOutput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/**
 * A DJL {@code Translator} for decoders exported in Moat's KV-cache layout: input {@code
 * [input_ids, past_keys, past_values]}, output {@code [logits, present_keys, present_values]},
 * caches shaped {@code [layers, batch, heads, positions, headDim]}. (DJL's {@code OrtGptTranslator}
 * expects the Hugging Face merged-decoder layout instead.)
 *
 * <p>Thread-safe: stateless.
 */
public final class MoatDecoderTranslator implements NoBatchifyTranslator<NDList, CausalLMOutput> {
  @Override
  public NDList processInput(TranslatorContext ctx, NDList input) {
    if (input.size() != 3) {
      throw new IllegalArgumentException(
          "`input` had "
              + input.size()
              + " arrays but it must be [input_ids, past_keys, past_values]");
    }
    input.get(0).setName("input_ids");
    input.get(1).setName("past_keys");
    input.get(2).setName("past_values");
    return input;
  }

  @Override
  public CausalLMOutput processOutput(TranslatorContext ctx, NDList output) {
    NDArray logits = output.get(0);
    // Detach from the translator's per-call manager: the generator owns these until the next step.
    NDList cache = new NDList(output.get(1), output.get(2));
    return new CausalLMOutput(logits, cache);
  }
}
