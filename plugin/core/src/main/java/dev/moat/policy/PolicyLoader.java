package dev.moat.policy;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.missing;
import static dev.moat.internal.Messages.unknownField;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.moat.enforce.Level;
import dev.moat.internal.InvalidSetting;
import dev.moat.internal.Messages;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Reads policy files (YAML or JSON) and per-request overrides, collecting every problem before
 * failing, each as "{@code `tiers.free.watermark.gamma` was '1.5' but it must be in (0, 1)}".
 *
 * <pre>{@code
 * version: 1
 * tiers:
 *   free:                       # every protection
 *     watermark: {scheme: kgw, key: k2026a, gamma: 0.25, delta: 2.0, context_width: 1}
 *   enterprise:                 # watermark only, which trusted hosts may change per request
 *     watermark: {scheme: kgw, key: k2026a, gamma: 0.25, delta: 1.0}
 *     overridable: [watermark]
 *   internal: {}                # nothing
 * }</pre>
 *
 * <p>Unknown settings are errors, not ignored: a typo in a security policy must not silently switch
 * a protection off. Thread-safe: stateless.
 */
public final class PolicyLoader {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final ObjectMapper YAML = YAMLMapper.builder().build();
  private static final List<String> TOP = List.of("version", "tiers", "detection", "enforcement");
  private static final List<String> DETECTION =
      List.of("threshold", "refresh_tokens", "exempt_tiers", "watch_budget", "decay_hours");
  private static final List<String> TIER =
      List.of("watermark", "overridable", "budget", "escalation");
  private static final List<String> BUDGET =
      List.of("requests_per_minute", "tokens_per_minute", "tokens_per_day", "concurrent_streams");
  private static final List<String> ESCALATION = List.of("rules", "group_level");
  private static final List<String> RULE = List.of("score", "level");
  private static final List<String> ENFORCEMENT = List.of("levels", "max_delay_ms", "noise_key");
  private static final List<String> KGW =
      List.of(
          "scheme",
          "key",
          "gamma",
          "delta",
          "context_width",
          "entropy_threshold",
          "dedup",
          "dedup_history",
          "seeding",
          "self_hash_candidates");

  private PolicyLoader() {}

