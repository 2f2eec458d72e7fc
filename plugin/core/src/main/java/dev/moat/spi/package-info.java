/**
 * The service-provider interface for protections: what a protection sees of a request and the hooks
 * it may implement on each sampling step. Shaped like Hugging Face's {@code LogitsProcessor},
 * vLLM's logits processors and llama.cpp's sampler chain: per-request state, logits edited in
 * place, rows of a batch addressed by offset.
 */
@NullMarked
package dev.moat.spi;

import org.jspecify.annotations.NullMarked;
