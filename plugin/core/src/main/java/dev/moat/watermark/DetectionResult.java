package dev.moat.watermark;

/**
 * What a watermark detector found in one text. Immutable and thread-safe.
 *
 * @param scheme the scheme id, e.g. {@code moat-kgw-v1}
 * @param keyId id of the key tested (never the key)
 * @param tokensScored tokens that had a full context and were counted
 * @param greenTokens scored tokens on their context's green list (red/green schemes; 0 otherwise)
 * @param score the test statistic: the green count for red/green schemes, the sum of per-token
 *     scores for the exponential scheme
 * @param gamma the green fraction under the null hypothesis (unwatermarked text)
 * @param zScore the standardised statistic: {@code (green - gamma n) / sqrt(n gamma (1 - gamma))}
 *     for red/green, {@code (S - n) / sqrt(n)} for the exponential scheme
 * @param pValue the exact one-sided tail under the null: binomial for red/green, Gamma(n, 1) for
 *     the exponential scheme
 * @param log10PValue {@code log10(pValue)}, finite even where {@code pValue} underflows to 0
 * @param pValueNormal the normal approximation {@code P[Z >= z]}, for comparison with other tools
 */
public record DetectionResult(
    String scheme,
    String keyId,
    int tokensScored,
    int greenTokens,
    double score,
    double gamma,
    double zScore,
    double pValue,
    double log10PValue,
    double pValueNormal) {

  /**
   * The result of a red/green test: {@code green} of {@code n} scored tokens were green, each green
   * with probability {@code nullP} without the watermark (the exact binomial tail uses it); the
   * z-score uses {@code gamma}, as Kirchenbauer et al. and Hugging Face do.
   */
  static DetectionResult redGreen(
      String scheme, String keyId, int n, int green, double gamma, double nullP) {
    if (n == 0) {
      return new DetectionResult(scheme, keyId, 0, 0, 0, gamma, 0, 1, 0, 1);
    }
    double z = (green - gamma * n) / Math.sqrt(n * gamma * (1 - gamma));
    double log10p = dev.moat.internal.Binomial.log10UpperTail(n, green, nullP);
    return new DetectionResult(
        scheme,
        keyId,
        n,
        green,
        green,
        gamma,
        z,
        Math.pow(10, log10p),
        log10p,
        dev.moat.internal.Binomial.normalUpperTail(z));
  }

  /** Whether the text is watermarked at false-positive rate {@code alpha} (exact test). */
  public boolean isWatermarked(double alpha) {
    return tokensScored > 0 && pValue <= alpha;
  }
}