  /** Loads a file: YAML if it ends in {@code .yaml}/{@code .yml}, JSON otherwise. */
  public static Policy load(Path file, @Nullable Set<String> knownKeyIds) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    return parse(text, yaml, file.toString(), knownKeyIds);
  }

  /**
   * Parses policy text. With {@code knownKeyIds} non-null, every watermark key id must be among
   * them.
   */
  public static Policy parse(
      String text, boolean yaml, String source, @Nullable Set<String> knownKeyIds) {
    JsonNode root = readTree(text, yaml, source);
    List<String> problems = new ArrayList<>();
    if (!root.isObject()) {
      throw new PolicyException(
          source, List.of("the policy must be a mapping with `version` and `tiers`"));
    }
    checkFields(root, "", TOP, problems);
    JsonNode version = root.get("version");
    int v = 1;
    if (version == null) {
      problems.add(missing("version", "1"));
    } else if (!version.isInt() || version.intValue() != 1) {
      problems.add(invalid("version", version.asText(), "1"));
    } else {
      v = version.intValue();
    }
    Map<String, TierPolicy> tiers = new LinkedHashMap<>();
    Map<String, dev.moat.enforce.Budget> budgets = new LinkedHashMap<>();
    Map<String, dev.moat.enforce.Escalation> escalations = new LinkedHashMap<>();
    JsonNode tiersNode = root.get("tiers");
    if (tiersNode == null) {
      problems.add(missing("tiers", "a mapping of tier name to its protections"));
    } else if (!tiersNode.isObject() || tiersNode.isEmpty()) {
      problems.add(
          invalid(
              "tiers",
              shortText(tiersNode),
              "a non-empty mapping of tier name to its protections"));
    } else {
      for (Map.Entry<String, JsonNode> e : tiersNode.properties()) {
        TierPolicy t = tier(e.getKey(), e.getValue(), knownKeyIds, problems);
        enforcementOfTier(e.getKey(), e.getValue(), budgets, escalations, problems);
        if (t != null) {
          tiers.put(e.getKey(), t);
        }
      }
    }
    DetectionSettings detection = DetectionSettings.DEFAULT;
    JsonNode d = root.get("detection");
    if (d != null) {
      detection = detection(d, tiers.keySet(), problems);
    }
    EnforcementSettings enforcement =
        enforcement(root.get("enforcement"), knownKeyIds, budgets, escalations, problems);
    if (!problems.isEmpty()) {
      throw new PolicyException(source, problems);
    }
    return Policy.of(v, tiers, source, detection, enforcement);
  }

  /**
   * Parses per-request overrides given as JSON, e.g. {@code {"watermark": "off"}} or {@code
   * {"watermark": {"scheme": "kgw", "key": "k1", "delta": 1.0}}}.
   */
  public static PolicyOverride parseOverride(String json, @Nullable Set<String> knownKeyIds) {
    JsonNode root = readTree(json, false, "request overrides");
    List<String> problems = new ArrayList<>();
    if (!root.isObject()) {
      throw new PolicyException(
          "request overrides", List.of(invalid("overrides", shortText(root), "a JSON object")));
    }
    checkFields(root, "overrides", TierPolicy.PROTECTIONS, problems);
    PolicyOverride result = PolicyOverride.none();
    JsonNode w = root.get("watermark");
    if (w != null) {
      if (isOff(w)) {
        result = PolicyOverride.watermarkOff();
      } else {
        WatermarkSpec s = watermark("overrides.watermark", w, knownKeyIds, problems);
        if (s != null) {
          result = PolicyOverride.watermark(s);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new PolicyException("request overrides", problems);
    }
    return result;
  }

  private static void enforcementOfTier(
      String tier,
      JsonNode node,
      Map<String, dev.moat.enforce.Budget> budgets,
      Map<String, dev.moat.enforce.Escalation> escalations,
      List<String> problems) {
    if (node == null || !node.isObject()) {
      return;
    }
    String path = "tiers." + tier;
    JsonNode b = node.get("budget");
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
        if (problems.size() == before) {
          budgets.put(
              tier,
              new dev.moat.enforce.Budget(
                  v[0], v[1], v[2], (int) Math.min(v[3], Integer.MAX_VALUE)));
        }
      }
    }
    JsonNode e = node.get("escalation");
    if (e != null) {
      String ep = path + ".escalation";
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
        escalations.put(
            tier, dev.moat.enforce.Escalation.of(scores, levels, (int) group, ep + ".rules"));
      } catch (IllegalArgumentException x) {
        problems.add(x.getMessage());
      }
    }
  }

  private static EnforcementSettings enforcement(
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

  private static DetectionSettings detection(
      JsonNode node, Set<String> tiers, List<String> problems) {
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

  private static @Nullable TierPolicy tier(
      String name, JsonNode node, @Nullable Set<String> keys, List<String> problems) {
    String path = "tiers." + name;
    if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
      problems.add(invalid(path, name, "a tier name of 1 to 64 of [A-Za-z0-9_-]"));
      return null;
    }
    if (node.isNull()) {
      return TierPolicy.unprotected(name);
    }
    if (!node.isObject()) {
      problems.add(invalid(path, shortText(node), "a mapping of protections (use {} for none)"));
      return null;
    }
    int before = problems.size();
    checkFields(node, path, TIER, problems);
    WatermarkSpec watermark = null;
    JsonNode w = node.get("watermark");
    if (w != null && !isOff(w)) {
      watermark = watermark(path + ".watermark", w, keys, problems);
    }
    Set<String> overridable = new LinkedHashSet<>();
    JsonNode o = node.get("overridable");
    if (o != null) {
      if (!o.isArray()) {
        problems.add(
            invalid(
                path + ".overridable",
                shortText(o),
                "a list of protection ids from " + TierPolicy.PROTECTIONS));
      } else {
        for (int i = 0; i < o.size(); i++) {
          JsonNode p = o.get(i);
          if (!p.isTextual() || !TierPolicy.PROTECTIONS.contains(p.asText())) {
            problems.add(
                invalid(
                    path + ".overridable[" + i + "]",
                    shortText(p),
                    "one of " + TierPolicy.PROTECTIONS));
          } else {
            overridable.add(p.asText());
          }
        }
      }
    }
    return problems.size() == before ? TierPolicy.of(name, watermark, overridable) : null;
  }

  /** Settings each scheme accepts, in the order messages list them. */
  private static final java.util.Map<String, List<String>> SCHEMES =
      java.util.Map.of(
          "kgw", KGW,
          "kgw-hf", List.of("scheme", "key", "gamma", "delta", "vocab_size", "cache_entries"),
          "gumbel", List.of("scheme", "key", "context_width", "dedup", "dedup_history"));

  private static @Nullable WatermarkSpec watermark(
      String path, JsonNode node, @Nullable Set<String> keys, List<String> problems) {
    if (!node.isObject()) {
      problems.add(
          invalid(
              path,
              shortText(node),
              "a mapping with scheme (kgw, kgw-hf or gumbel), key and the scheme's settings, or 'off'"));
      return null;
    }
    int before = problems.size();
    JsonNode schemeNode = node.get("scheme");
    String scheme = schemeNode == null ? "kgw" : schemeNode.asText();
    List<String> allowed = SCHEMES.get(scheme);
    if (allowed == null) {
      problems.add(invalid(path + ".scheme", scheme, "one of kgw, kgw-hf, gumbel"));
      return null;
    }
    checkFields(node, path, allowed, problems);
    String keyId = null;
    JsonNode key = node.get("key");
    if (key == null) {
      problems.add(missing(path + ".key", "the id of a watermark key"));
    } else if (!key.isTextual() || key.asText().isBlank()) {
      problems.add(invalid(path + ".key", shortText(key), "a key id (text)"));
    } else if (keys != null && !keys.contains(key.asText())) {
      problems.add(Messages.unknownKey(path + ".key", key.asText(), new java.util.TreeSet<>(keys)));
    } else {
      keyId = key.asText();
    }
    double gamma = number(node, path + ".gamma", 0.25, KgwSettings::gammaRule, problems);
    double delta = number(node, path + ".delta", 2.0, KgwSettings::deltaRule, problems);
    double width =
        number(
            node,
            path + ".context_width",
            1,
            w ->
                w == Math.rint(w)
                    ? KgwSettings.contextWidthRule((long) w)
                    : "an integer in [1, 64]",
            problems);
    double vocab =
        number(
            node,
            path + ".vocab_size",
            0,
            v ->
                v == Math.rint(v) && v >= 2 && v <= 16_777_216
                    ? null
                    : "an integer in [2, 16777216]",
            problems);
    double cache =
        number(
            node,
            path + ".cache_entries",
            4096,
            v -> v == Math.rint(v) && v >= 1 ? null : "an integer >= 1",
            problems);
    double entropy =
        number(node, path + ".entropy_threshold", 0, KgwSettings::entropyThresholdRule, problems);
    boolean dedup = scheme.equals("gumbel");
    JsonNode dedupNode = node.get("dedup");
    if (dedupNode != null) {
      List<String> modes =
          scheme.equals("kgw-hf")
              ? List.of("none", "request")
              : List.of("none", "request", "global");
      if (!dedupNode.isTextual() || !modes.contains(dedupNode.asText())) {
        problems.add(invalid(path + ".dedup", shortText(dedupNode), String.join(" or ", modes)));
      } else {
        dedup = !dedupNode.asText().equals("none");
      }
    }
    boolean global =
        dedupNode != null && dedupNode.isTextual() && dedupNode.asText().equals("global");
    double history =
        number(
            node,
            path + ".dedup_history",
            1 << 20,
            v ->
                v == Math.rint(v) && v >= 1 && v <= (1 << 26)
                    ? null
                    : "an integer in [1, 67108864]",
            problems);
    if (node.get("dedup_history") != null && !global) {
      problems.add(
          invalid(
              path + ".dedup_history",
              node.get("dedup_history").asText(),
              "set only together with dedup: global"));
    }
    boolean selfHash = false;
    JsonNode seeding = node.get("seeding");
    if (seeding != null) {
      if (!seeding.isTextual()
          || !(seeding.asText().equals("lefthash") || seeding.asText().equals("selfhash"))) {
        problems.add(invalid(path + ".seeding", shortText(seeding), "lefthash or selfhash"));
      } else {
        selfHash = seeding.asText().equals("selfhash");
      }
    }
    double candidates =
        number(
            node,
            path + ".self_hash_candidates",
            KgwSettings.DEFAULT_SELF_HASH_CANDIDATES,
            c ->
                c == Math.rint(c)
                    ? KgwSettings.selfHashCandidatesRule((long) c)
                    : "an integer in [1, 1024]",
            problems);
    if (node.get("self_hash_candidates") != null && !selfHash) {
      problems.add(
          invalid(
              path + ".self_hash_candidates",
              node.get("self_hash_candidates").asText(),
              "set only together with seeding: selfhash"));
    }
    if (scheme.equals("kgw-hf") && node.get("vocab_size") == null) {
      problems.add(
          missing(
              path + ".vocab_size",
              "the model's vocabulary size; it defines Hugging Face's green lists"));
    }
    if (problems.size() != before || keyId == null) {
      return null;
    }
    return switch (scheme) {
      case "kgw-hf" -> new HfKgwSettings(keyId, gamma, delta, (int) vocab, (long) cache);
      case "gumbel" -> new GumbelSettings(keyId, (int) width, dedup, global ? (int) history : 0);
      default ->
          KgwSettings.builder()
              .keyId(keyId)
              .gamma(gamma)
              .delta(delta)
              .contextWidth((int) width)
              .entropyThreshold(entropy)
              .dedupPerRequest(dedup)
              .dedupHistory(global ? (int) history : 0)
              .selfHash(selfHash)
              .selfHashCandidates((int) candidates)
              .build();
    };
  }

  private static double number(
      JsonNode parent,
      String path,
      double dflt,
      DoubleFunction<@Nullable String> rule,
      List<String> problems) {
    String field = path.substring(path.lastIndexOf('.') + 1);
    JsonNode n = parent.get(field);
    if (n == null) {
      return dflt;
    }
    if (!n.isNumber()) {
      problems.add(invalid(path, shortText(n), "a number"));
      return dflt;
    }
    double d = n.asDouble();
    String broken = rule.apply(d);
    if (broken != null) {
      problems.add(invalid(path, n.asText(), broken));
      return dflt;
    }
    return d;
  }

  private static boolean isOff(JsonNode n) {
    return n.isNull()
        || (n.isTextual() && n.asText().equals("off"))
        || (n.isBoolean() && !n.booleanValue());
  }

  private static void checkFields(
      JsonNode node, String path, List<String> allowed, List<String> problems) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String f = e.getKey();
      if (!allowed.contains(f)) {
        problems.add(unknownField(path.isEmpty() ? f : path + "." + f, allowed));
      }
    }
  }

  private static String shortText(JsonNode n) {
    String s = n.isTextual() ? n.asText() : n.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  private static JsonNode readTree(String text, boolean yaml, String source) {
    try {
      JsonNode n = (yaml ? YAML : JSON).readTree(text);
      if (n == null || n.isMissingNode()) {
        throw new PolicyException(source, List.of("the document is empty"));
      }
      return n;
    } catch (JacksonException e) { // readTree of a String throws no other IOException
      JsonLocation loc = e.getLocation();
      String where =
          loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new PolicyException(
          source,
          List.of("malformed " + (yaml ? "YAML" : "JSON") + where + ": " + e.getOriginalMessage()));
    }
  }
}
