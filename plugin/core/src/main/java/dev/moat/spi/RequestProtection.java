package dev.moat.spi;

/**
 * One protection's state for one request, called from the host's sampling loop.
 *
 * <p>Not thread-safe: a request is driven by one thread at a time (the host may hand it from thread
 * to thread between steps, with a happens-before edge, as every executor does). The per-token
 * methods must not allocate, lock, log or block.
 */
public interface RequestProtection {
  /**
   * Edits one row of logits in place, before sampling: {@code logits[offset .. offset +
   * vocabSize)}. The row was checked (length, no NaN or +Infinity) before this is called; {@code
   * -Infinity} marks tokens the host excluded and must stay {@code -Infinity}.
   */
  default void processLogits(float[] logits, int offset, TokenHistory history) {}

  /**
   * True if this protection chooses the token itself (schemes that sample from keyed randomness).
   * At most one protection of a request may own sampling.
   */
  default boolean ownsSampling() {
    return false;
  }

  /**
   * Chooses the next token from the processed row. Only called when {@link #ownsSampling()} is
   * true. The {@code candidates} apply the host's temperature, top-k and top-p ({@link
   * Candidates#candidates}); a protection must choose among them so the host's settings are
   * honoured. The row must not be modified here (edits belong in {@link #processLogits}): Moat's
   * sampler may take the row's maximum from the pass that checked it.
   */
  default int sample(float[] logits, int offset, TokenHistory history, Candidates candidates) {
    throw new UnsupportedOperationException(getClass().getName() + " does not own sampling");
  }

  /**
   * Told the token that was chosen (already appended to {@code history}); returns how many
   * nanoseconds the host should hold it before emitting it, 0 to emit now.
   */
  default long onToken(int token, TokenHistory history) {
    return 0L;
  }

  /** Told once that generation ended and why. */
  default void onFinish(FinishReason reason, TokenHistory history) {}
}
