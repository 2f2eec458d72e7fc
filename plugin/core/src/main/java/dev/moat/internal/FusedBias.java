package dev.moat.internal;

import dev.moat.spi.TokenHistory;

/**
 * A stage that can apply a preceding {@link RowAddend} within its own pass over the row, with a
 * result bit-identical to running the addend, then this stage. Internal: an operator-fusion
 * contract between Moat's own stages, not an SPI.
 *
 * <p>Implementations are per-request state: not thread-safe, allocation-free.
 */
public interface FusedBias {
  /**
   * Whether this request's stage can fuse at all: decided once, at request start (a stage whose
   * decisions read the perturbed row, such as an entropy threshold, cannot).
   */
  boolean fusable();

  /** {@code addend.processLogits(...)} then this stage's {@code processLogits}, in one pass. */
  void processLogits(float[] logits, int offset, TokenHistory history, RowAddend addend);
}
