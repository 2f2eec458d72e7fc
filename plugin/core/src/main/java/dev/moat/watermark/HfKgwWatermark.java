package dev.moat.watermark;

import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.TokenHistory;

/**
 * Hugging Face-compatible KGW as a protection: adds {@code delta} to the green list of the previous
 * token (from the scheme's cache). The request's vocabulary must be the one the green lists were
 * defined for.
 *
 * <p>Immutable and thread-safe.
 */
public final class HfKgwWatermark extends WatermarkProtection {
  private final HfKgwSettings settings;
  private final HfKgwScheme scheme;

  HfKgwWatermark(HfKgwSettings settings, HfKgwScheme scheme) {
    this.settings = settings;
    this.scheme = scheme;
  }

  @Override
  public String describe() {
    return settings.toString();
  }

  @Override
  public RequestProtection begin(RequestView request) {
    if (request.vocabSize() != scheme.vocabSize()) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid(
              "vocabSize",
              request.vocabSize(),
              "the kgw-hf watermark's vocab_size " + scheme.vocabSize()));
    }
    float delta = (float) settings.delta();
    return new RequestProtection() {
      @Override
      public void processLogits(float[] logits, int offset, TokenHistory history) {
        int n = history.length();
        if (n > 0) {
          scheme.addBias(logits, offset, history.get(n - 1), delta);
        }
      }
    };
  }
}
