package dev.moat.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.Budget;
import dev.moat.enforce.Level;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EnforcementPolicyTest {
  static final String GOOD =
      """
      version: 1
      tiers:
        free:
          budget: {requests_per_minute: 60, tokens_per_minute: 200000, tokens_per_day: 2000000, concurrent_streams: 4}
          escalation:
            rules: [{score: 0.5, level: 1}, {score: 0.9, level: 2}]
            group_level: 3
        pro: {}
      enforcement:
        max_delay_ms: 500
        levels:
          - {level: 1, logprobs_max: 5, logprobs_digits: 2, logprobs_noise: 0.2, temperature_jitter: 0.1, logit_bias: neutralise}
          - {level: 2, budget_scale: 0.25, max_tokens: 1024, pacing_tokens_per_second: 20, logprobs_max: 0, logit_bias: refuse}
          - {level: 3, reject: true}
      """;

  private static Policy parse(String yaml) {
    return PolicyLoader.parse(yaml, true, "test.yaml", null);
  }

  @Test
  void aProtectionSwitchedOffIsCheckedInFullButNotInForce() {
    String off =
        """
        version: 1
        tiers:
          free:
            watermark: {enabled: false, scheme: kgw, key: k1, delta: 2.0}
            budget: {enabled: false, requests_per_minute: 60}
            escalation: {enabled: false, rules: [{score: 0.5, level: 1}], group_level: 1}
        enforcement:
          levels: [{level: 1, logprobs_max: 5}]
        """;
    Policy p = PolicyLoader.parse(off, true, "test.yaml", java.util.Set.of("k1"));
    assertTrue(p.tier("free").watermark().isEmpty());
    assertEquals(null, p.enforcement().budgets().get("free"));
    assertEquals(0, p.enforcement().escalation("free").level(1, true));
    // Switched back on, the very same settings are in force.
    Policy on =
        PolicyLoader.parse(
            off.replace("enabled: false", "enabled: true"), true, "t", java.util.Set.of("k1"));
    assertTrue(on.tier("free").watermark().isPresent());
    assertEquals(new Budget(60, 0, 0, 0), on.enforcement().budgets().get("free"));
    assertEquals(1, on.enforcement().escalation("free").level(1, true));
    // A block switched off is still validated, and the switch itself must be a boolean.
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                parse(
                    off.replace("delta: 2.0", "delta: -1")
                        .replace("budget: {enabled: false", "budget: {enabled: 'no'")));
    assertEquals(
        java.util.List.of(
            "`tiers.free.watermark.delta` was '-1' but it must be in [0, 20]",
            "`tiers.free.budget.enabled` was 'no' but it must be true or false"),
        e.problems());
  }

  @Test
  void readsBudgetsLaddersAndLevels() {
    EnforcementSettings e = parse(GOOD).enforcement();
    assertEquals(new Budget(60, 200_000, 2_000_000, 4), e.budgets().get("free"));
    assertEquals(null, e.budgets().get("pro"));
    assertEquals(0, e.escalation("free").level(0.2, false));
    assertEquals(1, e.escalation("free").level(0.6, false));
    assertEquals(2, e.escalation("free").level(0.95, false));
    assertEquals(3, e.escalation("free").level(0, true));
    assertEquals(0, e.escalation("pro").level(1, true));
    assertEquals(
        Level.builder(2)
            .budgetScale(0.25)
            .maxTokens(1024)
            .pacingTokensPerSecond(20)
            .logprobsMax(0)
            .logitBias(Level.LogitBias.REFUSE)
            .build(),
        e.levels().get(2));
    assertTrue(e.levels().get(3).reject());
    assertEquals(
        Level.builder(1)
            .logprobsMax(5)
            .logprobsDigits(2)
            .logitBias(Level.LogitBias.NEUTRALISE)
            .logprobsNoise(0.2)
            .temperatureJitter(0.1)
            .build(),
        e.levels().get(1));
    assertEquals(Duration.ofMillis(500), e.maxDelay());
    assertEquals(EnforcementSettings.NONE, parse("version: 1\ntiers: {free: {}}\n").enforcement());
  }

  @Test
  void badInputIsNamedFieldByFieldAndNothingIsHalfApplied() {
    String bad =
        GOOD.replace("requests_per_minute: 60", "requests_per_minute: -5")
            .replace("{score: 0.9, level: 2}", "{score: 0.4, level: 2}")
            .replace("group_level: 3", "group_level: 7")
            .replace("budget_scale: 0.25", "budget_scale: 2")
            .replace("logit_bias: refuse", "logit_bias: sometimes")
            .replace("temperature_jitter: 0.1", "temperature_jitter: 0.9")
            .replace("{level: 3, reject: true}", "{level: 3, reject: yes please, colour: red}");
    PolicyException x = assertThrows(PolicyException.class, () -> parse(bad));
    String m = x.getMessage();
    for (String want :
        new String[] {
          "tiers.free.budget.requests_per_minute",
          "tiers.free.escalation.rules[1].score",
          "enforcement.levels[1].budget_scale",
          "enforcement.levels[1].logit_bias",
          "enforcement.levels[0].temperature_jitter",
          "enforcement.levels[2].reject",
          "enforcement.levels[2].colour"
        }) {
      assertTrue(m.contains(want), want + " in\n" + m);
    }
    PolicyException unknown =
        assertThrows(
            PolicyException.class, () -> parse(GOOD.replace("group_level: 3", "group_level: 7")));
    assertTrue(
        unknown.getMessage().contains("tiers.free.escalation")
            && unknown.getMessage().contains("level 7"),
        unknown.getMessage());
    PolicyException twice =
        assertThrows(
            PolicyException.class,
            () -> parse(GOOD.replace("{level: 3, reject: true}", "{level: 2, reject: true}")));
    assertTrue(twice.getMessage().contains("not defined twice"), twice.getMessage());
  }
}
