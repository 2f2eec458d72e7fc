package dev.moat.policy;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.missing;
import static dev.moat.policy.PolicyFields.checkFields;
import static dev.moat.policy.PolicyFields.number;
import static dev.moat.policy.PolicyFields.shortText;
import static dev.moat.policy.PolicyFields.switchedOff;
import static dev.moat.policy.PolicyFields.withoutSwitch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.enforce.Level;
import dev.moat.internal.InvalidSetting;
import dev.moat.internal.Messages;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The policy file's enforcement: each tier's {@code budget} and {@code escalation}, the {@code
 * enforcement} section's levels (read through {@link Level.Builder#setting}, so a file's rules are
 * the builder's) and the {@code detection} section. Every problem is collected with its path;
 * nothing is returned half-read.
 *
 * <p>Stateless and thread-safe.
 */
final class EnforcementSection {
  private static final List<String> DETECTION =
      List.of("threshold", "refresh_tokens", "exempt_tiers", "watch_budget", "decay_hours");
  private static final List<String> BUDGET =
      List.of("requests_per_minute", "tokens_per_minute", "tokens_per_day", "concurrent_streams");
  private static final List<String> ESCALATION = List.of("rules", "group_level");
  private static final List<String> RULE = List.of("score", "level");
  private static final List<String> ENFORCEMENT = List.of("levels", "max_delay_ms", "noise_key");

  private EnforcementSection() {}

