/**
 * Hugging Face model directories on ONNX Runtime: {@link dev.moat.onnxruntime.hf.HfModel} loads one
 * ({@code config.json}, {@code generation_config.json}, {@code tokenizer.json}, {@code
 * tokenizer_config.json} or {@code chat_template.jinja}, and a decoder graph in the layout Hugging
 * Face Optimum and transformers.js export), {@link dev.moat.onnxruntime.hf.HfDecoderModel} runs the
 * graph with its KV cache, {@link dev.moat.onnxruntime.hf.ChatTemplate} renders the chat template
 * with Jinjava.
 */
@NullMarked
package dev.moat.onnxruntime.hf;

import org.jspecify.annotations.NullMarked;
