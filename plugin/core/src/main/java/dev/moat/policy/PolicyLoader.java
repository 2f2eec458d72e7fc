package dev.moat.policy;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.missing;
import static dev.moat.policy.PolicyFields.checkFields;
import static dev.moat.policy.PolicyFields.isOff;
import static dev.moat.policy.PolicyFields.shortText;
import static dev.moat.policy.PolicyFields.switchedOff;
import static dev.moat.policy.PolicyFields.withoutSwitch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
  private static final List<String> TIER =
      List.of("watermark", "overridable", "budget", "escalation");

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
        EnforcementSection.ofTier(e.getKey(), e.getValue(), budgets, escalations, problems);
        if (t != null) {
          tiers.put(e.getKey(), t);
        }
      }
    }
    DetectionSettings detection = DetectionSettings.DEFAULT;
    JsonNode d = root.get("detection");
    if (d != null) {
      detection = EnforcementSection.detection(d, tiers.keySet(), problems);
    }
    EnforcementSettings enforcement =
        EnforcementSection.enforcement(
            root.get("enforcement"), knownKeyIds, budgets, escalations, problems);
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
        WatermarkSpec s =
            WatermarkSection.watermark("overrides.watermark", w, knownKeyIds, problems);
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
      JsonNode settings = withoutSwitch(w, path + ".watermark", problems);
      if (settings != null) {
        WatermarkSpec s = WatermarkSection.watermark(path + ".watermark", settings, keys, problems);
        watermark = switchedOff(w) ? null : s;
      }
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
