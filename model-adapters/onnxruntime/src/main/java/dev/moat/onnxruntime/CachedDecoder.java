package dev.moat.onnxruntime;

import ai.onnxruntime.OrtException;

/**
 * The part of a {@link KvDecoder} every export layout shares: the order of calls (prefill once,
 * then next), the position count, and the checks on the tokens fed in (the sequence fits the
 * model's positions; every id is in the vocabulary), each refused with a message naming the value
 * and what is allowed before the model runs. A layout implements {@link #run}.
 *
 * <p>Not thread-safe: one per generation.
 */
public abstract class CachedDecoder implements KvDecoder {
  private final int vocabSize;
  private final int maxPositions;
  private final String maxPositionsField;
  private int position;

  /**
   * @param maxPositionsField the configuration field {@code maxPositions} came from, for messages
   */
  protected CachedDecoder(int vocabSize, int maxPositions, String maxPositionsField) {
    this.vocabSize = vocabSize;
    this.maxPositions = maxPositions;
    this.maxPositionsField = maxPositionsField;
  }

  @Override
  public final int position() {
    return position;
  }

  @Override
  public final float[] prefill(int[] prompt) throws OrtException {
    if (position != 0) {
      throw new IllegalStateException("prefill was already called for this decoder");
    }
    if (prompt.length == 0) {
      throw new IllegalArgumentException(
          "`prompt` was empty but it must have at least one token (e.g. bos)");
    }
    return step(prompt);
  }

  @Override
  public final float[] next(int token) throws OrtException {
    if (position == 0) {
      throw new IllegalStateException("call prefill before next");
    }
    return step(new int[] {token});
  }

  private float[] step(int[] ids) throws OrtException {
    int total = position + ids.length;
    if (total > maxPositions) {
      throw new IllegalStateException(
          "sequence of "
              + total
              + " tokens exceeds the model's "
              + maxPositionsField
              + " "
              + maxPositions);
    }
    long[] idBuf = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      int t = ids[i];
      if (t < 0 || t >= vocabSize) {
        throw new IllegalArgumentException(
            "`input_ids[" + i + "]` was '" + t + "' but it must be in [0, " + vocabSize + ")");
      }
      idBuf[i] = t;
    }
    float[] logits = run(idBuf, position);
    position = total;
    return logits;
  }

  /**
   * Runs {@code ids} (checked) after {@code past} positions already in the cache and returns the
   * logits of the last one, in a buffer the decoder owns. On an exception the cache must be as it
   * was before the call.
   */
  protected abstract float[] run(long[] ids, int past) throws OrtException;
}
