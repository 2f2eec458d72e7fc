/**
 * Moat for Deep Java Library users. DJL's {@code TextGenerator} offers greedy, beam and contrastive
 * search but no sampling and no logits hook; {@link dev.moat.djl.MoatTextGenerator} is the one-line
 * replacement that samples (temperature, top-k, top-p) with Moat in every step, over any {@code
 * Predictor<NDList, CausalLMOutput>}.
 */
@NullMarked
package dev.moat.djl;

import org.jspecify.annotations.NullMarked;
