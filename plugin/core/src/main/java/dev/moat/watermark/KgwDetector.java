package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Scores token sequences for the KGW watermark: counts green tokens and tests against the null
 * hypothesis that each is green with probability gamma independently (true for text not generated
 * with this key, up to repeated n-grams; use {@code ignoreRepeated} for repetitive text).
 *
 * <p>Immutable and thread-safe. Needs no model: only the key, the scheme parameters and token ids.
 */
public final class KgwDetector implements WatermarkDetector {
  private final KgwScheme scheme;
  private final String keyId;
  private final double threshold;

  public KgwDetector(WatermarkKey key, KgwSettings settings) {
    this.scheme = KgwScheme.of(key, settings);
    this.keyId = key.id();
    this.threshold = settings.entropyThreshold();
  }

  /**
   * Scores {@code tokens[contextLength..]}, using the tokens before each one as its context (so the
   * first {@code contextLength} tokens, typically the prompt, are context only). Tokens with fewer
   * than {@code h} predecessors are not scored. With {@code ignoreRepeated}, each (context, token)
   * pair is scored once, as Kirchenbauer et al. recommend for repetitive text.
   */
  @Override
  public DetectionResult detect(int[] tokens, int contextLength, boolean ignoreRepeated) {
    return detect(tokens, contextLength, ignoreRepeated, null);
  }

  @Override
  public DetectionResult detectAll(List<int[]> texts, int contextLength, boolean ignoreRepeated) {
    Set<Long> seen = ignoreRepeated ? new HashSet<>() : null;
    long[] counts = new long[2];
    for (int[] tokens : texts) {
      count(tokens, contextLength, seen, null, counts);
    }
    return result(counts);
  }

  /**
   * Detection with the entropy gate ({@link KgwSettings#entropyThreshold()}): {@code entropies[i]}
   * is the model's next-token entropy (nats) at the step that produced {@code tokens[i]}, i.e. of
   * the distribution after {@code tokens[0..i)}; positions below the settings' threshold are not
   * scored. With {@code entropies} null every position is scored.
   */
  public DetectionResult detect(
      int[] tokens, int contextLength, boolean ignoreRepeated, double @Nullable [] entropies) {
    if (entropies != null && entropies.length != tokens.length) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid(
              "entropies.length", entropies.length, "equal to tokens.length " + tokens.length));
    }
    long[] counts = new long[2];
    count(tokens, contextLength, ignoreRepeated ? new HashSet<>() : null, entropies, counts);
    return result(counts);
  }

  /** Adds one text's scored and green counts to {@code counts[0]} and {@code counts[1]}. */
  private void count(
      int[] tokens,
      int contextLength,
      @Nullable Set<Long> seen,
      double @Nullable [] entropies,
      long[] counts) {
    double gate = entropies == null ? 0 : threshold;
    int h = scheme.contextWidth();
    for (int i = Math.max(h, contextLength); i < tokens.length; i++) {
      if (entropies != null && gate > 0 && entropies[i] < gate) {
        continue;
      }
      long seed = scheme.tokenSeed(tokens, i);
      // A self-hash seed already covers the token; a left-hash seed only its context.
      long pair = scheme.selfHash() ? seed : seed * 0x9E3779B97F4A7C15L + tokens[i];
      if (seen != null && !seen.add(pair)) {
        continue;
      }
      counts[0]++;
      if (scheme.isGreen(seed, tokens[i])) {
        counts[1]++;
      }
    }
  }

  /** Per scored token (from {@code contextLength} on, with a full context), whether it is green. */
  public boolean[] greenIndicators(int[] tokens, int contextLength) {
    int h = scheme.contextWidth();
    int from = Math.max(h, contextLength);
    boolean[] g = new boolean[Math.max(0, tokens.length - from)];
    for (int i = from; i < tokens.length; i++) {
      g[i - from] = scheme.isGreen(scheme.tokenSeed(tokens, i), tokens[i]);
    }
    return g;
  }

  /** Best-window detection (see {@link WindowedDetector}) over the scored tokens. */
  public DetectionResult detectBestWindow(int[] tokens, int contextLength, int window, int step) {
    return WindowedDetector.best(
        KgwScheme.SCHEME_ID,
        keyId,
        greenIndicators(tokens, contextLength),
        scheme.gamma(),
        window,
        step);
  }

  /** {@link #detect(int[], int, boolean)} with no context-only prefix and every token scored. */
  public DetectionResult detect(int[] tokens) {
    return detect(tokens, 0, false);
  }

  private DetectionResult result(long[] counts) {
    return DetectionResult.redGreen(
        KgwScheme.SCHEME_ID,
        keyId,
        Math.toIntExact(counts[0]),
        Math.toIntExact(counts[1]),
        scheme.gamma(),
        scheme.gamma());
  }
}