  static void ofTier(
      String tier,
      JsonNode node,
      Map<String, dev.moat.enforce.Budget> budgets,
      Map<String, dev.moat.enforce.Escalation> escalations,
      List<String> problems) {
    if (node == null || !node.isObject()) {
      return;
    }
    String path = "tiers." + tier;
    JsonNode bBlock = node.get("budget");
    JsonNode b = bBlock == null ? null : withoutSwitch(bBlock, path + ".budget", problems);
    if (b != null) {
      if (!b.isObject()) {
        problems.add(invalid(path + ".budget", shortText(b), "a mapping of " + BUDGET));
      } else {
        checkFields(b, path + ".budget", BUDGET, problems);
        int before = problems.size();
        long[] v = new long[4];
        for (int i = 0; i < 4; i++) {
          v[i] =
              (long)
                  number(
                      b,
                      path + ".budget." + BUDGET.get(i),
                      0,
                      x ->
                          x == Math.rint(x) && x >= 0 && x <= 1e12
                              ? null
                              : "a whole number from 0 (unlimited) to 10^12",
                      problems);
        }
        if (problems.size() == before && !switchedOff(bBlock)) {
          budgets.put(
              tier,
              new dev.moat.enforce.Budget(
                  v[0], v[1], v[2], (int) Math.min(v[3], Integer.MAX_VALUE)));
        }
      }
    }
    String ep = path + ".escalation";
    JsonNode eBlock = node.get("escalation");
    JsonNode e = eBlock == null ? null : withoutSwitch(eBlock, ep, problems);
    if (e != null) {
      if (!e.isObject()) {
        problems.add(invalid(ep, shortText(e), "a mapping with rules and group_level"));
        return;
      }
      checkFields(e, ep, ESCALATION, problems);
      JsonNode rules = e.get("rules");
      List<double[]> pairs = new ArrayList<>();
      if (rules != null) {
        if (!rules.isArray()) {
          problems.add(invalid(ep + ".rules", shortText(rules), "a list of {score, level}"));
          return;
        }
        for (int i = 0; i < rules.size(); i++) {
          JsonNode r = rules.get(i);
          String rp = ep + ".rules[" + i + "]";
          if (!r.isObject()) {
            problems.add(invalid(rp, shortText(r), "a mapping {score, level}"));
            continue;
          }
          checkFields(r, rp, RULE, problems);
          double score = number(r, rp + ".score", Double.NaN, x -> null, problems);
          double level = number(r, rp + ".level", Double.NaN, x -> null, problems);
          if (Double.isNaN(score) || Double.isNaN(level)) {
            if (!r.has("score") || !r.has("level")) {
              problems.add(missing(rp + (r.has("score") ? ".level" : ".score"), "a number"));
            }
            continue;
          }
          pairs.add(new double[] {score, level});
        }
      }
      double group =
          number(
              e,
              ep + ".group_level",
              0,
              x -> x == Math.rint(x) ? null : "a whole number from 0 to 9",
              problems);
      double[] scores = new double[pairs.size()];
      int[] levels = new int[pairs.size()];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = pairs.get(i)[0];
        levels[i] = (int) pairs.get(i)[1] == pairs.get(i)[1] ? (int) pairs.get(i)[1] : -1;
      }
      try {
        dev.moat.enforce.Escalation ladder =
            dev.moat.enforce.Escalation.of(scores, levels, (int) group, ep + ".rules");
        if (!switchedOff(eBlock)) {
          escalations.put(tier, ladder);
        }
      } catch (IllegalArgumentException x) {
        problems.add(x.getMessage());
      }
    }
  }

  static EnforcementSettings enforcement(
      @Nullable JsonNode node,
      @Nullable Set<String> knownKeyIds,
      Map<String, dev.moat.enforce.Budget> budgets,
      Map<String, dev.moat.enforce.Escalation> escalations,
      List<String> problems) {
    Map<Integer, Level> levels = new java.util.TreeMap<>();
    java.time.Duration maxDelay = java.time.Duration.ofSeconds(2);
    String noiseKey = null;
    if (node != null) {
      if (!node.isObject()) {
        problems.add(
            invalid("enforcement", shortText(node), "a mapping with levels and max_delay_ms"));
      } else {
        checkFields(node, "enforcement", ENFORCEMENT, problems);
        maxDelay =
            java.time.Duration.ofMillis(
                (long)
                    number(
                        node,
                        "enforcement.max_delay_ms",
                        2000,
                        x -> x >= 0 && x <= 600_000 ? null : "0 to 600000",
                        problems));
        JsonNode nk = node.get("noise_key");
        if (nk != null) {
          if (!nk.isTextual() || nk.asText().isBlank()) {
            problems.add(invalid("enforcement.noise_key", shortText(nk), "a key id"));
          } else if (knownKeyIds != null && !knownKeyIds.contains(nk.asText())) {
            problems.add(
                Messages.unknownKey(
                    "enforcement.noise_key", nk.asText(), new java.util.TreeSet<>(knownKeyIds)));
          } else {
            noiseKey = nk.asText();
          }
        }
        JsonNode ls = node.get("levels");
        if (ls != null && !ls.isArray()) {
          problems.add(invalid("enforcement.levels", shortText(ls), "a list of levels"));
        } else if (ls != null) {
          for (int i = 0; i < ls.size(); i++) {
            Level l = level(ls.get(i), "enforcement.levels[" + i + "]", problems);
            if (l != null && levels.put(l.id(), l) != null) {
              problems.add(
                  invalid(
                      "enforcement.levels[" + i + "].level", l.id(), "a level not defined twice"));
            }
          }
        }
      }
    }
    for (Map.Entry<String, dev.moat.enforce.Escalation> e : escalations.entrySet()) {
      for (int l : e.getValue().reachable()) {
        if (l != 0 && !levels.containsKey(l)) {
          problems.add(
              invalid(
                  "tiers." + e.getKey() + ".escalation",
                  "level " + l,
                  "a level defined under enforcement.levels " + levels.keySet()));
        }
      }
    }
    for (Level l : levels.values()) {
      if (l.keyedNoiseKl() > 0 && noiseKey == null) {
        problems.add(
            missing(
                "enforcement.noise_key",
                "the id of a key for level " + l.id() + "'s keyed_noise_kl"));
        return EnforcementSettings.NONE;
      }
    }
    return new EnforcementSettings(budgets, escalations, levels, maxDelay, noiseKey);
  }

  /**
   * One level from its mapping. Each setting goes through {@link Level.Builder#setting}, so a
   * file's rules and messages are the builder's; only the JSON types are read here.
   */
  private static @Nullable Level level(JsonNode n, String path, List<String> problems) {
    if (!n.isObject()) {
      problems.add(invalid(path, shortText(n), "a mapping with level and its settings"));
      return null;
    }
    checkFields(n, path, Level.SETTINGS, problems);
    int before = problems.size();
    if (!n.has("level")) {
      problems.add(missing(path + ".level", "1 to 9"));
    }
    Level.Builder b = Level.builder(0);
    for (String setting : Level.SETTINGS) {
      JsonNode v = n.get(setting);
      if (v == null) {
        continue;
      }
      Object value =
          v.isNumber() ? (Object) v.numberValue() : v.isBoolean() ? v.booleanValue() : v.asText();
      if (v.isContainerNode() || v.isNull()) {
        value = shortText(v);
      }
      try {
        b.setting(setting, value);
      } catch (InvalidSetting e) {
        problems.add(invalid(path + "." + e.setting(), shortText(v), e.rule()));
      }
    }
    return problems.size() != before ? null : b.build();
  }

  static DetectionSettings detection(JsonNode node, Set<String> tiers, List<String> problems) {
    if (!node.isObject()) {
      problems.add(invalid("detection", shortText(node), "a mapping"));
      return DetectionSettings.DEFAULT;
    }
    checkFields(node, "detection", DETECTION, problems);
    double threshold =
        number(
            node,
            "detection.threshold",
            -1,
            t -> t > 0 && t < 1 ? null : "a score in (0, 1)",
            problems);
    double refresh =
        number(
            node,
            "detection.refresh_tokens",
            32,
            t -> t == Math.rint(t) && t >= 1 && t <= 4096 ? null : "a whole number from 1 to 4096",
            problems);
    double watchBudget =
        number(
            node,
            "detection.watch_budget",
            0.01,
            t -> t > 0 && t <= 0.5 ? null : DetectionSettings.WATCH_BUDGET_RULE,
            problems);
    double decayHours =
        number(
            node,
            "detection.decay_hours",
            72,
            t -> t >= 1 / 60.0 && t <= 8760 ? null : DetectionSettings.DECAY_RULE,
            problems);
    Set<String> exempt = new LinkedHashSet<>();
    JsonNode e = node.get("exempt_tiers");
    if (e != null) {
      if (!e.isArray()) {
        problems.add(invalid("detection.exempt_tiers", shortText(e), "a list of tier names"));
      } else {
        for (int i = 0; i < e.size(); i++) {
          JsonNode t = e.get(i);
          if (!t.isTextual() || !tiers.contains(t.asText())) {
            problems.add(
                invalid(
                    "detection.exempt_tiers[" + i + "]",
                    shortText(t),
                    "one of the policy's tiers " + tiers));
          } else {
            exempt.add(t.asText());
          }
        }
      }
    }
    return new DetectionSettings(threshold, (int) refresh, exempt, watchBudget, decayHours);
  }
}
