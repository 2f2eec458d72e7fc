package dev.moat.watermark;

import dev.moat.internal.TopTokens;
import dev.moat.key.WatermarkKey;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.TokenHistory;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The KGW red/green watermark as a protection: on every step, adds {@code delta} to the logits of
 * the green list seeded by the previous {@code h} tokens (see {@link KgwScheme} for the keyed
 * function); with self-hash seeding, to those of the step's {@link
 * KgwSettings#selfHashCandidates()} most likely tokens that are green under their own seed. Steps
 * with fewer than {@code h} tokens of history (an empty prompt's first tokens) are left alone, and
 * the detector does not score them either.
 *
 * <p>Immutable and thread-safe; its per-request state is allocation-free per token.
 */
public final class KgwWatermark extends WatermarkProtection {
  private final KgwSettings settings;
  private final KgwScheme scheme;
  private final GreenListCache cache;
  private final dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent;

  public KgwWatermark(KgwSettings settings, WatermarkKey key) {
    this(settings, key, GreenListCache.shared());
  }

  /**
   * With green lists cached in {@code cache} instead of the process-wide {@link
   * GreenListCache#shared()} (for tests and benchmarks: the logits are the same either way).
   */
  public KgwWatermark(KgwSettings settings, WatermarkKey key, GreenListCache cache) {
    if (!settings.keyId().equals(key.id())) {
      throw new IllegalArgumentException(
          "settings name key '" + settings.keyId() + "' but key '" + key.id() + "' was given");
    }
    this.settings = settings;
    this.cache = cache;
    this.scheme = KgwScheme.of(key, settings);
    this.recent =
        settings.dedupHistory() > 0
            ? new dev.moat.internal.RecentContexts(settings.dedupHistory())
            : null;
  }

  public KgwSettings settings() {
    return settings;
  }

  public KgwScheme scheme() {
    return scheme;
  }

  @Override
  public RequestProtection begin(RequestView request) {
    return new PerRequest(
        scheme,
        (float) settings.delta(),
        request.vocabSize(),
        settings.entropyThreshold(),
        settings.dedupPerRequest(),
        request.sampling().maxTokens(),
        recent,
        settings.selfHash() ? settings.selfHashCandidates() : 0,
        request.specialTokens().length,
        settings.selfHash() ? null : scheme.lists(request.vocabSize(), cache));
  }

  @Override
  public String describe() {
    return settings.toString();
  }

  private static final class PerRequest implements RequestProtection, dev.moat.internal.FusedBias {
    private final KgwScheme scheme;
    private final float delta;
    private final int h;
    private final int vocabSize;
    private final int[] context;
    private final double entropyThreshold;
    private final dev.moat.internal.@org.jspecify.annotations.Nullable LongSet seenContexts;
    private final dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent;
    private final int[] scratch = new int[KgwScheme.BLOCK];

    /** The bias through the shared green-list cache; null with self-hash seeding. */
    private final KgwScheme.@Nullable Lists lists;

    /** The seed {@link #decide} chose for this step. */
    private long seed;

    /** Whether {@link #commit} records {@link #seed} in {@link #seenContexts}. */
    private boolean recordSeen;

    private static final int[] NO_TOKENS = {};

    /** With self-hash seeding: how many top tokens to consider, and their scratch; else 0/null. */
    private final int candidates;

    private final @org.jspecify.annotations.Nullable TopTokens top;
    private final float[] select;

    /**
     * The special tokens' logits before a fused pass (see {@link #processLogits(float[], int,
     * TokenHistory, dev.moat.internal.RowAddend)}).
     */
    private final float[] saved;

    PerRequest(
        KgwScheme scheme,
        float delta,
        int vocabSize,
        double entropyThreshold,
        boolean dedup,
        int maxTokens,
        dev.moat.internal.@org.jspecify.annotations.Nullable RecentContexts recent,
        int candidates,
        int specialTokens,
        KgwScheme.@Nullable Lists lists) {
      this.lists = lists;
      this.saved = new float[specialTokens];
      this.recent = recent;
      this.candidates = candidates;
      this.top = candidates > 0 ? new TopTokens(vocabSize, new int[vocabSize]) : null;
      this.select = candidates > 0 ? new float[vocabSize] : new float[0];
      this.entropyThreshold = entropyThreshold;
      this.seenContexts = dedup ? new dev.moat.internal.LongSet(maxTokens + 1) : null;
      this.scheme = scheme;
      this.delta = delta;
      this.h = scheme.contextWidth();
      this.vocabSize = vocabSize;
      this.context = new int[h + 1]; // the context, then (self-hash) a candidate
    }

    @Override
    public void processLogits(float[] logits, int offset, TokenHistory history) {
      boolean watermark = decide(logits, offset, history);
      commit(watermark);
      if (watermark) {
        biasOrSelfHash(logits, offset, seed);
      }
    }

    /**
     * Whether this step is watermarked, and with which seed ({@link #seed}): the one place the
     * stage decides, for the plain and the fused pass alike. Changes no memory of contexts: {@link
     * #commit} records the decision once the row has passed its check. Reads the row only for the
     * entropy gate, which {@link #fusable()} rules out for the fused pass.
     */
    private boolean decide(float[] logits, int offset, TokenHistory history) {
      recordSeen = false;
      int n = history.length();
      if (n < h) {
        return false;
      }
      for (int i = 0; i < h; i++) {
        context[i] = history.get(n - h + i);
      }
      if (entropyThreshold > 0 && Entropy.nats(logits, offset, vocabSize) < entropyThreshold) {
        return false; // low-entropy step: left alone, and the detector skips it too
      }
      long s = scheme.seed(context, h);
      seed = s;
      if (seenContexts != null) {
        if (!seenContexts.wouldAdd(s)) {
          return false; // this context was already watermarked in this request: no new evidence
        }
        recordSeen = true;
      }
      // Watermarked recently by another request of this tier: left alone.
      return recent == null || !recent.remembered(s);
    }

    /** Records what {@link #decide} decided: the context as seen here, and as watermarked. */
    private void commit(boolean watermarked) {
      dev.moat.internal.LongSet seen = seenContexts;
      if (recordSeen && seen != null) {
        seen.add(seed);
      }
      if (watermarked && recent != null) {
        recent.remember(seed);
      }
    }

    @Override
    public boolean fusable() {
      return top == null && entropyThreshold == 0;
    }

    @Override
    public int processLogitsChecked(
        float[] logits,
        int offset,
        TokenHistory history,
        dev.moat.internal.@Nullable RowAddend addend,
        dev.moat.internal.@Nullable RowSummary summary) {
      boolean watermark = decide(logits, offset, history);
      KgwScheme.Lists l = lists;
      int[] special = addend == null ? NO_TOKENS : addend.specialTokens();
      // Nothing to take into one pass (or another request's addend, never in Moat's pipeline):
      // check, then the plain way.
      if (!watermark || l == null || special.length > saved.length) {
        int bad = dev.moat.internal.Logits.firstInvalid(logits, offset, vocabSize);
        if (bad < 0) {
          commit(watermark);
          if (addend != null) {
            addend.processLogits(logits, offset, history);
          }
          if (watermark) {
            biasOrSelfHash(logits, offset, seed);
          }
        }
        return bad;
      }
      int bad;
      if (addend == null) {
        bad = l.addBiasChecked(logits, offset, seed, delta, null, 0, 0, scratch, summary);
      } else {
        saveSpecial(logits, offset, special);
        bad =
            l.addBiasChecked(
                logits,
                offset,
                seed,
                delta,
                addend.row(),
                addend.period(),
                addend.shift(history),
                scratch,
                summary);
        if (bad < 0) {
          restoreSpecial(logits, offset, special);
          if (summary != null) {
            summary.repair(logits, offset, vocabSize, special); // their groups' maxima moved
          }
        }
      }
      if (bad < 0) {
        commit(true);
      }
      return bad;
    }

    private void saveSpecial(float[] logits, int offset, int[] special) {
      for (int i = 0; i < special.length; i++) {
        saved[i] = logits[offset + special[i]];
      }
    }

    /** Special tokens: the addend leaves them alone, the bias does not. */
    private void restoreSpecial(float[] logits, int offset, int[] special) {
      for (int i = 0; i < special.length; i++) {
        int v = special[i];
        logits[offset + v] = saved[i] + (scheme.isGreen(seed, v) ? delta : 0f);
      }
    }

    private void biasOrSelfHash(float[] logits, int offset, long seed) {
      TopTokens t = top;
      if (t == null) {
        Objects.requireNonNull(lists, "lists").addBias(logits, offset, seed, delta, scratch);
        return;
      }
      // Self-hash: each of the most likely tokens has its own seed, over the context and itself.
      int count = t.top(logits, offset, candidates, select);
      int[] ids = t.ids();
      for (int j = 0; j < count; j++) {
        int v = ids[j];
        context[h] = v;
        if (scheme.isGreen(scheme.selfSeed(context, h), v)) {
          logits[offset + v] += delta;
        }
      }
    }
  }
}
