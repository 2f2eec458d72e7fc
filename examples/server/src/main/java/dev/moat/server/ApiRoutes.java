package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.Serving;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import dev.moat.enforce.Admission;
import dev.moat.enforce.Level;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The API port's routes, OpenAI-compatible: {@code POST /v1/completions} and {@code POST
 * /v1/chat/completions} (the body read, parsed into a {@link CompletionRequest}, checked against
 * the model's context, scored, admitted and begun through the serving facade, then handed to a
 * {@link Generation}), {@code GET /v1/models} and {@code /health}; every refusal an OpenAI-shaped
 * error.
 *
 * <p>Thread-safe: routes run on Undertow's I/O threads, request handling on the server's workers;
 * the only state of its own is the concurrent set of accounts already counted as flagged.
 */
final class ApiRoutes {
  private final ModelServer server;
  private final ApiKeys keys;
  private final Serving serving;
  private final Set<String> flaggedAccounts = ConcurrentHashMap.newKeySet();

  ApiRoutes(ModelServer server, ApiKeys keys, Serving serving) {
    this.server = server;
    this.keys = keys;
    this.serving = serving;
  }

  /** The API port's handler. */
  void route(HttpServerExchange ex) {
    String path = ex.getRequestPath();
    try {
      switch (path) {
        case "/v1/completions" -> post(ex, false);
        case "/v1/chat/completions" -> post(ex, true);
        case "/v1/models" -> models(ex);
        case "/health" ->
            Replies.json(ex, 200, JsonNodeFactory.instance.objectNode().put("status", "ok"));
        default ->
            Replies.error(
                ex,
                new ApiError(
                    404,
                    "invalid_request_error",
                    null,
                    "unknown_url",
                    "Unknown request URL: "
                        + ex.getRequestMethod()
                        + " "
                        + CompletionRequest.shortText(path)
                        + ". This server has /v1/completions, /v1/chat/completions and /v1/models."));
      }
    } catch (ApiError e) {
      Replies.error(ex, e);
    }
  }

  private void models(HttpServerExchange ex) {
    if (!ex.getRequestMethod().equals(Methods.GET)) {
      throw Replies.methodNotAllowed(ex, "GET");
    }
    if (authenticate(ex) == null) {
      throw ApiError.unauthorized();
    }
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("object", "list");
    ObjectNode m = r.putArray("data").addObject();
    m.put("id", server.model().id());
    m.put("object", "model");
    m.put("created", 1_764_000_000L);
    m.put("owned_by", "moat");
    Replies.json(ex, 200, r);
  }

  private ApiKeys.@Nullable Account authenticate(HttpServerExchange ex) {
    String h = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return keys.lookup(h.substring(7).trim());
  }

  private void post(HttpServerExchange ex, boolean chat) {
    if (!ex.getRequestMethod().equals(Methods.POST)) {
      throw Replies.methodNotAllowed(ex, "POST");
    }
    ApiKeys.Account account = authenticate(ex);
    if (account == null) {
      throw ApiError.unauthorized();
    }
    long len = ex.getRequestContentLength();
    if (len > ModelServer.MAX_BODY) {
      throw Replies.tooLarge(len);
    }
    ex.setMaxEntitySize(ModelServer.MAX_BODY);
    ex.getRequestReceiver()
        .receiveFullBytes(
            (e, body) ->
                e.dispatch(
                    SameThreadExecutor.INSTANCE,
                    () -> server.workers().execute(() -> handle(e, body, chat, account))),
            (e, err) -> Replies.error(e, Replies.tooLarge(-1)));
  }

