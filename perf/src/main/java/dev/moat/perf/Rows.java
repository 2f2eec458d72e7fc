package dev.moat.perf;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.GreenListCache;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The state the batch benchmarks share: one Moat, a batch of live requests (one per row), a {@code
 * [batch × vocab]} logits array of Gaussian logits and its pristine copy, and a stream of accepted
 * tokens per row that follows a Zipf law (contexts recur as in text). Not thread-safe: one
 * benchmark thread.
 *
 * <p>Each row has history room for {@code 8,000,000 / batch} tokens in requests begun before the
 * trial, more than a trial of the fastest step makes; {@link #refresh} (before each iteration)
 * restores the logits, so in-place protections never drift the row far from a model's, and moves a
 * row to its next request when one is half used. JMH counts what an iteration's setup allocates in
 * {@code gc.alloc.rate.norm}, so nothing is allocated there.
 */
final class Rows {
  // flaggedGroup may be null (no group verdict).

  /** History room of the growth benchmarks' running request. */
  static final int CAPACITY = 1_000_000;

  /** History room for a whole trial, split over the rows. */
  static final int TRIAL_TOKENS = 8_000_000;

  final int capacity;

  /** Requests per row, all begun before the trial: {@code spares · capacity >= 8 M / batch}. */
  final int spares;

  private MoatRequest[][] pool;
  private int[] used;
  static final WatermarkKey KEY = WatermarkKey.ofHex("bench", "000102030405060708090a0b0c0d0e0f");

  final Moat moat;
  final int vocab;
  final int batch;
  final float[] logits;
  final float[] pristine;
  final int[] tokens = new int[4096];
  final int[] sampled;
  final MoatRequest[] requests;
  private final RequestContext[] contexts;
  int step;

  Rows(
      String policyYaml,
      String tier,
      int vocab,
      int batch,
      double probingScore,
      @Nullable String flaggedGroup,
      SamplingParams.Builder sampling)
      throws IOException {
    this.vocab = vocab;
    this.batch = batch;
    this.capacity = Math.min(CAPACITY, TRIAL_TOKENS / batch);
    this.spares = (TRIAL_TOKENS / batch + capacity - 1) / capacity;
    this.moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policyYaml, true, "bench", Set.of("bench")))
            .keys(WatermarkKeys.of(KEY))
            .proxyStudent(PerturbationBenchmark.proxy(vocab))
            .audit(c -> {})
            .build();
    SplittableRandom z = new SplittableRandom(2);
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = PerturbationBenchmark.zipf(z, vocab);
    }
    logits = new float[Math.multiplyExact(vocab, batch)];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (3 * r.nextGaussian());
    }
    pristine = logits.clone();
    sampled = new int[batch];
    contexts = new RequestContext[batch];
    for (int i = 0; i < batch; i++) {
      contexts[i] =
          RequestContext.builder()
              .account("a" + i)
              .tier(tier)
              .vocabSize(vocab)
              .prompt("", new int[] {1, 2, 3, 4})
              .sampling(sampling.maxTokens(capacity).seed(i).build())
              .probing(probingScore, flaggedGroup)
              .build();
    }
    requests = new MoatRequest[batch];
    pool = new MoatRequest[batch][spares];
    used = new int[batch];
    for (int i = 0; i < batch; i++) {
      for (int k = 0; k < spares; k++) {
        pool[i][k] = moat.begin(contexts[i]);
      }
      requests[i] = pool[i][0];
    }
    refresh();
  }

  /**
   * Restores the logits, and moves a row whose request has used half its room to the row's next
   * request, begun before the trial (a new one only past them all, which the suite's trials never
   * reach).
   */
  void refresh() {
    for (int i = 0; i < batch; i++) {
      if (requests[i].steps() > capacity / 2) {
        requests[i].close();
        if (++used[i] < spares) {
          requests[i] = pool[i][used[i]];
        } else {
          requests[i] = moat.begin(contexts[i]);
        }
      }
    }
    System.arraycopy(pristine, 0, logits, 0, logits.length);
  }

  /** Fails unless the rows' requests run at escalation level {@code level}. */
  void requireLevel(int level) {
    int actual = requests[0].level().id();
    if (actual != level) {
      throw new IllegalStateException(
          "asked for level " + level + ", the request runs at " + actual);
    }
  }

  /** The token row {@code i} accepts at this step: Zipf-distributed, a different stream per row. */
  int token(int i) {
    return tokens[(step + 613 * i) & 4095];
  }

  void close() {
    for (MoatRequest[] row : pool) {
      for (MoatRequest r : row) {
        r.close();
      }
    }
    for (MoatRequest r : requests) {
      r.close();
    }
    moat.close();
  }

  /**
   * Turns the shared green-list cache on (its default budget) or off for this fork, before anything
   * watermarks; JMH runs each parameter value in forks of its own.
   */
  static void listCache(String mode) {
    switch (mode) {
      case "on" -> System.clearProperty(GreenListCache.BYTES_PROPERTY);
      case "off" -> System.setProperty(GreenListCache.BYTES_PROPERTY, "0");
      default -> throw new IllegalArgumentException("listCache '" + mode + "': on or off");
    }
    long want = mode.equals("on") ? GreenListCache.DEFAULT_BYTES : 0;
    if (GreenListCache.shared().budgetBytes() != want) {
      throw new IllegalStateException("the shared green-list cache was made before this setting");
    }
  }

  /** The shared green-list cache's figures, printed at a trial's end. */
  static void printListCache() {
    GreenListCache c = GreenListCache.shared();
    long lookups = c.hits() + c.misses();
    if (lookups > 0) {
      System.out.printf("%n%s (hit rate %.1f%%)%n", c, 100.0 * c.hits() / lookups);
    }
  }
}
