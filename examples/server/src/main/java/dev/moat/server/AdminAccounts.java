package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.Moat;
import dev.moat.detect.AccountPin;
import dev.moat.detect.Detector;
import dev.moat.detect.Suspicion;
import dev.moat.detect.Verdict;
import dev.moat.enforce.Budget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The admin port's accounts and groups: search accounts, one account's detector level, reasons,
 * pin, budget and recent prompts (truncated), the flagged groups and one group's members; and, for
 * admin keys, clearing an account or a whole group ({@link Detector#clear}), and pinning an account
 * at a level for a while or unpinning it ({@link Detector#pin}), each audited.
 *
 * <p>Thread-safe: it reads the detector, Moat and the key file, which are.
 */
final class AdminAccounts {
  static final int SEARCH_LIMIT = 50;
  static final int GROUP_LIMIT = 500;

  /** A pin's default and longest duration, in hours (the detector's bound: 90 days). */
  static final double PIN_HOURS = 168;

  static final double PIN_MAX_HOURS = dev.moat.detect.AccountPin.MAX_DURATION.toHours();

  private final ModelServer server;
  private final ApiKeys keys;
  private final AuditTrail audit;

  AdminAccounts(ModelServer server, ApiKeys keys, AuditTrail audit) {
    this.server = server;
    this.keys = keys;
    this.audit = audit;
  }

  /** Accounts whose name contains {@code q} (case-insensitive), known by key or by the detector. */
  ArrayNode search(String q) {
    String needle = q.toLowerCase(java.util.Locale.ROOT);
    TreeSet<String> names = new TreeSet<>();
    keys.accounts().forEach(a -> names.add(a.account()));
    server.detector().verdicts().forEach(v -> names.add(v.account()));
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (String name : names) {
      if (a.size() == SEARCH_LIMIT) {
        break;
      }
      if (name.toLowerCase(java.util.Locale.ROOT).contains(needle)) {
        Verdict v = server.detector().verdict(name);
        ApiKeys.Account k = keys.account(name);
        ObjectNode o = a.addObject();
        o.put("account", name);
        o.put("tier", k == null ? "" : k.tier());
        o.put("detection_level", v == null ? "none" : v.level().wire());
        o.put("requests", v == null ? 0 : v.requests());
      }
    }
    return a;
  }

  /** The flagged groups: size, requests, a sample of members, the first member's reasons. */
  ArrayNode groups() {
    Map<String, List<Verdict>> by = new TreeMap<>();
    server
        .detector()
        .verdicts()
        .filter(v -> v.flagged() && v.group() != null)
        .forEach(v -> by.computeIfAbsent(v.group(), k -> new ArrayList<>()).add(v));
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    by.forEach(
        (group, vs) -> {
          ObjectNode g = a.addObject();
          g.put("group", group);
          g.put("accounts", vs.size());
          ArrayNode sample = g.putArray("sample");
          vs.stream().limit(10).forEach(v -> sample.add(v.account()));
          g.put("requests", vs.stream().mapToLong(Verdict::requests).sum());
          ArrayNode reasons = g.putArray("reasons");
          vs.get(0).reasons().forEach(reasons::add);
        });
    return a;
  }

  /** Every account the detector linked to {@code group} (flagged or not), up to a limit. */
  ObjectNode group(String group) {
    List<Verdict> members =
        server.detector().verdicts().filter(v -> group.equals(v.group())).toList();
    if (members.isEmpty()) {
      throw new ApiError(
          404,
          "invalid_request_error",
          "group",
          "unknown_group",
          "No account is linked to group '" + CompletionRequest.shortText(group) + "'.");
    }
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("group", group);
    r.put("accounts", members.size());
    ArrayNode m = r.putArray("members");
    members.stream()
        .sorted(java.util.Comparator.comparing(Verdict::account))
        .limit(GROUP_LIMIT)
        .forEach(
            v -> {
              ObjectNode o = m.addObject();
              o.put("account", v.account());
              o.put("detection_level", v.level().wire());
              o.put("requests", v.requests());
            });
    return r;
  }

  /** One account: tier, detector level, reasons, escalation level, budget, prompts, sessions. */
  ObjectNode account(String account) {
    Moat moat = server.moat();
    Detector detector = server.detector();
    ApiKeys.Account a = keys.account(account);
    Verdict v = detector.verdict(account);
    if (a == null && v == null) {
      throw unknown(account);
    }
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("account", account);
    String tier = a != null ? a.tier() : "";
    r.put("tier", tier);
    r.put("score", v == null ? 0 : v.score());
    r.put("flagged", v != null && v.flagged());
    r.put("detection_level", v == null ? "none" : v.level().wire());
    if (v != null && v.group() != null) {
      r.put("group", v.group());
    }
    r.put("requests", v == null ? 0 : v.requests());
    if (!tier.isEmpty()) {
      var ladder = moat.policy().enforcement().escalation(tier);
      r.put(
          "level",
          ladder.level(
              v == null ? 0 : v.escalationScore(), v != null && v.flagged() && v.group() != null));
      Budget b = moat.policy().enforcement().budgets().getOrDefault(tier, Budget.UNLIMITED);
      ObjectNode bj = r.putObject("budget");
      bj.put("requests_per_minute", b.requestsPerMinute());
      bj.put("tokens_per_minute", b.tokensPerMinute());
      bj.put("tokens_per_day", b.tokensPerDay());
      bj.put("concurrent_streams", b.concurrentStreams());
    }
    ArrayNode s = r.putArray("live_sessions");
    server.live().values().stream()
        .filter(g -> g.account().equals(account))
        .forEach(g -> s.add(g.id));
    ArrayNode reasons = r.putArray("reasons");
    if (v != null) {
      v.reasons().forEach(reasons::add);
    }
    AccountPin pin = detector.pinned(account);
    if (pin != null) {
      r.set("pin", pinJson(pin));
    }
    ArrayNode prompts = r.putArray("recent_prompts");
    server.recentPrompts().of(account).forEach(prompts::add);
    return r;
  }

  /** Clears an account's detector level (admin), audited with its level before and after. */
  ObjectNode clear(ApiKeys.Operator who, String account, JsonNode body) {
    String reason = reason(body);
    Verdict v = server.detector().verdict(account);
    if (v == null) {
      throw keys.account(account) == null
          ? unknown(account)
          : new ApiError(
              409,
              "invalid_request_error",
              "account",
              "nothing_to_clear",
              "The detector holds nothing for '"
                  + CompletionRequest.shortText(account)
                  + "' (no request seen since start): nothing to clear.");
    }
    server.detector().clear(account, who.name(), reason);
    Verdict now = server.detector().verdict(account);
    ObjectNode before = JsonNodeFactory.instance.objectNode().put("level", v.level().wire());
    ObjectNode after =
        JsonNodeFactory.instance
            .objectNode()
            .put("level", now == null ? "none" : now.level().wire())
            .put("reason", reason);
    return audited(who, "account.clear", account, before, after);
  }

  /** Records an account's change in the audit trail; the answer: account, before and after. */
  private ObjectNode audited(
      ApiKeys.Operator who, String action, String account, ObjectNode before, ObjectNode after) {
    audit.record(who.name(), action, account, before, after);
    return JsonNodeFactory.instance
        .objectNode()
        .put("account", account)
        .<ObjectNode>set("before", before)
        .set("after", after);
  }

  /** Clears every account of a group (admin), audited once with the number cleared. */
  ObjectNode clearGroup(ApiKeys.Operator who, String group, JsonNode body) {
    String reason = reason(body);
    ObjectNode r = group(group); // 404 if no member
    int n = server.detector().clearGroup(group, who.name(), reason);
    ObjectNode before =
        JsonNodeFactory.instance.objectNode().put("accounts", r.get("accounts").asInt());
    ObjectNode after =
        JsonNodeFactory.instance.objectNode().put("cleared", n).put("reason", reason);
    audit.record(who.name(), "group.clear", group, before, after);
    return JsonNodeFactory.instance.objectNode().put("group", group).put("cleared", n);
  }

  /**
   * Pins an account (admin): body {@code level} (none, watch or flag), {@code hours} (default 168,
   * at most 2160) and {@code reason}; audited with the level and pin before and after.
   */
  ObjectNode pin(ApiKeys.Operator who, String account, JsonNode body) {
    String reason = reason(body);
    JsonNode l = body.get("level");
    Suspicion level;
    try {
      level = Suspicion.of(l == null || !l.isTextual() ? String.valueOf(l) : l.asText());
    } catch (IllegalArgumentException e) {
      throw ApiError.invalid("level", e.getMessage() + " (the level the account is pinned at)");
    }
    JsonNode h = body.get("hours");
    double hours = h == null ? PIN_HOURS : h.isNumber() ? h.asDouble() : Double.NaN;
    if (!(hours >= 1 && hours <= PIN_MAX_HOURS)) {
      throw ApiError.invalid(
          "hours",
          "`hours` was '"
              + CompletionRequest.shortText(String.valueOf(h))
              + "' but it must be a number from 1 to "
              + (long) PIN_MAX_HOURS
              + " (90 days); without it, "
              + (long) PIN_HOURS
              + " (7 days)");
    }
    known(account);
    ObjectNode before = state(account);
    AccountPin pin =
        server
            .detector()
            .pin(
                account,
                level,
                java.time.Duration.ofMillis(Math.round(hours * 3_600_000)),
                who.name(),
                reason);
    ObjectNode after = state(account).put("reason", reason);
    after.set("pin", pinJson(pin));
    return audited(who, "account.pin", account, before, after);
  }

  /** Removes an account's pin (admin), audited; 409 if it has none in force. */
  ObjectNode unpin(ApiKeys.Operator who, String account, JsonNode body) {
    String reason = reason(body);
    known(account);
    ObjectNode before = state(account);
    if (server.detector().unpin(account, who.name(), reason) == null) {
      throw new ApiError(
          409,
          "invalid_request_error",
          "account",
          "not_pinned",
          "'" + CompletionRequest.shortText(account) + "' is not pinned: nothing to unpin.");
    }
    ObjectNode after = state(account).put("reason", reason);
    return audited(who, "account.unpin", account, before, after);
  }

  /** 404 unless the keys file or the detector knows the account. */
  private void known(String account) {
    if (keys.account(account) == null && server.detector().verdict(account) == null) {
      throw unknown(account);
    }
  }

  /** The account's detector level and pin now, for an audit record's before and after. */
  private ObjectNode state(String account) {
    Verdict v = server.detector().verdict(account);
    AccountPin pin = server.detector().pinned(account);
    ObjectNode o =
        JsonNodeFactory.instance.objectNode().put("level", v == null ? "none" : v.level().wire());
    if (pin != null) {
      o.set("pin", pinJson(pin));
    } else {
      o.putNull("pin");
    }
    return o;
  }

  private static ObjectNode pinJson(AccountPin pin) {
    return JsonNodeFactory.instance
        .objectNode()
        .put("level", pin.level().wire())
        .put("since", java.time.Instant.ofEpochMilli(pin.at()).toString())
        .put("until", java.time.Instant.ofEpochMilli(pin.until()).toString())
        .put("reason", pin.reason());
  }

  private static String reason(JsonNode body) {
    JsonNode r = body.get("reason");
    if (r == null || !r.isTextual() || r.asText().isBlank() || r.asText().length() > 500) {
      throw ApiError.invalid(
          "reason",
          "`reason` is required: why (1 to 500 characters of text), for the audit record.");
    }
    return r.asText();
  }

  private static ApiError unknown(String account) {
    return new ApiError(
        404,
        "invalid_request_error",
        "account",
        "unknown_account",
        "No account '" + CompletionRequest.shortText(account) + "' is known.");
  }
}
