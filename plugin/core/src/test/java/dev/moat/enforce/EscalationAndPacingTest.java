package dev.moat.enforce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.RequestContext;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.Stage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EscalationAndPacingTest {
  @Test
  void scoresAndGroupsMapToLevels() {
    Escalation e =
        Escalation.of(new double[] {0.5, 0.9}, new int[] {1, 2}, 3, "tiers.free.escalation");
    assertEquals(0, e.level(0.0, false));
    assertEquals(0, e.level(0.49, false));
    assertEquals(1, e.level(0.5, false));
    assertEquals(2, e.level(0.95, false));
    assertEquals(3, e.level(0.1, true));
    assertEquals(0, e.level(Double.NaN, false));
    assertArrayEquals(new int[] {1, 2, 3}, e.reachable());
    assertEquals(0, Escalation.NONE.level(1, true));
  }

  /** A rule at score 0 puts every request of the tier at its level, NaN scores included. */
  @Test
  void aRuleAtZeroAppliesToEveryRequest() {
    Escalation e = Escalation.of(new double[] {0, 0.9}, new int[] {2, 3}, 0, "t");
    assertEquals(2, e.level(0.0, false));
    assertEquals(2, e.level(Double.NaN, false));
    assertEquals(3, e.level(0.95, false));
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () -> Escalation.of(new double[] {-0.1}, new int[] {1}, 0, "tiers.free.escalation"));
    assertEquals(
        "`tiers.free.escalation[0].score` was '-0.1' but it must be in [0, 1]", x.getMessage());
  }

  /** The audit trail's reason names what set the level, not only the score. */
  @Test
  void theReasonNamesTheRuleTheLadderStartOrTheGroup() {
    Escalation e = Escalation.of(new double[] {0, 0.9}, new int[] {2, 3}, 4, "t");
    assertEquals("the tier's ladder starts every request at level 2", e.reason(0.1, false));
    assertEquals("the ladder's rule score >= 0.9 gives level 3", e.reason(0.95, false));
    assertEquals("its campaign group is flagged: the ladder's group level 4", e.reason(0.95, true));
    Escalation high = Escalation.of(new double[] {0.5}, new int[] {1}, 0, "t");
    assertEquals("below every rule of the ladder", high.reason(Double.NaN, false));
  }

  @Test
  void overlappingOrFallingRulesAreRejectedByPath() {
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Escalation.of(
                    new double[] {0.5, 0.5}, new int[] {1, 2}, 0, "tiers.free.escalation"));
    assertTrue(
        x.getMessage().contains("tiers.free.escalation[1].score")
            && x.getMessage().contains("overlap"),
        x.getMessage());
    x =
        assertThrows(
            IllegalArgumentException.class,
            () -> Escalation.of(new double[] {0.5, 0.8}, new int[] {2, 1}, 0, "t"));
    assertTrue(x.getMessage().contains("t[1].level"), x.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Escalation.of(new double[] {1.5}, new int[] {1}, 0, "t"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Escalation.of(new double[] {0.5}, new int[] {10}, 0, "t"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Escalation.of(new double[] {0.5}, new int[] {1}, 11, "t"));
  }

  /** 20 tokens/s: a fast generator is held to 50 ms apart; a slow one is never held. */
  @Test
  void pacingHoldsTokensToTheRate() {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    Pacing p = Pacing.of(20, now::get);
    assertEquals(Stage.PACING, p.stage());
    assertTrue(p.describe().contains("20.0 tokens/s"));
    RequestContext ctx = RequestContext.builder().account("a").tier("free").vocabSize(16).build();
    RequestProtection s = p.begin(ctx);
    assertEquals(0, s.onToken(1, null), "the first token goes at once");
    long emitted = now.get();
    for (int i = 0; i < 10; i++) {
      now.addAndGet(1_000_000); // the model makes a token a millisecond
      long hold = s.onToken(1, null);
      emitted = now.get() + hold;
      assertEquals(5_000_000_000L + (i + 1) * 50_000_000L, emitted, "token " + (i + 1));
    }
    // A stall longer than the interval: the next token goes at once, no burst credit builds up.
    now.set(emitted + 1_000_000_000L);
    assertEquals(0, s.onToken(1, null));
    now.addAndGet(1_000);
    assertEquals(50_000_000L - 1_000, s.onToken(1, null));
    assertThrows(IllegalArgumentException.class, () -> Pacing.of(0));
    assertThrows(IllegalArgumentException.class, () -> Pacing.of(Double.NaN));
  }
}
