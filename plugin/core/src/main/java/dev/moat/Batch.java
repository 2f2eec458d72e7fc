package dev.moat;

import dev.moat.internal.Messages;

/**
 * Batch form of the per-step calls, for continuous-batching servers that hold one {@code [rows ×
 * vocab]} logits array: row {@code i} belongs to {@code requests[i]}. Requests in one batch may
 * belong to different tiers. The rows run one after another on the calling thread; {@link
 * BatchRunner} spreads them over several. Thread-safe: stateless (each request is still driven by
 * one thread).
 */
public final class Batch {
  private Batch() {}

  /** Runs each row's protections in place. */
  public static void processLogits(MoatRequest[] requests, float[] logits, int vocabSize) {
    check(requests, logits, vocabSize);
    for (int i = 0; i < requests.length; i++) {
      requests[i].processLogits(logits, i * vocabSize);
    }
  }

  /** Processes each row and writes its chosen token to {@code out[i]}. */
  public static void sample(MoatRequest[] requests, float[] logits, int vocabSize, int[] out) {
    check(requests, logits, vocabSize);
    if (out.length < requests.length) {
      throw new IllegalArgumentException(
          Messages.invalid("out.length", out.length, ">= " + requests.length));
    }
    for (int i = 0; i < requests.length; i++) {
      out[i] = requests[i].sample(logits, i * vocabSize);
    }
  }

  static void check(MoatRequest[] requests, float[] logits, int vocabSize) {
    if ((long) requests.length * vocabSize != logits.length) {
      throw new IllegalArgumentException(
          Messages.batchLength(logits.length, requests.length, vocabSize));
    }
    for (int i = 0; i < requests.length; i++) {
      if (requests[i].context().vocabSize() != vocabSize) {
        throw new IllegalArgumentException(
            Messages.invalid(
                "requests[" + i + "].vocabSize",
                requests[i].context().vocabSize(),
                "equal to the batch's vocabSize " + vocabSize));
      }
    }
  }
}
