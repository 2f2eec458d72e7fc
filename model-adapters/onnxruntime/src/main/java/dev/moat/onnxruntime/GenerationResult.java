package dev.moat.onnxruntime;

import dev.moat.spi.FinishReason;

/**
 * One finished generation.
 *
 * @param tokens the generated token ids (not the prompt; the end-of-sequence token excluded)
 * @param finishReason why it stopped
 * @param modelNanos time spent in ONNX Runtime (prefill and decode steps)
 * @param moatNanos time spent in Moat's per-step calls (sample and accept), 0 without Moat
 * @param heldNanos time tokens were held before emission at Moat's request (pacing)
 */
@SuppressWarnings("ArrayRecordComponent") // a carrier of one result, never compared or hashed
public record GenerationResult(
    int[] tokens, FinishReason finishReason, long modelNanos, long moatNanos, long heldNanos) {}
