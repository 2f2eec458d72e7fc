package dev.moat.watermark;

/**
 * Shannon entropy of a logits row's softmax, in nats. Thread-safe: stateless.
 *
 * <p>{@code H = log Z - sum(p_i (l_i - m))} with {@code m = max l}, {@code Z = sum e^(l_i - m)}:
 * two passes, one {@code exp} per entry, -Infinity entries contributing nothing.
 */
public final class Entropy {
  private Entropy() {}

  public static double nats(float[] logits, int offset, int length) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    double weighted = 0;
    for (int i = 0; i < length; i++) {
      double d = logits[offset + i] - max;
      if (d == Double.NEGATIVE_INFINITY) {
        continue;
      }
      double e = Math.exp(d);
      z += e;
      weighted += e * d;
    }
    return Math.log(z) - weighted / z;
  }
}
