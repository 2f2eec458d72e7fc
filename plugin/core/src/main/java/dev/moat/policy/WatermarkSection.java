package dev.moat.policy;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.missing;
import static dev.moat.policy.PolicyFields.checkFields;
import static dev.moat.policy.PolicyFields.number;
import static dev.moat.policy.PolicyFields.shortText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.internal.Messages;
import dev.moat.watermark.GroupKeyed;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@code watermark} setting of a tier or a request override, per scheme ({@code kgw}, {@code
 * kgw-hf}, {@code gumbel}): each setting checked with its path, the key checked against the keys
 * held.
 *
 * <p>Stateless and thread-safe.
 */
final class WatermarkSection {
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
          "self_hash_candidates",
          "group_keys");

  private WatermarkSection() {}

  /** Settings each scheme accepts, in the order messages list them. */
  private static final java.util.Map<String, List<String>> SCHEMES =
      java.util.Map.of(
          "kgw", KGW,
          "kgw-hf",
              List.of(
                  "scheme", "key", "gamma", "delta", "vocab_size", "cache_entries", "group_keys"),
          "gumbel",
              List.of("scheme", "key", "context_width", "dedup", "dedup_history", "group_keys"));

  static @Nullable WatermarkSpec watermark(
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
    boolean groupKeys = false;
    JsonNode groupKeysNode = node.get("group_keys");
    if (groupKeysNode != null) {
      if (!groupKeysNode.isBoolean()) {
        problems.add(invalid(path + ".group_keys", shortText(groupKeysNode), "true or false"));
      } else if (groupKeysNode.asBoolean() && global) {
        problems.add(
            invalid(
                path + ".group_keys",
                "true",
                "false when dedup is global (its table of keyed contexts belongs to one key)"));
      } else {
        groupKeys = groupKeysNode.asBoolean();
      }
    }
    if (problems.size() != before || keyId == null) {
      return null;
    }
    WatermarkSpec spec =
        spec(
            scheme,
            keyId,
            gamma,
            delta,
            width,
            vocab,
            cache,
            entropy,
            dedup,
            global,
            history,
            selfHash,
            candidates);
    return groupKeys ? new GroupKeyed(spec) : spec;
  }

  private static WatermarkSpec spec(
      String scheme,
      String keyId,
      double gamma,
      double delta,
      double width,
      double vocab,
      double cache,
      double entropy,
      boolean dedup,
      boolean global,
      double history,
      boolean selfHash,
      double candidates) {
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
}
