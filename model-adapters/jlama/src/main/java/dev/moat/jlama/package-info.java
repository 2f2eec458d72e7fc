/**
 * Moat over Jlama: Hugging Face safetensors checkpoints (Llama, Mistral, Qwen2) decoded by Jlama's
 * pure-Java engine ({@link dev.moat.jlama.JlamaCausalLm}) in a host loop with Moat in every step
 * ({@link dev.moat.jlama.JlamaCausalLm#generator}, the shared {@code KvGenerator}). Built and
 * tested on JDK 22+ only.
 */
@NullMarked
package dev.moat.jlama;

import org.jspecify.annotations.NullMarked;
