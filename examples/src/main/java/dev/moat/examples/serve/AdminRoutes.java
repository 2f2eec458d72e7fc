package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.Moat;
import dev.moat.detect.Detector;
import dev.moat.detect.Verdict;
import dev.moat.enforce.Budget;
import dev.moat.enforce.Level;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.TierPolicy;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The admin port's routes: the web console ({@code /} and {@code /console}) and Prometheus {@code
 * /metrics} without a key; behind the admin key, {@code /admin/sessions}, {@code /admin/groups},
 * {@code /admin/policy}, {@code POST /admin/policy/reload}, {@code /admin/accounts/{account}} and
 * {@code POST /admin/watermark/check} (rate limited: an oracle for removal attacks must be slow).
 * No route ever shows key material or API keys.
 *
 * <p>Thread-safe: routes run on Undertow's I/O thread, reloads and checks on the server's workers;
 * its own state is the check's rate limit (a Bucket4j bucket) and the console page, read once.
 */
final class AdminRoutes {
  private static volatile @Nullable String consoleHtml;

  private final ModelServer server;
  private final ApiKeys keys;
  private final String adminKey;
  private final WatermarkKeys watermarkKeys;
  private final Bucket checkLimit =
      Bucket.builder()
          .addLimit(
              Bandwidth.builder().capacity(10).refillGreedy(10, Duration.ofMinutes(1)).build())
          .build();

  AdminRoutes(ModelServer server, ApiKeys keys, String adminKey, WatermarkKeys watermarkKeys) {
    this.server = server;
    this.keys = keys;
    this.adminKey = adminKey;
    this.watermarkKeys = watermarkKeys;
  }

