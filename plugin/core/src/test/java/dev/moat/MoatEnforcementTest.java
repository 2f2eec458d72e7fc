package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.Admission;
import dev.moat.enforce.LevelChange;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MoatEnforcementTest {
  static final String POLICY =
      """
      version: 1
      tiers:
        free:
          budget: {requests_per_minute: 5, tokens_per_minute: 100000}
          escalation:
            rules: [{score: 0.5, level: 1}, {score: 0.9, level: 2}]
            group_level: 3
        internal: {}
      enforcement:
        max_delay_ms: 0
        levels:
          - {level: 1, logprobs_max: 5, logprobs_digits: 2, logprobs_noise: 0.3, temperature_jitter: 0.2}
          - {level: 2, max_tokens: 64, pacing_tokens_per_second: 10, logprobs_max: 0, logit_bias: refuse}
          - {level: 3, reject: true}
      """;

  static RequestContext ctx(String account, double score, String group) {
    return RequestContext.builder()
        .account(account)
        .tier("free")
        .vocabSize(32)
        .prompt("hello", new int[] {1, 2, 3})
        .sampling(SamplingParams.greedy(200))
        .probing(score, group)
        .build();
  }

  @Test
  void admitBeginPaceEscalateAndFinish() throws Exception {
    List<LevelChange> audit = new ArrayList<>();
    dev.moat.enforce.TestClock clock = new dev.moat.enforce.TestClock();
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(POLICY, true, "p.yaml", null))
            .audit(audit::add)
            .clock(clock)
            .build()) {
      // A clean account: level 0, its own max_tokens, no pacing.
      Admission a = moat.admit(ctx("alice", 0.1, null));
      assertTrue(a.admitted(), a.toString());
      assertEquals(0, a.level());
      assertEquals(200, a.maxTokens());
      try (MoatRequest r = moat.begin(ctx("alice", 0.1, null), a)) {
        assertEquals(0, r.accept(5));
        assertEquals(0, r.level().id());
        assertEquals(7, r.topLogprobs(7));
        assertEquals(-1.23456, r.shapeLogprob(-1.23456), "level 0 returns logprobs untouched");
        // The detector's refreshed verdict crosses 0.9 mid-stream: level 2, paced at 10 tokens/s.
        assertTrue(r.escalate(0.95, null));
        assertFalse(r.escalate(0.6, null), "levels never fall within a request");
        assertEquals(2, r.level().id());
        assertEquals(0, r.level().topLogprobs(5), "logprobs withheld");
        assertTrue(r.level().refuseLogitBias());
        r.accept(6);
        long hold = r.accept(7);
        assertTrue(hold > 90_000_000L && hold <= 100_000_000L, "held " + hold);
        r.finish(FinishReason.LENGTH);
      }
      assertEquals(1, audit.size());
      LevelChange c = audit.get(0);
      assertEquals("alice", c.account());
      assertEquals(0, c.from());
      assertEquals(2, c.to());
      assertEquals("probing score 0.950: the ladder's rule score >= 0.9 gives level 2", c.reason());

      // Level 1: five logprobs at most, noisy and rounded, the temperature jittered when Moat
      // samples.
      RequestContext l1 =
          RequestContext.builder()
              .account("erin")
              .tier("free")
              .vocabSize(32)
              .sampling(SamplingParams.builder().temperature(1f).seed(9).maxTokens(50).build())
              .probing(0.6, null)
              .build();
      try (MoatRequest r = moat.begin(l1)) {
        assertEquals(1, r.level().id());
        assertEquals(5, r.topLogprobs(20));
        double shaped = r.shapeLogprob(-1.0);
        assertTrue(shaped <= 0 && shaped != -1.0, "noise and rounding: " + shaped);
        assertEquals(shaped, Math.round(shaped * 100) / 100.0, 1e-12);
        float[] logits = new float[32];
        for (int i = 0; i < 20; i++) {
          int t = r.sample(logits.clone());
          assertTrue(t >= 0 && t < 32);
          r.accept(t);
        }
      }
      // A suspicious account starts at level 2: output capped, audited from 0.
      Admission b = moat.admit(ctx("bob", 0.92, null));
      assertEquals(2, b.level());
      assertEquals(64, b.maxTokens());
      moat.begin(ctx("bob", 0.92, null), b).finish(FinishReason.STOP);
      assertEquals(1, audit.get(1).to(), "erin at level 1");
      assertEquals(2, audit.get(2).to());
      // A flagged campaign group: level 3 rejects.
      Admission g = moat.admit(ctx("carol", 0.0, "g-42"));
      assertEquals(Admission.Decision.REJECT, g.decision());
      assertThrows(IllegalArgumentException.class, () -> moat.begin(ctx("carol", 0, "g-42"), g));
      // Five requests a minute, then rejection (no delay allowed by this policy).
      for (int i = 0; i < 4; i++) {
        Admission x = moat.admit(ctx("alice", 0.0, null));
        assertTrue(x.admitted(), "request " + (i + 2));
        moat.begin(ctx("alice", 0.0, null), x).close();
      }
      Admission over = moat.admit(ctx("alice", 0.0, null));
      assertEquals(Admission.Decision.REJECT, over.decision());
      assertTrue(over.waitNanos() > 0);
      // Tiers without a budget or ladder are untouched.
      RequestContext internal =
          RequestContext.builder().account("ops").tier("internal").vocabSize(32).build();
      assertTrue(moat.admit(internal).admitted());
      try (MoatRequest r = moat.begin(internal)) {
        assertEquals(0, r.accept(1));
        assertFalse(r.escalate(1.0, "g"));
      }
    }
  }

  /** A reload with a new budget keeps what the buckets hold. */
  @Test
  void reloadKeepsBucketState(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("moat.yaml");
    Files.writeString(file, POLICY);
    dev.moat.enforce.TestClock clock = new dev.moat.enforce.TestClock();
    try (Moat moat = Moat.builder().policyFile(file, null).clock(clock).audit(c -> {}).build()) {
      for (int i = 0; i < 5; i++) {
        assertTrue(moat.admit(ctx("dave", 0, null)).admitted());
      }
      assertFalse(moat.admit(ctx("dave", 0, null)).admitted());
      Files.writeString(file, POLICY.replace("requests_per_minute: 5", "requests_per_minute: 10"));
      Policy p = moat.reloadPolicy();
      assertEquals(10, p.enforcement().budgets().get("free").requestsPerMinute());
      // Spent 5 of 5 before: proportionally 10 of 10 now, so still nothing left (not a fresh 10).
      assertFalse(moat.admit(ctx("dave", 0, null)).admitted());
      clock.nanos.addAndGet(6_000_000_000L); // one request's refill at 10 a minute
      assertTrue(moat.admit(ctx("dave", 0, null)).admitted());
    }
  }
}
