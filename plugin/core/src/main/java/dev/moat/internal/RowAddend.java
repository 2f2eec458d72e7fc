package dev.moat.internal;

import dev.moat.spi.TokenHistory;

/**
 * A perturbation whose whole effect on a row is adding a periodic pattern shifted by the context,
 * special tokens excepted: {@code logits[v] += row[shift + v mod period]} for every {@code v} not
 * in {@link #specialTokens()}, where {@code row} holds the pattern twice over. A {@link FusedBias}
 * stage that follows it may take the addition into its own pass over the row (one read and one
 * write of the logits instead of two). Internal: an operator-fusion contract between Moat's own
 * stages, not an SPI.
 *
 * <p>Implementations are per-request state: not thread-safe, allocation-free.
 */
public interface RowAddend {
  /** The pattern twice over, {@code 2 · period()} entries. Never modified. */
  float[] row();

  /** The pattern's period. */
  int period();

  /** The shift for the next step, in {@code [0, period())}. */
  int shift(TokenHistory history);

  /** Token ids left unchanged. Never modified. */
  int[] specialTokens();

  /** The unfused effect: adds the shifted pattern in place, special tokens unchanged. */
  void processLogits(float[] logits, int offset, TokenHistory history);
}