  /** The admin port's handler. */
  void route(HttpServerExchange ex) {
    String path = ex.getRequestPath();
    try {
      if (path.equals("/") || path.equals("/console")) {
        Replies.send(ex, 200, "text/html", console(), 0);
        return;
      }
      if (path.equals("/metrics")) {
        Replies.send(ex, 200, "text/plain; version=0.0.4", server.metrics().scrape(), 0);
        return;
      }
      String h = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
      if (h == null
          || !java.security.MessageDigest.isEqual(
              h.getBytes(StandardCharsets.UTF_8),
              ("Bearer " + adminKey).getBytes(StandardCharsets.UTF_8))) {
        throw new ApiError(
            401,
            "invalid_request_error",
            null,
            "invalid_admin_key",
            "The admin key is missing or wrong.");
      }
      if (path.equals("/admin/sessions")) {
        Replies.json(ex, 200, sessions());
      } else if (path.equals("/admin/groups")) {
        Replies.json(ex, 200, groups());
      } else if (path.equals("/admin/policy")) {
        Replies.json(ex, 200, policyView());
      } else if (path.equals("/admin/policy/reload")) {
        if (!ex.getRequestMethod().equals(Methods.POST)) {
          throw Replies.methodNotAllowed(ex, "POST");
        }
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> server.workers().execute(() -> reload(ex)));
      } else if (path.startsWith("/admin/accounts/")) {
        Replies.json(ex, 200, accountView(path.substring("/admin/accounts/".length())));
      } else if (path.equals("/admin/watermark/check")) {
        if (!ex.getRequestMethod().equals(Methods.POST)) {
          throw Replies.methodNotAllowed(ex, "POST");
        }
        if (!checkLimit.tryConsume(1)) {
          throw new ApiError(
              429,
              "rate_limit_error",
              null,
              "rate_limit_exceeded",
              "The watermark check allows 10 texts a minute (an oracle for removal attacks must be slow).",
              6);
        }
        ex.getRequestReceiver()
            .receiveFullBytes(
                (e, body) ->
                    e.dispatch(
                        SameThreadExecutor.INSTANCE,
                        () -> server.workers().execute(() -> check(e, body))),
                (e, err) -> Replies.error(e, Replies.tooLarge(-1)));
      } else {
        throw new ApiError(
            404,
            "invalid_request_error",
            null,
            "unknown_url",
            "Unknown admin URL " + CompletionRequest.shortText(path) + ".");
      }
    } catch (ApiError e) {
      Replies.error(ex, e);
    }
  }

  private void reload(HttpServerExchange ex) {
    try {
      Policy p = server.moat().reloadPolicy();
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      r.put("reloaded", true);
      ArrayNode t = r.putArray("tiers");
      p.tierNames().forEach(t::add);
      Replies.json(ex, 200, r);
    } catch (PolicyException e) {
      ObjectNode r =
          new ApiError(
                  400,
                  "invalid_request_error",
                  "policy",
                  "invalid_policy",
                  "The policy file is invalid; the policy in force is unchanged.")
              .toJson();
      ArrayNode problems = ((ObjectNode) r.get("error")).putArray("problems");
      e.problems().forEach(problems::add);
      Replies.json(ex, 400, r);
    } catch (IOException | RuntimeException e) {
      Replies.error(
          ex,
          new ApiError(
              400,
              "invalid_request_error",
              "policy",
              "invalid_policy",
              "The policy file could not be read ("
                  + e.getClass().getSimpleName()
                  + "); the policy in force is unchanged."));
    }
  }

  private ArrayNode sessions() {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Generation g : server.live().values()) {
      ObjectNode s = a.addObject();
      s.put("id", g.id);
      s.put("account", g.account());
      s.put("tier", g.tier());
      s.put("level", g.level());
      s.put("tokens", g.tokens());
      s.put("stream", g.streaming());
    }
    return a;
  }

  private ArrayNode groups() {
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

  private ObjectNode accountView(String account) {
    Moat moat = server.moat();
    Detector detector = server.detector();
    ApiKeys.Account a = keys.account(account);
    Verdict v = detector.verdict(account);
    if (a == null && v == null) {
      throw new ApiError(
          404,
          "invalid_request_error",
          "account",
          "unknown_account",
          "No account '" + CompletionRequest.shortText(account) + "' is known.");
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
    if (v != null) {
      ArrayNode reasons = r.putArray("reasons");
      v.reasons().forEach(reasons::add);
    }
    return r;
  }

  /**
   * Per tier, which protections are on and with what: the watermark (scheme, parameters, the key's
   * id only), the budget, the escalation ladder; and the levels. Never key material.
   */
  private ObjectNode policyView() {
    Policy p = server.moat().policy();
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    ArrayNode tiers = r.putArray("tiers");
    for (String name : p.tierNames()) {
      TierPolicy t = p.tier(name);
      ObjectNode o = tiers.addObject();
      o.put("name", name);
      WatermarkSpec w = t.watermark().orElse(null);
      o.put("watermark", w != null);
      if (w != null) {
        o.put("watermark_detail", w.toString());
      }
      Budget b = p.enforcement().budgets().get(name);
      o.put("budget", b != null && !b.unlimited());
      if (b != null && !b.unlimited()) {
        o.put(
            "budget_detail",
            String.format(
                java.util.Locale.ROOT,
                "%s req/min, %s tokens/min, %s tokens/day, %s streams",
                limit(b.requestsPerMinute()),
                limit(b.tokensPerMinute()),
                limit(b.tokensPerDay()),
                limit(b.concurrentStreams())));
      }
      var ladder = p.enforcement().escalation(name);
      String ls = ladder.toString();
      boolean on = ladder.level(1.0, true) > 0;
      o.put("escalation", on);
      if (on) {
        o.put("escalation_detail", ls);
      }
      o.put("overridable", String.join(",", t.overridable()));
    }
    ArrayNode levels = r.putArray("levels");
    p.enforcement().levels().values().stream()
        .sorted(java.util.Comparator.comparingInt(Level::id))
        .forEach(l -> levels.add(l.toString()));
    return r;
  }

  private static String limit(long v) {
    return v == 0 ? "∞" : Long.toString(v);
  }

  private void check(HttpServerExchange ex, byte[] body) {
    try {
      JsonNode root;
      try {
        root = ModelServer.MAPPER.readTree(body);
      } catch (IOException e) {
        throw ApiError.invalid(null, "The body must be JSON: {\"text\": \"...\"}.");
      }
      JsonNode t = root == null ? null : root.get("text");
      if (t == null || !t.isTextual() || t.asText().isBlank()) {
        throw ApiError.invalid("text", "`text` is required: the text to check.");
      }
      int[] ids = server.text().encode(t.asText());
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      r.put("tokens", ids.length);
      ArrayNode results = r.putArray("results");
      Map<String, Boolean> seen = new TreeMap<>();
      Policy p = server.moat().policy();
      for (String name : p.tierNames()) {
        WatermarkSpec w = p.tier(name).watermark().orElse(null);
        if (w == null || seen.put(w.toString(), true) != null) {
          continue;
        }
        WatermarkKey key = watermarkKeys.get(w.keyId()).orElse(null);
        if (key == null) {
          continue;
        }
        DetectionResult d = w.detector(key).detect(ids, 0, true);
        ObjectNode o = results.addObject();
        o.put("tier", name);
        o.put("scheme", d.scheme());
        o.put("key_id", d.keyId());
        o.put("tokens_scored", d.tokensScored());
        o.put("z", d.zScore());
        o.put("p_value", d.pValue());
        o.put("watermarked", d.isWatermarked(1e-3));
      }
      Replies.json(ex, 200, r);
    } catch (ApiError e) {
      Replies.error(ex, e);
    }
  }

  /** The console page from the classpath (read once), or a page saying it is missing. */
  private static String console() {
    String c = consoleHtml;
    if (c == null) {
      try (InputStream in = ModelServer.class.getResourceAsStream("console.html")) {
        c = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException | NullPointerException e) {
        c = "<!doctype html><title>Moat</title><p>console.html is missing from the classpath</p>";
      }
      consoleHtml = c;
    }
    return c;
  }
}
