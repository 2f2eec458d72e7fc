package dev.moat.internal;

import dev.moat.spi.TokenHistory;

/**
 * A perturbation whose whole effect on a row is adding a fixed row rotated by a shift of the
 * context, special tokens excepted: {@code logits[v] += row[(v + shift) mod vocabSize]} for every
 * {@code v} not in {@link #specialTokens()}. A {@link FusedBias} stage that follows it may take the
 * addition into its own pass over the row (one read and one write of the logits instead of two).
 * Internal: an operator-fusion contract between Moat's own stages, not an SPI.
 *
 * <p>Implementations are per-request state: not thread-safe, allocation-free.
 */
public interface RowAddend {
  /** The row; at least the vocabulary's length. Never modified. */
  float[] row();

  /** The rotation for the next step, in {@code [0, vocabSize)}. */
  int shift(TokenHistory history);

  /** Token ids left unchanged. Never modified. */
  int[] specialTokens();

  /** The unfused effect: adds the rotated row in place, special tokens unchanged. */
  void processLogits(float[] logits, int offset, TokenHistory history);
}
