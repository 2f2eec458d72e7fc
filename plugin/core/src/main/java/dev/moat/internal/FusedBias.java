package dev.moat.internal;

import dev.moat.spi.TokenHistory;
import org.jspecify.annotations.Nullable;

/**
 * A stage that can take the row check, and a preceding {@link RowAddend}, into its own pass over
 * the row, with a result bit-identical to checking, running the addend, then this stage. Internal:
 * an operator-fusion contract between Moat's own stages, not an SPI.
 *
 * <p>Implementations are per-request state: not thread-safe, allocation-free.
 */
public interface FusedBias {
  /**
   * Whether this request's stage can fuse at all: decided once, at request start (a stage whose
   * decisions read the perturbed row, such as an entropy threshold, cannot).
   */
  boolean fusable();

  /**
   * The row check ({@link Logits#firstInvalid}), then {@code addend.processLogits(...)} if {@code
   * addend} is non-null, then this stage's {@code processLogits}: the same row, bit for bit, in as
   * few passes as the stage can make it (one where the check can ride in its pass). Returns -1, or
   * the index of the row's first NaN or +Infinity; then the stage's state is as it was before the
   * call (nothing this step decided is recorded), and the row may have been edited.
   *
   * <p>With {@code summary} non-null the stage may publish there the edited row's maximum and
   * summary, taken in its pass ({@link RowSummary#publish}), for the sampler that reads the row
   * next; the caller passes it only when nothing else edits the row before that sampler.
   */
  int processLogitsChecked(
      float[] logits,
      int offset,
      TokenHistory history,
      @Nullable RowAddend addend,
      @Nullable RowSummary summary);
}