  /** Parses, checks, scores and admits a request, then starts its generation (on a worker). */
  private void handle(HttpServerExchange ex, byte[] body, boolean chat, ApiKeys.Account account) {
    try {
      JsonNode root;
      try {
        root = ModelServer.MAPPER.readTree(body);
      } catch (IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        throw ApiError.invalid(
            null,
            "We could not parse the JSON body of your request ("
                + CompletionRequest.shortText(m)
                + "). The body must be UTF-8 JSON.");
      }
      ServedModel model = server.model();
      int vocab = model.vocabSize();
      CompletionRequest req = CompletionRequest.parse(root, chat, model);
      int[] ids = model.promptIds(req.prompt, chat);
      int context = model.maxPositions();
      String promptParam = chat ? "messages" : "prompt";
      if (ids.length == 0) {
        throw ApiError.invalid(
            promptParam, "The prompt is empty and this model adds no BOS token.");
      }
      if (ids.length >= context) {
        throw ApiError.invalid(
            promptParam,
            "This model's maximum context length is "
                + context
                + " tokens; the prompt is "
                + ids.length
                + " tokens.");
      }
      int maxTokens = req.maxTokens;
      if (ids.length + maxTokens > context) {
        if (req.maxTokensGiven) {
          throw ApiError.invalid(
              "max_tokens",
              "This model's maximum context length is "
                  + context
                  + " tokens. However, you requested "
                  + (ids.length + maxTokens)
                  + " tokens ("
                  + ids.length
                  + " in the prompt, "
                  + maxTokens
                  + " in the completion).");
        }
        maxTokens = context - ids.length;
      }
      String client = fingerprint(ex);
      TraceRecord record =
          new TraceRecord(
              System.currentTimeMillis(),
              account.account(),
              account.created(),
              account.tier(),
              client,
              null,
              -1,
              null,
              req.prompt,
              maxTokens,
              req.temperature,
              Math.max(0, req.logprobs),
              0);
      SamplingParams sampling =
          SamplingParams.builder()
              .temperature(req.temperature)
              .topP(req.topP)
              .seed(
                  req.seed != null
                      ? req.seed
                      : java.util.concurrent.ThreadLocalRandom.current().nextLong())
              .maxTokens(maxTokens)
              .build();
      RequestContext.Builder ctx =
          RequestContext.builder()
              .account(account.account())
              .tier(account.tier())
              .vocabSize(vocab)
              .requestId((chat ? "chatcmpl-" : "cmpl-") + server.nextId())
              .session(req.user)
              .client(client)
              .prompt(req.prompt, ids)
              .specialTokens(model.eosTokenIds())
              .sampling(sampling);
      server.recentPrompts().add(account.account(), req.prompt);
      if (!server.moatEnabled()) {
        noteVerdict(server.detector().begin(record).verdict(), account);
        start(
            generation(
                ex,
                req,
                account,
                ids,
                null,
                new dev.moat.sampling.Sampler(sampling, vocab),
                maxTokens));
        return;
      }
      int requested = maxTokens;
      ServerMetrics metrics = server.metrics();
      // Scored, admitted and begun by the serving facade, which also has the request follow its
      // account's verdict (re-read every N tokens inside accept, the level raised at once).
      var unused =
          serving
              .start(record, ctx)
              .whenComplete(
                  (s, err) -> {
                    if (err != null) {
                      server.log().warn("request start failed: {}", err.toString());
                      Replies.error(
                          ex, new ApiError(500, "server_error", null, null, "Admission failed."));
                      return;
                    }
                    Verdict v = s.verdict();
                    if (v != null) {
                      noteVerdict(v, account);
                    }
                    Admission a = s.admission();
                    if (!s.admitted()) {
                      metrics.shaped(account.tier(), "reject");
                      metrics.request(account.tier(), a.level(), "rejected");
                      long wait = Math.max(1, (a.waitNanos() + 999_999_999L) / 1_000_000_000L);
                      Replies.error(
                          ex,
                          new ApiError(
                              429,
                              "rate_limit_error",
                              null,
                              "rate_limit_exceeded",
                              "Rate limited: " + a.reason() + ". Retry after " + wait + " s.",
                              wait));
                      return;
                    }
                    if (a.maxTokens() < requested) {
                      metrics.shaped(account.tier(), "cap");
                    }
                    MoatRequest r = s.request();
                    server.workers().execute(() -> begin(ex, req, account, ids, r, a));
                  });
    } catch (ApiError e) {
      Replies.error(ex, e);
    } catch (RuntimeException e) {
      server.log().warn("request failed: {}", e.toString());
      Replies.error(ex, new ApiError(500, "server_error", null, null, "The request failed."));
    }
  }

  /**
   * An admitted request, on a worker: refused if its level refuses {@code logit_bias}, else its
   * generation started at the level's settings.
   */
  private void begin(
      HttpServerExchange ex,
      CompletionRequest req,
      ApiKeys.Account account,
      int[] ids,
      MoatRequest r,
      Admission a) {
    try {
      if (!req.logitBias.isEmpty() && r.level().logitBias() == Level.LogitBias.REFUSE) {
        r.finish(FinishReason.CANCELLED);
        r.close();
        throw ApiError.invalid("logit_bias", "`logit_bias` is not available to this account now.");
      }
      if (r.level().pacingTokensPerSecond() > 0) {
        server.metrics().shaped(account.tier(), "pace");
      }
      start(generation(ex, req, account, ids, r, null, a.maxTokens()));
    } catch (ApiError e) {
      Replies.error(ex, e);
    } catch (RuntimeException e) {
      r.finish(FinishReason.ERROR);
      r.close();
      server.log().warn("request start failed: {}", e.toString());
      Replies.error(ex, new ApiError(500, "server_error", null, null, "Generation failed."));
    }
  }

  /** A generation whose tokens go to the HTTP reply. */
  private Generation generation(
      HttpServerExchange ex,
      CompletionRequest req,
      ApiKeys.Account account,
      int[] ids,
      @Nullable MoatRequest moat,
      dev.moat.sampling.@Nullable Sampler plain,
      int maxTokens) {
    return new Generation(
        server,
        (req.chat ? "chatcmpl-" : "cmpl-") + server.nextId(),
        account.account(),
        account.tier(),
        req.stream,
        ids,
        moat,
        plain,
        maxTokens,
        req.ignoreEos,
        req.logitBias,
        g -> new HttpReply(g, ex, req, moat, server.text(), maxTokens, server.model().vocabSize()));
  }

  /** Into the live set, then the first step. */
  private void start(Generation g) {
    server.live().put(g.id, g);
    g.start();
  }

  /** Counts an account's first flag. */
  private void noteVerdict(Verdict v, ApiKeys.Account account) {
    if (v.flagged() && flaggedAccounts.add(account.account())) {
      server.metrics().flagged(account.tier());
    }
  }

  /**
   * The client's network fingerprint: its /24 (IPv4) or /48 (IPv6) network. Behind a proxy on this
   * machine (a loopback peer), the first {@code X-Forwarded-For} address counts instead.
   */
  static String fingerprint(HttpServerExchange ex) {
    InetSocketAddress peer = ex.getSourceAddress();
    String ip = peer == null ? "unknown" : peer.getAddress().getHostAddress();
    String fwd = ex.getRequestHeaders().getFirst("X-Forwarded-For");
    if (fwd != null && peer != null && peer.getAddress().isLoopbackAddress()) {
      ip = fwd.split(",", 0)[0].trim();
    }
    int dot = ip.lastIndexOf('.');
    if (ip.indexOf(':') < 0 && dot > 0) {
      return ip.substring(0, dot) + ".0/24";
    }
    String[] parts = ip.split(":", 0);
    return parts.length >= 3 ? parts[0] + ":" + parts[1] + ":" + parts[2] + "::/48" : ip;
  }
}
