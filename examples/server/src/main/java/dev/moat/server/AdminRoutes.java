package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
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
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The admin port's routes: the web console ({@code /} and {@code /console}) and Prometheus {@code
 * /metrics} without a key; behind an admin-port key (the server's admin key, or a {@code console}
 * key of the keys file, {@code admin} or {@code read-only}): {@code /admin/sessions}, {@code
 * /admin/groups}, {@code /admin/groups/{group}} (members), {@code /admin/status} (fleet mode's
 * Redis: degraded or not), {@code /admin/metrics/history} (the charts' last ten minutes, {@link
 * ChartHistory}), {@code /admin/policy} (in force), {@code /admin/policy/file} (editable settings
 * and the file's version), {@code /admin/accounts?q=} (search), {@code /admin/accounts/{account}},
 * {@code /admin/audit} and {@code POST /admin/watermark/check} (rate limited: an oracle for removal
 * attacks must be slow); with an {@code admin} key only (403 for a read-only one), {@code POST
 * /admin/policy/edit} ({@link PolicyEdits}), {@code POST /admin/policy/reload}, {@code POST
 * /admin/accounts/{account}/clear}, {@code POST /admin/accounts/{account}/pin} and {@code /unpin},
 * and {@code POST /admin/groups/{group}/clear}, each audited ({@link AuditTrail}). No route ever
 * shows key material or API keys. The console's scripts and styles ({@code /assets/NAME}, {@link
 * ConsoleAssets}) need no key.
 *
 * <p>Thread-safe: routes run on Undertow's I/O thread, anything that reads a file, takes a lock or
 * reads a body on the server's workers; its own state is the check's rate limit (a Bucket4j
 * bucket), the audit ring and the console page, read once.
 */
final class AdminRoutes {
  private static volatile @Nullable String consoleHtml;

  /** The server's own admin key ({@code --admin-key}): named {@code admin} in audit records. */
  private static final ApiKeys.Operator SERVER_ADMIN =
      new ApiKeys.Operator("admin", ApiKeys.Role.ADMIN);

  /** Audit records the console's view lists (the ring holds more). */
  private static final int AUDIT_SHOWN = 200;

  private final ModelServer server;
  private final ApiKeys keys;
  private final AuditTrail audit;
  private final PolicyEdits edits;
  private final AdminAccounts accounts;
  private final String adminKey;
  private final WatermarkKeys watermarkKeys;
  private final Bucket checkLimit =
      Bucket.builder()
          .addLimit(
              Bandwidth.builder().capacity(10).refillGreedy(10, Duration.ofMinutes(1)).build())
          .build();

