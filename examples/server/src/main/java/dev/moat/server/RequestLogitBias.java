package dev.moat.server;

import java.util.Map;

/**
 * A request's {@code logit_bias}, unboxed once at the request's start so that adding it to each
 * step's row allocates nothing and looks nothing up; empty when Moat's level neutralises it.
 *
 * <p>Immutable; thread-safe.
 */
final class RequestLogitBias {
  private final int[] ids;
  private final float[] values;

  /** {@code bias}: token id to the value added to its logit; dropped when {@code neutralise}. */
  RequestLogitBias(Map<Integer, Float> bias, boolean neutralise) {
    int n = neutralise ? 0 : bias.size();
    this.ids = new int[n];
    this.values = new float[n];
    int k = 0;
    for (var e : bias.entrySet()) {
      if (k == n) {
        break;
      }
      ids[k] = e.getKey();
      values[k++] = e.getValue();
    }
  }

  /** Adds the bias to one row, {@code logits[offset, offset + vocab)}. */
  void apply(float[] logits, int offset) {
    for (int b = 0; b < ids.length; b++) {
      logits[offset + ids[b]] += values[b];
    }
  }
}
