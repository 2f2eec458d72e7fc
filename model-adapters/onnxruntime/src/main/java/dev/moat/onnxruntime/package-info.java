/**
 * A generation loop over ONNX Runtime's Java API with Moat in every sampling step: {@link
 * dev.moat.onnxruntime.OnnxCausalLm} runs a decoder with a KV cache, {@link
 * dev.moat.onnxruntime.OnnxGenerator} drives it token by token.
 */
@NullMarked
package dev.moat.onnxruntime;

import org.jspecify.annotations.NullMarked;