  AdminRoutes(
      ModelServer server,
      ApiKeys keys,
      String adminKey,
      WatermarkKeys watermarkKeys,
      java.nio.file.Path policyFile) {
    this.server = server;
    this.keys = keys;
    this.audit = new AuditTrail(1000, java.time.Clock.systemUTC());
    this.edits = new PolicyEdits(server.moat(), server.detector(), policyFile, audit);
    this.accounts = new AdminAccounts(server, keys, audit);
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
      if (path.startsWith("/assets/")) {
        asset(ex, path.substring("/assets/".length()));
        return;
      }
      ApiKeys.Operator who = operator(ex);
      boolean post = ex.getRequestMethod().equals(Methods.POST);
      if (post && !path.equals("/admin/watermark/check") && who.role() != ApiKeys.Role.ADMIN) {
        throw new ApiError(
            403,
            "invalid_request_error",
            null,
            "read_only_key",
            "The key '" + who.name() + "' is read-only; changes need an admin key.");
      }
      if (path.equals("/admin/sessions")) {
        Replies.json(ex, 200, AdminViews.sessions(server));
      } else if (path.equals("/admin/status")) {
        Replies.json(ex, 200, AdminViews.status(server));
      } else if (path.equals("/admin/metrics/history")) {
        onWorker(ex, () -> Replies.json(ex, 200, server.charts().json()));
      } else if (path.equals("/admin/groups")) {
        Replies.json(ex, 200, accounts.groups());
      } else if (path.equals("/admin/policy")) {
        Replies.json(ex, 200, AdminViews.policy(server.moat().policy()));
      } else if (path.equals("/admin/policy/file")) {
        onWorker(ex, () -> Replies.json(ex, 200, edits.view()));
      } else if (path.equals("/admin/policy/edit")) {
        withBody(ex, (e, body) -> Replies.json(e, 200, edits.apply(who, body)));
      } else if (path.equals("/admin/policy/reload")) {
        requirePost(ex);
        onWorker(ex, () -> reload(ex, who));
      } else if (path.equals("/admin/audit")) {
        Replies.json(ex, 200, audit.recent(AUDIT_SHOWN));
      } else if (path.equals("/admin/accounts")) {
        String q = ex.getQueryParameters().getOrDefault("q", new java.util.ArrayDeque<>()).peek();
        Replies.json(ex, 200, accounts.search(q == null ? "" : q));
      } else if (path.startsWith("/admin/accounts/") && path.endsWith("/clear")) {
        String a = path.substring("/admin/accounts/".length(), path.length() - "/clear".length());
        withBody(ex, (e, body) -> Replies.json(e, 200, accounts.clear(who, a, body)));
      } else if (path.startsWith("/admin/accounts/") && path.endsWith("/pin")) {
        String a = path.substring("/admin/accounts/".length(), path.length() - "/pin".length());
        withBody(ex, (e, body) -> Replies.json(e, 200, accounts.pin(who, a, body)));
      } else if (path.startsWith("/admin/accounts/") && path.endsWith("/unpin")) {
        String a = path.substring("/admin/accounts/".length(), path.length() - "/unpin".length());
        withBody(ex, (e, body) -> Replies.json(e, 200, accounts.unpin(who, a, body)));
      } else if (path.startsWith("/admin/accounts/")) {
        Replies.json(ex, 200, accounts.account(path.substring("/admin/accounts/".length())));
      } else if (path.startsWith("/admin/groups/") && path.endsWith("/clear")) {
        String g = path.substring("/admin/groups/".length(), path.length() - "/clear".length());
        withBody(ex, (e, body) -> Replies.json(e, 200, accounts.clearGroup(who, g, body)));
      } else if (path.startsWith("/admin/groups/")) {
        Replies.json(ex, 200, accounts.group(path.substring("/admin/groups/".length())));
      } else if (path.equals("/admin/watermark/check")) {
        requirePost(ex);
        if (!checkLimit.tryConsume(1)) {
          throw new ApiError(
              429,
              "rate_limit_error",
              null,
              "rate_limit_exceeded",
              "The watermark check allows 10 texts a minute (an oracle for removal attacks must be slow).",
              6);
        }
        withBody(ex, this::check);
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

  /**
   * The operator of the request's bearer key: the server's admin key ({@code admin}), or a key of
   * the keys file's {@code console} list; 401 otherwise.
   */
  private ApiKeys.Operator operator(HttpServerExchange ex) {
    String h = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (h != null
        && java.security.MessageDigest.isEqual(
            h.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + adminKey).getBytes(StandardCharsets.UTF_8))) {
      return SERVER_ADMIN;
    }
    ApiKeys.Operator o =
        h != null && h.startsWith("Bearer ")
            ? keys.operator(h.substring("Bearer ".length()))
            : null;
    if (o == null) {
      throw new ApiError(
          401,
          "invalid_request_error",
          null,
          "invalid_admin_key",
          "The admin key is missing or wrong.");
    }
    return o;
  }

  private static void requirePost(HttpServerExchange ex) {
    if (!ex.getRequestMethod().equals(Methods.POST)) {
      throw Replies.methodNotAllowed(ex, "POST");
    }
  }

  /** Work that reads files or takes locks: on the server's workers, never the I/O thread. */
  private void onWorker(HttpServerExchange ex, Action a) {
    ex.dispatch(SameThreadExecutor.INSTANCE, () -> server.workers().execute(() -> guarded(ex, a)));
  }

  /** A POST with a JSON body (an object), handled on the server's workers. */
  private void withBody(HttpServerExchange ex, BodyAction a) {
    requirePost(ex);
    ex.getRequestReceiver()
        .receiveFullBytes(
            (e, bytes) ->
                e.dispatch(
                    SameThreadExecutor.INSTANCE,
                    () ->
                        server
                            .workers()
                            .execute(
                                () ->
                                    guarded(
                                        e,
                                        () -> {
                                          JsonNode body;
                                          try {
                                            body = ModelServer.MAPPER.readTree(bytes);
                                          } catch (IOException x) {
                                            body = null;
                                          }
                                          if (body == null || !body.isObject()) {
                                            throw ApiError.invalid(
                                                null, "The body must be a JSON object.");
                                          }
                                          a.run(e, body);
                                        }))),
            (e, err) -> Replies.error(e, Replies.tooLarge(-1)));
  }

  private static void guarded(HttpServerExchange ex, Action a) {
    try {
      a.run();
    } catch (ApiError e) {
      Replies.error(ex, e);
    } catch (IOException | RuntimeException e) {
      Replies.error(
          ex,
          new ApiError(
              500,
              "server_error",
              null,
              null,
              "The admin action failed (" + e.getClass().getSimpleName() + ")."));
    }
  }

  private interface Action {
    void run() throws IOException;
  }

  private interface BodyAction {
    void run(HttpServerExchange ex, JsonNode body) throws IOException;
  }

  private void reload(HttpServerExchange ex, ApiKeys.Operator who) throws IOException {
    Policy before = server.moat().policy();
    Policy p;
    try {
      p = server.moat().reloadPolicy();
    } catch (PolicyException e) {
      throw ApiError.policy(e, "The policy file is invalid; the policy in force is unchanged.");
    } catch (IOException e) {
      throw new ApiError(
          400,
          "invalid_request_error",
          "policy",
          "invalid_policy",
          "The policy file could not be read ("
              + e.getClass().getSimpleName()
              + "); the policy in force is unchanged.");
    }
    server.detector().exemptTiers(p.detection().exemptTiers());
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("reloaded", true);
    r.put("changed", !p.equals(before));
    ArrayNode t = r.putArray("tiers");
    p.tierNames().forEach(t::add);
    audit.record(who.name(), "policy.reload", "policy", null, r);
    Replies.json(ex, 200, r);
  }

  /** A console asset ({@link ConsoleAssets}), read on a worker the first time; 404 otherwise. */
  private void asset(HttpServerExchange ex, String name) {
    String type = ConsoleAssets.type(name);
    if (type == null) {
      throw new ApiError(
          404,
          "invalid_request_error",
          null,
          "unknown_url",
          "Unknown asset " + CompletionRequest.shortText(name) + ".");
    }
    onWorker(
        ex,
        () -> {
          byte[] b = ConsoleAssets.bytes(name);
          ex.setStatusCode(200);
          ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type + "; charset=utf-8");
          ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "max-age=86400");
          ex.getResponseSender().send(java.nio.ByteBuffer.wrap(b));
        });
  }

  private void check(HttpServerExchange ex, JsonNode root) {
    try {
      JsonNode t = root.get("text");
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
