package dev.moat.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.enforce.Level;
import dev.moat.internal.InvalidSetting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A level's rules live in {@link Level.Builder}; the policy loader reads a file's levels through
 * it. Each rule's message is pinned here, and a file and the builder must word each the same.
 */
class LevelRulesTest {
  /** A bad value for each setting, as a policy file writes it and as the builder is called. */
  private record Bad(String yaml, Consumer<Level.Builder> call, String message) {}

  private static final Map<String, Bad> BAD = new LinkedHashMap<>();

  static {
    BAD.put(
        "budget_scale",
        new Bad(
            "0",
            b -> b.budgetScale(0),
            "`enforcement.levels[2].budget_scale` was '0.0' but it must be in (0, 1]"));
    BAD.put(
        "max_tokens",
        new Bad(
            "20000000",
            b -> b.maxTokens(20_000_000),
            "`enforcement.levels[2].max_tokens` was '20000000' but it must be 0 (the request's own)"
                + " to 10^7"));
    BAD.put(
        "pacing_tokens_per_second",
        new Bad(
            "-1",
            b -> b.pacingTokensPerSecond(-1),
            "`enforcement.levels[2].pacing_tokens_per_second` was '-1.0' but it must be 0"
                + " (unpaced) to 100000"));
    BAD.put(
        "logprobs_max",
        new Bad(
            "21",
            b -> b.logprobsMax(21),
            "`enforcement.levels[2].logprobs_max` was '21' but it must be -1 (the request's own) to"
                + " 20"));
    BAD.put(
        "logprobs_digits",
        new Bad(
            "7",
            b -> b.logprobsDigits(7),
            "`enforcement.levels[2].logprobs_digits` was '7' but it must be -1 (unrounded) to 6"));
    BAD.put(
        "logprobs_noise",
        new Bad(
            "6",
            b -> b.logprobsNoise(6),
            "`enforcement.levels[2].logprobs_noise` was '6.0' but it must be 0 to 5 (nats)"));
    BAD.put(
        "temperature_jitter",
        new Bad(
            "0.6",
            b -> b.temperatureJitter(0.6),
            "`enforcement.levels[2].temperature_jitter` was '0.6' but it must be 0 to 0.5"));
    BAD.put(
        "keyed_noise_kl",
        new Bad(
            "3",
            b -> b.keyedNoiseKl(3),
            "`enforcement.levels[2].keyed_noise_kl` was '3.0' but it must be 0 to 2 (nats)"));
    BAD.put(
        "anti_distillation_kl",
        new Bad(
            "-0.5",
            b -> b.antiDistillationKl(-0.5),
            "`enforcement.levels[2].anti_distillation_kl` was '-0.5' but it must be 0 to 2 (nats)"));
  }

  @Test
  void everyBuilderSetterNamesTheSettingTheValueAndTheRule() {
    for (Map.Entry<String, Bad> e : BAD.entrySet()) {
      InvalidSetting x =
          assertThrows(InvalidSetting.class, () -> e.getValue().call().accept(Level.builder(2)));
      assertEquals(e.getValue().message(), x.getMessage(), e.getKey());
      assertEquals(e.getKey(), x.setting());
    }
  }

  @Test
  void aPolicyFileGetsTheBuildersRuleForEverySetting() {
    for (Map.Entry<String, Bad> e : BAD.entrySet()) {
      String yaml =
          "version: 1\ntiers: {free: {}}\nenforcement:\n  levels:\n    - {level: 1}\n"
              + "    - {level: 2, "
              + e.getKey()
              + ": "
              + e.getValue().yaml()
              + "}\n";
      PolicyException x =
          assertThrows(PolicyException.class, () -> PolicyLoader.parse(yaml, true, "t.yaml", null));
      String rule = e.getValue().message().substring(e.getValue().message().indexOf("must be "));
      String want =
          "`enforcement.levels[1]."
              + e.getKey()
              + "` was '"
              + e.getValue().yaml()
              + "' but it "
              + rule;
      assertEquals(List.of(want), x.problems(), e.getKey());
    }
  }

  @Test
  void theFileAndTheBuilderKnowTheSameSettings() {
    Level.Builder b = Level.builder(0);
    for (String s : Level.SETTINGS) {
      // Every name is routed (a wrong type is refused by the setting's own rule, not as unknown).
      InvalidSetting x = assertThrows(InvalidSetting.class, () -> b.setting(s, List.of()));
      assertEquals(s, x.setting());
    }
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> b.setting("colour", "red"));
    assertTrue(unknown.getMessage().contains("colour"), unknown.getMessage());
  }

  @Test
  void wholeNumberSettingsRefuseFractions() {
    InvalidSetting x =
        assertThrows(InvalidSetting.class, () -> Level.builder(1).setting("max_tokens", 2.5));
    assertEquals("0 (the request's own) to 10^7", x.rule());
    x = assertThrows(InvalidSetting.class, () -> Level.builder(1).setting("level", 0));
    assertEquals("1 to 9", x.rule());
  }

  @Test
  void theCanonicalConstructorChecksTheSameRules() {
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Level(2, 1, 20_000_000, 0, false, -1, -1, Level.LogitBias.ALLOW, 0, 0, 0, 0));
    assertEquals(BAD.get("max_tokens").message(), x.getMessage());
  }

  @Test
  void settingsByNameBuildWhatTheTypedSettersBuild() {
    Level byName =
        Level.builder(0)
            .setting("level", 3)
            .setting("budget_scale", 0.5)
            .setting("max_tokens", 512)
            .setting("reject", true)
            .setting("logit_bias", "neutralise")
            .setting("keyed_noise_kl", 0.1)
            .build();
    Level typed =
        Level.builder(3)
            .budgetScale(0.5)
            .maxTokens(512)
            .reject(true)
            .logitBias(Level.LogitBias.NEUTRALISE)
            .keyedNoiseKl(0.1)
            .build();
    assertEquals(typed, byName);
    assertEquals(typed, typed.toBuilder().build());
  }
}
