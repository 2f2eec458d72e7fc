package dev.moat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
import dev.moat.policy.TierPolicy;
import dev.moat.sampling.Sampler;
import dev.moat.spi.Candidates;
import dev.moat.spi.FinishReason;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.SamplingParams;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MoatTest {
  static final WatermarkKey KEY = WatermarkKey.ofHex("k1", "00112233445566778899aabbccddeeff");
  static final int VOCAB = 2000;
  static final Policy POLICY =
      PolicyLoader.parse(
          """
      version: 1
      tiers:
        free:
          watermark: {scheme: kgw, key: k1, gamma: 0.25, delta: 2.0}
        enterprise:
          watermark: {scheme: kgw, key: k1, gamma: 0.25, delta: 2.0}
          overridable: [watermark]
        internal: {}
      """,
          true,
          "test-policy",
          Set.of("k1"));

  static Moat moat(Protection... extra) throws IOException {
    Moat.Builder b = Moat.builder().policy(POLICY).keys(WatermarkKeys.of(KEY));
    for (Protection p : extra) {
      b.addProtection("free", p);
    }
    return b.build();
  }

  static RequestContext.Builder ctx(String tier) {
    return RequestContext.builder()
        .account("acct")
        .tier(tier)
        .vocabSize(VOCAB)
        .prompt("hi", new int[] {5, 6, 7})
        .sampling(SamplingParams.builder().temperature(1f).seed(3).maxTokens(64).build());
  }

  /** A fake "model": deterministic logits that depend on the last token. */
  static float[] modelStep(TokenHistory h) {
    SplittableRandom r = new SplittableRandom(h.get(h.length() - 1) * 31L + 7);
    float[] l = new float[VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      l[i] = (float) r.nextGaussian();
    }
    return l;
  }

  static int[] generate(MoatRequest r, int n) {
    for (int i = 0; i < n; i++) {
      r.accept(r.sample(modelStep(r.history())));
    }
    r.finish(FinishReason.LENGTH);
    return r.generatedTokens();
  }

  @Test
  void everyStepReachesTheHooksInPipelineOrder() throws IOException {
    List<String> calls = new ArrayList<>();
    Protection recorder =
        new Protection() {
          @Override
          public String id() {
            return "recorder";
          }

          @Override
          public Stage stage() {
            return Stage.PERTURBATION;
          }

          @Override
          public String describe() {
            return "recorder";
          }

          @Override
          public RequestProtection begin(RequestView request) {
            return new RequestProtection() {
              @Override
              public void processLogits(float[] logits, int offset, TokenHistory h) {
                calls.add("logits@" + h.generated());
              }

              @Override
              public long onToken(int token, TokenHistory h) {
                calls.add("token@" + h.generated() + "=" + token);
                return 0;
              }

              @Override
              public void onFinish(FinishReason reason, TokenHistory h) {
                calls.add("finish:" + reason);
              }
            };
          }
        };
    try (Moat moat = moat(recorder)) {
      MoatRequest r = moat.begin(ctx("free").build());
      // The perturbation stage runs before the watermark although it was added after it.
      assertEquals(
          List.of("recorder", "kgw(key=k1, gamma=0.25, delta=2.0, context_width=1)"),
          r.appliedProtections());
      int[] out = generate(r, 3);
      assertEquals(
          List.of(
              "logits@0",
              "token@1=" + out[0],
              "logits@1",
              "token@2=" + out[1],
              "logits@2",
              "token@3=" + out[2],
              "finish:LENGTH"),
          calls);
    }
  }

  @Test
  void tiersSelectProtections() throws IOException {
    try (Moat moat = moat()) {
      assertEquals(1, moat.begin(ctx("free").build()).appliedProtections().size());
      assertEquals(List.of(), moat.begin(ctx("internal").build()).appliedProtections());
      WatermarkDetector d = POLICY.tier("free").watermark().orElseThrow().detector(KEY);
      int[] marked = generate(moat.begin(ctx("free").build()), 200);
      int[] plain = generate(moat.begin(ctx("internal").build()), 200);
      assertTrue(d.detect(marked, 0, false).zScore() > 4, "watermarked z");
      assertTrue(Math.abs(d.detect(plain, 0, false).zScore()) < 2, "unwatermarked z");
    }
  }

  @Test
  void unprotectedTierIsBitIdenticalToThePlainSampler() throws IOException {
    try (Moat moat = moat()) {
      RequestContext c = ctx("internal").build();
      int[] viaMoat = generate(moat.begin(c), 100);
      // The same loop with no Moat at all: the host's own sampler, same seed.
      Sampler plain = new Sampler(c.sampling(), VOCAB);
      dev.moat.internal.TokenBuffer h = new dev.moat.internal.TokenBuffer(c.promptTokens(), 100);
      for (int i = 0; i < 100; i++) {
        h.append(plain.sample(modelStep(h), 0));
      }
      assertArrayEquals(h.generatedTokens(), viaMoat);
    }
  }

  @Test
  void batchRowsAreProcessedLikeSingleRequests() throws IOException {
    try (Moat moat = moat()) {
      MoatRequest[] rows = {
        moat.begin(ctx("free").build()),
        moat.begin(ctx("internal").build()),
        moat.begin(ctx("free").prompt("x", new int[] {9}).build())
      };
      MoatRequest[] single = {
        moat.begin(ctx("free").build()),
        moat.begin(ctx("internal").build()),
        moat.begin(ctx("free").prompt("x", new int[] {9}).build())
      };
      float[] flat = new float[3 * VOCAB];
      for (int i = 0; i < 3; i++) {
        System.arraycopy(modelStep(rows[i].history()), 0, flat, i * VOCAB, VOCAB);
      }
      int[] out = new int[3];
      Batch.sample(rows, flat, VOCAB, out);
      for (int i = 0; i < 3; i++) {
        assertEquals(single[i].sample(modelStep(single[i].history())), out[i], "row " + i);
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> Batch.processLogits(rows, new float[5], VOCAB));
      assertEquals(
          "batch logits length was 5 but 3 rows of vocabSize 2000 need 6000", e.getMessage());
    }
  }

  @Test
  void ledgersCountRequestsAndTokensPerAccountAndSession() throws IOException {
    try (Moat moat = moat()) {
      generate(moat.begin(ctx("free").build()), 10);
      MoatRequest open = moat.begin(ctx("free").build());
      var s = moat.accounts().snapshot("acct").orElseThrow();
      assertEquals(2, s.requests());
      assertEquals(10, s.generatedTokens());
      assertEquals(1, s.inFlight());
      open.close();
      assertEquals(0, moat.accounts().snapshot("acct").orElseThrow().inFlight());
      generate(moat.begin(ctx("free").session("conv-1").build()), 4);
      generate(moat.begin(ctx("free").session("conv-1").build()), 6);
      var conv = moat.sessions().snapshot("conv-1").orElseThrow();
      assertEquals(2, conv.requests());
      assertEquals(10, conv.generatedTokens());
      assertEquals(20, moat.accounts().snapshot("acct").orElseThrow().generatedTokens());
    }
  }

  @Test
  void samplingOwnersChooseAmongTheHostsCandidates() throws IOException {
    // A protection that owns sampling: takes the least likely surviving candidate. With top-k 3 it
    // must still pick one of the 3 most likely tokens: the host's filters come first.
    Protection owner =
        new Protection() {
          @Override
          public String id() {
            return "owner";
          }

          @Override
          public Stage stage() {
            return Stage.WATERMARK;
          }

          @Override
          public String describe() {
            return "owner";
          }

          @Override
          public RequestProtection begin(RequestView request) {
            return new RequestProtection() {
              @Override
              public boolean ownsSampling() {
                return true;
              }

              @Override
              public int sample(float[] logits, int offset, TokenHistory h, Candidates s) {
                int n = s.candidates(logits, offset);
                int best = 0;
                for (int i = 1; i < n; i++) {
                  if (s.candidateWeight(i) < s.candidateWeight(best)) {
                    best = i;
                  }
                }
                return s.candidateId(best);
              }
            };
          }
        };
    try (Moat moat =
        Moat.builder()
            .policy(Policy.of("p", TierPolicy.unprotected("free")))
            .addProtection("free", owner)
            .build()) {
      MoatRequest r =
          moat.begin(ctx("free").sampling(SamplingParams.builder().topK(3).build()).build());
      assertTrue(r.ownsSampling());
      float[] l = modelStep(r.history());
      float[] sorted = l.clone();
      Arrays.sort(sorted);
      int t = r.sample(l.clone());
      assertEquals(sorted[VOCAB - 3], l[t]);
      assertThrows(IllegalStateException.class, () -> r.processLogits(l, 0));
      // The single-row form too: a host sampling itself would silently void the scheme.
      IllegalStateException single =
          assertThrows(IllegalStateException.class, () -> r.processLogits(l));
      assertEquals(
          "tier 'free' applies a protection that chooses tokens itself; call sample() instead of"
              + " processLogits() and sampling yourself",
          single.getMessage());
    }
  }
}
