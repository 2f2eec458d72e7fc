package dev.moat.watermark;

import dev.moat.internal.Binomial;
import dev.moat.internal.GammaTail;
import dev.moat.key.WatermarkKey;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Detects {@link GumbelScheme}: sums {@code -ln(1 - u(token))} over scored tokens; without the
 * watermark the sum of {@code n} scores is Gamma(n, 1), and the p-value is its exact upper tail.
 * The z-score is the standardised mean ({@code (S - n) / sqrt(n)}), for comparison with KGW.
 *
 * <p>Immutable and thread-safe. Needs no model.
 */
public final class GumbelDetector implements WatermarkDetector {
  private final GumbelScheme scheme;
  private final String keyId;

  public GumbelDetector(WatermarkKey key, int contextWidth) {
    this.scheme = new GumbelScheme(key, contextWidth);
    this.keyId = key.id();
  }

  @Override
  public DetectionResult detectAll(List<int[]> texts, int contextLength, boolean ignoreRepeated) {
    int h = scheme.contextWidth();
    Set<Long> seen = new HashSet<>();
    int n = 0;
    double sum = 0;
    for (int[] tokens : texts) {
      for (int i = Math.max(h, contextLength); i < tokens.length; i++) {
        long seed = scheme.seed(tokens, i);
        if (ignoreRepeated && !seen.add(seed * 0x9E3779B97F4A7C15L + tokens[i])) {
          continue;
        }
        n++;
        sum += GumbelScheme.score(seed, tokens[i]);
      }
    }
    if (n == 0) {
      return new DetectionResult(GumbelScheme.SCHEME_ID, keyId, 0, 0, 0, Double.NaN, 0, 1, 0, 1);
    }
    double z = (sum - n) / Math.sqrt(n);
    double log10p = GammaTail.log10Upper(n, sum);
    return new DetectionResult(
        GumbelScheme.SCHEME_ID,
        keyId,
        n,
        0,
        sum,
        Double.NaN,
        z,
        Math.pow(10, log10p),
        log10p,
        Binomial.normalUpperTail(z));
  }
}
