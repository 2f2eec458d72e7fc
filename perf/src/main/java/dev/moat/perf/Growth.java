package dev.moat.perf;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.detect.Detector;
import dev.moat.detect.TraceRecord;
import dev.moat.enforce.Admission;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * What the growth benchmarks share: one request's start as a server runs it (the detector's {@code
 * observe}, Moat's admission, {@code begin}, and the end), and one token of a running request. Not
 * thread-safe: one benchmark thread.
 */
final class Growth {
  static final int VOCAB = 32_000;
  static final long DAY0 = 1_776_816_000_000L;
  static final String[] TOPICS = {"a lasagna", "Lisbon", "my CV", "tides", "Hamlet", "a workout"};

  static String policy(int tiers) {
    StringBuilder b = new StringBuilder("version: 1\ntiers:\n");
    for (int t = 0; t < tiers; t++) {
      b.append("  tier-")
          .append(t)
          .append(":\n")
          .append("    watermark: {scheme: kgw, key: bench, gamma: 0.25, delta: 2.0}\n")
          .append(
              "    budget: {requests_per_minute: 1000000, tokens_per_minute: 1000000000,"
                  + " concurrent_streams: 64}\n")
          .append("    escalation: {rules: [{score: 0.4, level: 1}, {score: 0.59, level: 2}]}\n");
    }
    b.append(
        """
        enforcement:
          noise_key: bench
          levels:
            - {level: 1, logprobs_max: 5, logprobs_digits: 2}
            - {level: 2, pacing_tokens_per_second: 40, logprobs_max: 0, keyed_noise_kl: 0.125}
        """);
    return b.toString();
  }

  final Moat moat;
  final Detector detector;
  final int tiers;
  final float[] logits = new float[VOCAB];
  private final SplittableRandom random = new SplittableRandom(7);
  private long ts = DAY0;
  @Nullable MoatRequest running;

  Growth(int tiers, long accounts) throws IOException {
    this.tiers = tiers;
    this.moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy(tiers), true, "bench", Set.of("bench")))
            .keys(WatermarkKeys.of(Rows.KEY))
            .maximumAccounts(accounts + 1000)
            .audit(c -> {})
            .build();
    this.detector = Detector.builder().maximumAccounts(accounts + 1000).build();
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < VOCAB; i++) {
      logits[i] = (float) (3 * r.nextGaussian());
    }
  }

  /** A prompt of about {@code words} words. */
  static String prompt(SplittableRandom r, int words) {
    StringBuilder b = new StringBuilder("Can you help me with ");
    for (int w = 0; w < words; w++) {
      b.append(TOPICS[r.nextInt(TOPICS.length)]).append(w % 12 == 11 ? ". " : " and ");
    }
    return b.append('?').toString();
  }

  /**
   * One request's start and end, for account {@code a} of tier {@code tier}: observe, admit, begin,
   * finish. Returns the verdict's score plus the level, so nothing is dead code.
   */
  double request(int a, int tier, String prompt, int[] promptTokens) {
    ts += 3;
    String account = "account-" + a;
    String client = "198.51." + (a & 255) + ".0/24";
    String tierName = "tier-" + tier;
    double score =
        detector
            .observe(
                new TraceRecord(
                    ts,
                    account,
                    ts - 40L * 86_400_000L,
                    tierName,
                    client,
                    null,
                    0,
                    null,
                    prompt,
                    256,
                    0.7,
                    0,
                    200))
            .score();
    RequestContext ctx =
        RequestContext.builder()
            .account(account)
            .tier(tierName)
            .vocabSize(VOCAB)
            .client(client)
            .prompt(prompt, promptTokens)
            .sampling(SamplingParams.builder().maxTokens(256).build())
            .probing(0, null)
            .build();
    Admission admission = moat.admit(ctx);
    if (!admission.admitted()) {
      throw new IllegalStateException("refused: " + admission);
    }
    try (MoatRequest r = moat.begin(ctx, admission)) {
      r.finish(FinishReason.STOP);
      return score + r.level().id();
    }
  }

  /** Begins the request that {@link #token} steps (between iterations). */
  void beginRunning(int a, int[] promptTokens) {
    if (running != null) {
      running.close();
    }
    running =
        moat.begin(
            RequestContext.builder()
                .account("account-" + a)
                .tier("tier-0")
                .vocabSize(VOCAB)
                .prompt("", promptTokens)
                .sampling(SamplingParams.builder().maxTokens(Rows.CAPACITY).build())
                .build());
  }

  /** One token of the running request: processLogits and accept. */
  int token() {
    MoatRequest r = java.util.Objects.requireNonNull(running, "beginRunning first");
    r.processLogits(logits);
    int t = random.nextInt(VOCAB);
    r.accept(t);
    return t;
  }

  void close() {
    if (running != null) {
      running.close();
    }
    detector.close();
    moat.close();
  }
}
