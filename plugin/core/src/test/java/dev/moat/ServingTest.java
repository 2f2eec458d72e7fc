package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.Detector;
import dev.moat.detect.LocalLinkStore;
import dev.moat.detect.Suspicion;
import dev.moat.detect.TraceRecord;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.FinishReason;
import dev.moat.watermark.WatermarkKeys;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The serving facade with a real Moat and a real detector. */
class ServingTest {
  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          watermark: {scheme: kgw, key: k1}
          budget: {requests_per_minute: 1}
          escalation: {rules: [{score: 0.5, level: 1}, {score: 1.0, level: 2}]}
        pro:
          escalation: {rules: [{score: 0.5, level: 1}, {score: 1.0, level: 2}]}
      enforcement:
        max_delay_ms: 100
        levels:
          - {level: 1, logprobs_max: 0}
          - {level: 2, pacing_tokens_per_second: 10}
      """;

  static Moat moat() throws java.io.IOException {
    return Moat.builder()
        .policy(PolicyLoader.parse(POLICY, true, "p.yaml", Set.of("k1")))
        .keys(WatermarkKeys.of(MoatTest.KEY))
        .audit(c -> {})
        .build();
  }

  static TraceRecord record(String account, String tier) {
    return new TraceRecord(
        System.currentTimeMillis(),
        account,
        -1,
        tier,
        "198.51.100.0/24",
        null,
        0,
        null,
        "hi",
        64,
        1.0,
        0,
        0);
  }

  @Test
  void scoresAdmitsAndBeginsThenRefusesOverBudget() throws Exception {
    try (Moat moat = moat();
        Detector detector = Detector.builder().linkStore(LocalLinkStore.standard()).build()) {
      Serving serving = Serving.of(moat, detector);
      Serving.Start s =
          serving
              .start(record("a", "free"), MoatTest.ctx("free").account("a"))
              .get(5, TimeUnit.SECONDS);
      assertTrue(s.admitted());
      assertNotNull(s.verdict());
      assertEquals(Suspicion.NONE, s.verdict().level(), "one ordinary request");
      assertEquals(s.verdict().escalationScore(), s.context().probingScore());
      try (MoatRequest r = s.request()) {
        assertEquals(0, r.level().id());
        MoatTest.generate(r, 5);
        r.finish(FinishReason.STOP);
      }
      // One request a minute: the next waits a minute, past the 100 ms the policy allows.
      Serving.Start refused =
          serving
              .start(record("a", "free"), MoatTest.ctx("free").account("a"))
              .get(5, TimeUnit.SECONDS);
      assertFalse(refused.admitted());
      assertTrue(refused.admission().waitNanos() > 1_000_000_000L, refused.admission().toString());
      assertThrows(IllegalStateException.class, refused::request);
    }
  }

  @Test
  void withoutADetectorRequestsStartAtScoreZero() throws Exception {
    try (Moat moat = moat()) {
      Serving.Start s =
          Serving.of(moat, null)
              .start(record("b", "pro"), MoatTest.ctx("pro"))
              .get(5, TimeUnit.SECONDS);
      assertTrue(s.admitted());
      assertNull(s.verdict());
      assertEquals(0.0, s.context().probingScore());
      s.request().close();
    }
  }

  /** A verdict that turns to a flag after {@code at} tokens, refreshed every token. */
  static final class Scripted implements VerdictFeed {
    final int at;
    int tokens;

    Scripted(int at) {
      this.at = at;
    }

    @Override
    public boolean onToken() {
      return ++tokens >= at;
    }

    @Override
    public double escalationScore() {
      return tokens >= at ? 1.0 : 0.0;
    }

    @Override
    public @Nullable String flaggedGroup() {
      return null;
    }
  }

  @Test
  void aFollowedVerdictRaisesTheLevelInsideAcceptAndPacingHoldsAtOnce() throws Exception {
    try (Moat moat = moat();
        MoatRequest r = moat.begin(MoatTest.ctx("pro").build())) {
      r.follow(new Scripted(3));
      long[] holds = new long[5];
      for (int i = 0; i < holds.length; i++) {
        float[] logits = MoatTest.modelStep(r.history());
        holds[i] = r.accept(r.sample(logits));
      }
      assertEquals(0, holds[0]);
      assertEquals(0, holds[1]);
      assertEquals(2, r.level().id(), "flagged at the third token: the ladder's rule at 1.0");
      assertTrue(holds[3] > 0 && holds[4] > 0, "the tarpit holds from the flag on");
    }
  }
}
