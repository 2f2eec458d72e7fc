package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import dev.moat.spi.Candidates;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.TokenHistory;

/**
 * The distortion-free watermark as a protection that owns sampling: the host's temperature, top-k
 * and top-p choose the candidates and their probabilities ({@link Candidates#candidates}), then the
 * keyed uniforms of {@link GumbelScheme} choose among them.
 *
 * <p>Under temperature alone (no top-k, no top-p) the pick is {@link Candidates#raceKeyed} over the
 * whole vocabulary with the keyed seed, which scores only the few tokens that can win, and, where
 * the context recurs across requests, reads them from a record of the seed's uniforms instead of
 * hashing every token id (perf/RESULTS.md has the figures). Otherwise, per candidate the choice
 * costs one hash and a multiply: a candidate {@code i} can only beat the best ratio {@code b} so
 * far if {@code -ln u_i < w_i b}, and since {@code -ln u >= 1 - u} that needs {@code 1 - u_i < w_i
 * b}; the logarithm is computed only for the few that pass. Where there is no context yet, or the
 * context repeats (per-request de-duplication), the same choice is made with the request's own
 * randomness instead of the key: an exact, unmarked draw ({@link Candidates#sample}; Moat's sampler
 * draws it by rejection from block maxima under temperature alone, hashing no token id, about half
 * the cost of a race with a fresh seed: perf/RESULTS.md).
 *
 * <p>Immutable and thread-safe; per-request state is allocation-free per token.
 */
public final class GumbelWatermark extends WatermarkProtection {
  private final GumbelScheme scheme;
  private final String keyId;

  private final boolean dedup;

  private final dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent;

  public GumbelWatermark(WatermarkKey key, int contextWidth, boolean dedupPerRequest) {
    this(key, contextWidth, dedupPerRequest, 0);
  }

  /**
   * With de-duplication across the requests of the tier over the last {@code dedupHistory} keyed
   * contexts (0: off); see {@link GumbelSettings#dedupHistory()}.
   */
  public GumbelWatermark(
      WatermarkKey key, int contextWidth, boolean dedupPerRequest, int dedupHistory) {
    this.scheme = new GumbelScheme(key, contextWidth);
    this.keyId = key.id();
    this.dedup = dedupPerRequest || dedupHistory > 0;
    this.recent = dedupHistory > 0 ? new dev.moat.internal.RecentContexts(dedupHistory) : null;
  }

  /** With per-request de-duplication (see {@link GumbelSettings#dedupPerRequest()}). */
  public GumbelWatermark(WatermarkKey key, int contextWidth) {
    this(key, contextWidth, true);
  }

  public GumbelScheme scheme() {
    return scheme;
  }

  @Override
  public String describe() {
    return "gumbel(key="
        + keyId
        + ", context_width="
        + scheme.contextWidth()
        + (recent != null ? ", dedup=global" : dedup ? ", dedup=request" : "")
        + ")";
  }

  @Override
  public RequestProtection begin(RequestView request) {
    return new PerRequest(
        scheme,
        dedup ? new dev.moat.internal.LongSet(request.sampling().maxTokens() + 1) : null,
        recent);
  }

  private static final class PerRequest implements RequestProtection {
    private final GumbelScheme scheme;
    private final int h;
    private final int[] context;

    private final dev.moat.internal.@org.jspecify.annotations.Nullable LongSet seen;

    private final dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent;

    PerRequest(
        GumbelScheme scheme,
        dev.moat.internal.@org.jspecify.annotations.Nullable LongSet seen,
        dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent) {
      this.seen = seen;
      this.recent = recent;
      this.scheme = scheme;
      this.h = scheme.contextWidth();
      this.context = new int[h];
    }

    @Override
    public boolean ownsSampling() {
      return true;
    }

    @Override
    public int sample(float[] logits, int offset, TokenHistory history, Candidates sampler) {
      int len = history.length();
      if (sampler.canRace()) {
        // Temperature alone: the race over the whole vocabulary, keyed, or with the request's own
        // randomness where there is no context yet or it repeats.
        if (len < h) {
          return sampler.sample(logits, offset);
        }
        for (int i = 0; i < h; i++) {
          context[i] = history.get(len - h + i);
        }
        long seed = scheme.seed(context, h);
        boolean fresh = fresh(seed);
        return fresh ? sampler.raceKeyed(logits, offset, seed) : sampler.sample(logits, offset);
      }
      int n = sampler.candidates(logits, offset);
      if (n == 1 || len < h) {
        // One candidate (greedy, or top-k 1), or no context yet: nothing to choose with the key.
        return n == 1 ? sampler.candidateId(0) : sampler.candidateId(sampler.drawCandidate(n));
      }
      for (int i = 0; i < h; i++) {
        context[i] = history.get(len - h + i);
      }
      long seed = scheme.seed(context, h);
      if (!fresh(seed)) {
        // A repeated context: the keyed choice would repeat too. Sample plainly (still exactly from
        // the model's distribution); the detector's ignoreRepeated skips these positions.
        return sampler.candidateId(sampler.drawCandidate(n));
      }
      int best = 0;
      double bestRatio = Double.POSITIVE_INFINITY; // min over candidates of -ln(u) / w
      for (int i = 0; i < n; i++) {
        double w = sampler.candidateWeight(i);
        double u = GumbelScheme.uniform(seed, sampler.candidateId(i));
        if (1 - u >= w * bestRatio) {
          continue; // cannot win: -ln(u) >= 1 - u >= w * bestRatio
        }
        double ratio = -Math.log(u) / w;
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = i;
        }
      }
      return sampler.candidateId(best);
    }

    /**
     * Whether the context with this seed may be keyed: not used earlier in this request, nor (with
     * {@code dedup: global}) recently in another request of the tier.
     */
    private boolean fresh(long seed) {
      if (seen != null && !seen.add(seed)) {
        return false;
      }
      return recent == null || recent.firstSeen(seed);
    }
  }
}
