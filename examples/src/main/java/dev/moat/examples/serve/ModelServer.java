package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.Serving;
import dev.moat.detect.Detector;
import dev.moat.detect.MlpModel;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import dev.moat.detect.redis.RedisLinkStore;
import dev.moat.enforce.Admission;
import dev.moat.enforce.Budget;
import dev.moat.enforce.Level;
import dev.moat.examples.BundledText;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model server on the bundled model with Moat in its sampling loop: OpenAI-compatible {@code POST
 * /v1/completions}, {@code POST /v1/chat/completions} (streaming as server-sent events) and {@code
 * GET /v1/models} on the API port; on a separate admin port, behind an admin key, policy reload,
 * account and session inspection, flagged groups, the watermark check, Prometheus metrics and a web
 * console.
 *
 * <p>Threads: Undertow's non-blocking I/O threads read requests and write responses; a fixed pool
 * of workers (one per core) runs model steps, each generation one step at a time; one timer thread
 * holds tarpitted tokens. A stream waiting for its next token, its write, or its tarpit's hold
 * holds no thread, so hundreds of concurrent streams cost memory, not threads.
 *
 * <p>Failure: a generation error ends that request (500 before the first byte, a closed stream
 * after); the detector and Moat fail as documented in the README's failure table.
 *
 * <p>Thread-safe.
 */
public final class ModelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final int MAX_BODY = 1 << 20;

  /**
   * Bodies up to this size are read and discarded after a 413, so the client can finish sending,
   * read the answer and reuse the connection; larger ones close it.
   */
  static final long DRAIN_LIMIT = 16L << 20;

  private static final HttpString RETRY_AFTER = HttpString.tryFromString("Retry-After");

  /** How to run: ports (0 = any free one), files, the admin key, worker threads. */
  public record Options(
      String host,
      int port,
      int adminPort,
      Path policyFile,
      Path keysFile,
      WatermarkKeys watermarkKeys,
      String adminKey,
      int workers,
      @org.jspecify.annotations.Nullable Path stateFile,
      @org.jspecify.annotations.Nullable String redis) {
    /** Options with a state file, the detector's links kept in this replica. */
    public Options(
        String host,
        int port,
        int adminPort,
        Path policyFile,
        Path keysFile,
        WatermarkKeys watermarkKeys,
        String adminKey,
        int workers,
        @org.jspecify.annotations.Nullable Path stateFile) {
      this(
          host,
          port,
          adminPort,
          policyFile,
          keysFile,
          watermarkKeys,
          adminKey,
          workers,
          stateFile,
          null);
    }

    /** Options without a detector state file (the detector's state lives in memory only). */
    public Options(
        String host,
        int port,
        int adminPort,
        Path policyFile,
        Path keysFile,
        WatermarkKeys watermarkKeys,
        String adminKey,
        int workers) {
      this(
          host,
          port,
          adminPort,
          policyFile,
          keysFile,
          watermarkKeys,
          adminKey,
          workers,
          null,
          null);
    }
  }

  private final Options options;
  private final OnnxCausalLm model;
  private final BundledText text;
  private final Moat moat;
  private final Detector detector;
  private final Serving serving;
  private final @org.jspecify.annotations.Nullable RedisLinkStore links;
  private final @org.jspecify.annotations.Nullable DetectorState state;
  private final ApiKeys keys;
  private final WatermarkKeys watermarkKeys;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final ServerMetrics metrics = new ServerMetrics();
  private final Map<String, Generation> live = new ConcurrentHashMap<>();
  private final Set<String> flaggedAccounts = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final Bucket checkLimit =
      Bucket.builder()
          .addLimit(
              Bandwidth.builder().capacity(10).refillGreedy(10, Duration.ofMinutes(1)).build())
          .build();
  private final Undertow api;
  private final Undertow admin;
  private final int apiPort;
  private final int adminPort;
  private volatile boolean moatEnabled = true;

  private ModelServer(Options o) throws IOException {
    this.options = o;
    this.watermarkKeys = o.watermarkKeys();
    this.moat =
        Moat.builder()
            .policyFile(o.policyFile(), Duration.ofSeconds(2))
            .keys(o.watermarkKeys())
            .admissionQueue(10_000, 100, Duration.ofSeconds(30))
            .build();
    Policy p = moat.policy();
    try (InputStream in = java.nio.file.Files.newInputStream(o.keysFile())) {
      this.keys = ApiKeys.parse(in, o.keysFile().toString(), Set.copyOf(p.tierNames()));
    }
    Detector.Builder db = Detector.builder().model(MlpModel.bundled()).settings(p.detection());
    if (o.redis() != null) {
      // Fleet mode: every replica sees one campaign (fail-open to its own links, see the store).
      this.links = FleetLinks.connect(o.redis());
      db.linkStore(links);
      io.micrometer.core.instrument.FunctionCounter.builder(
              "moat.detector.redis.failures", links, RedisLinkStore::failures)
          .description("Detector link-store calls Redis failed (answered by this replica instead)")
          .register(metrics.registry);
    } else {
      this.links = null;
    }
    this.detector = db.build();
    this.serving = Serving.of(moat, detector);
    this.model = OnnxCausalLm.bundled(1);
    this.text = BundledText.bundled();
    this.workers =
        Executors.newFixedThreadPool(
            o.workers(),
            r -> {
              Thread t = new Thread(r, "moat-serve-worker");
              t.setDaemon(true);
              return t;
            });
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "moat-serve-tarpit");
              t.setDaemon(true);
              return t;
            });
    this.api =
        Undertow.builder()
            .addHttpListener(o.port(), o.host())
            .setIoThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, DRAIN_LIMIT)
            .setServerOption(UndertowOptions.DECODE_URL, true)
            .setHandler(this::apiRoute)
            .build();
    this.admin =
        Undertow.builder()
            .addHttpListener(o.adminPort(), o.host())
            .setIoThreads(1)
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) MAX_BODY)
            .setHandler(this::adminRoute)
            .build();
    dev.moat.enforce.AdmissionQueue q = moat.queue();
    io.micrometer.core.instrument.Gauge.builder(
            "moat.admission.queue.waiting", q, dev.moat.enforce.AdmissionQueue::size)
        .description("Requests waiting in the delay queue now")
        .register(metrics.registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "moat.admission.queue.delayed", q, dev.moat.enforce.AdmissionQueue::queued)
        .description("Requests delayed (queued) so far")
        .register(metrics.registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "moat.admission.queue.refused", q, x -> x.rejectedFull() + x.timedOut())
        .description("Requests the delay queue refused: full, or waited too long")
        .register(metrics.registry);
    io.micrometer.core.instrument.Gauge.builder("moat.sessions.live", live, Map::size)
        .description("Generations in flight")
        .register(metrics.registry);
    if (o.stateFile() != null) {
      // Before listening: no request may be observed by a detector that is about to be restored.
      this.state = new DetectorState(detector, o.stateFile());
      state.restore();
      state.schedule(timer, Duration.ofMinutes(5));
    } else {
      this.state = null;
    }
    api.start();
    admin.start();
    this.apiPort = ((InetSocketAddress) api.getListenerInfo().get(0).getAddress()).getPort();
    this.adminPort = ((InetSocketAddress) admin.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** Starts a server; it serves until {@link #close}. */
  public static ModelServer start(Options o) throws IOException {
    return new ModelServer(o);
  }

  public int port() {
    return apiPort;
  }

  public int adminPort() {
    return adminPort;
  }

  /**
   * Switches Moat off (a plain sampler at the request's settings), for side-by-side measurement.
   */
  public void setMoatEnabled(boolean on) {
    this.moatEnabled = on;
  }

  public Moat moat() {
    return moat;
  }

  /** The fleet link store in fleet mode ({@code --redis}), else null. */
  public @org.jspecify.annotations.Nullable RedisLinkStore fleetLinks() {
    return links;
  }

  public Detector detector() {
    return detector;
  }

  OnnxCausalLm model() {
    return model;
  }

  BundledText text() {
    return text;
  }

  ExecutorService workers() {
    return workers;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  Logger log() {
    return LOG;
  }

  String nextId() {
    return Long.toString(System.currentTimeMillis(), 36) + "-" + ids.incrementAndGet();
  }

  // ---------------------------------------------------------------- API port

  private void apiRoute(HttpServerExchange ex) {
    String path = ex.getRequestPath();
    try {
      switch (path) {
        case "/v1/completions" -> post(ex, false);
        case "/v1/chat/completions" -> post(ex, true);
        case "/v1/models" -> models(ex);
        case "/health" -> json(ex, 200, JsonNodeFactory.instance.objectNode().put("status", "ok"));
        default ->
            error(
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
      error(ex, e);
    }
  }

  private void models(HttpServerExchange ex) {
    if (!ex.getRequestMethod().equals(Methods.GET)) {
      throw methodNotAllowed(ex, "GET");
    }
    if (authenticate(ex) == null) {
      throw ApiError.unauthorized();
    }
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("object", "list");
    ObjectNode m = r.putArray("data").addObject();
    m.put("id", CompletionRequest.MODEL);
    m.put("object", "model");
    m.put("created", 1_764_000_000L);
    m.put("owned_by", "moat");
    json(ex, 200, r);
  }

  private static ApiError methodNotAllowed(HttpServerExchange ex, String allowed) {
    return new ApiError(
        405,
        "invalid_request_error",
        null,
        "method_not_allowed",
        "Method " + ex.getRequestMethod() + " is not allowed here; use " + allowed + ".");
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
      throw methodNotAllowed(ex, "POST");
    }
    ApiKeys.Account account = authenticate(ex);
    if (account == null) {
      throw ApiError.unauthorized();
    }
    long len = ex.getRequestContentLength();
    if (len > MAX_BODY) {
      throw tooLarge(len);
    }
    ex.setMaxEntitySize(MAX_BODY);
    ex.getRequestReceiver()
        .receiveFullBytes(
            (e, body) ->
                e.dispatch(
                    SameThreadExecutor.INSTANCE,
                    () -> workers.execute(() -> handle(e, body, chat, account))),
            (e, err) -> error(e, tooLarge(-1)));
  }

  private static ApiError tooLarge(long len) {
    return new ApiError(
        413,
        "invalid_request_error",
        null,
        "request_too_large",
        "The request body "
            + (len >= 0 ? "is " + len + " bytes" : "is too large")
            + "; at most "
            + MAX_BODY
            + " bytes are allowed.");
  }

  /** Parses, checks, scores and admits a request, then starts its generation (on a worker). */
  private void handle(HttpServerExchange ex, byte[] body, boolean chat, ApiKeys.Account account) {
    try {
      JsonNode root;
      try {
        root = MAPPER.readTree(body);
      } catch (IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        throw ApiError.invalid(
            null,
            "We could not parse the JSON body of your request ("
                + CompletionRequest.shortText(m)
                + "). The body must be UTF-8 JSON.");
      }
      int vocab = model.config().vocabSize();
      CompletionRequest req = CompletionRequest.parse(root, chat, vocab);
      int[] ids = withBos(text.encode(req.prompt), model.config().bosTokenId());
      int context = model.config().maxPositions();
      String promptParam = chat ? "messages" : "prompt";
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
              0,
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
              .setAccount(account.account())
              .setTier(account.tier())
              .setVocabSize(vocab)
              .optRequestId((chat ? "chatcmpl-" : "cmpl-") + nextId())
              .optSession(req.user)
              .optClient(client)
              .optPrompt(req.prompt, ids)
              .optSpecialTokens(model.config().eosTokenId())
              .optSampling(sampling);
      if (!moatEnabled) {
        noteVerdict(detector.begin(record).verdict(), account);
        Generation g =
            new Generation(
                this,
                ex,
                req,
                account,
                ids,
                null,
                new dev.moat.sampling.Sampler(sampling, vocab),
                maxTokens);
        live.put(g.id, g);
        g.start();
        return;
      }
      int requested = maxTokens;
      // Scored, admitted and begun by the serving facade, which also has the request follow its
      // account's verdict (re-read every N tokens inside accept, the level raised at once).
      var unused =
          serving
              .start(record, ctx)
              .whenComplete(
                  (s, err) -> {
                    if (err != null) {
                      LOG.warn("request start failed: {}", err.toString());
                      error(ex, new ApiError(500, "server_error", null, null, "Admission failed."));
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
                      error(
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
                    workers.execute(
                        () -> {
                          try {
                            if (!req.logitBias.isEmpty()
                                && r.level().logitBias() == Level.LogitBias.REFUSE) {
                              r.finish(FinishReason.CANCELLED);
                              r.close();
                              throw ApiError.invalid(
                                  "logit_bias",
                                  "`logit_bias` is not available to this account now.");
                            }
                            if (r.level().pacingTokensPerSecond() > 0) {
                              metrics.shaped(account.tier(), "pace");
                            }
                            start(ex, req, account, ids, r, a);
                          } catch (ApiError e) {
                            error(ex, e);
                          } catch (RuntimeException e) {
                            r.finish(FinishReason.ERROR);
                            r.close();
                            LOG.warn("request start failed: {}", e.toString());
                            error(
                                ex,
                                new ApiError(
                                    500, "server_error", null, null, "Generation failed."));
                          }
                        });
                  });
    } catch (ApiError e) {
      error(ex, e);
    } catch (RuntimeException e) {
      LOG.warn("request failed: {}", e.toString());
      error(ex, new ApiError(500, "server_error", null, null, "The request failed."));
    }
  }

  private void start(
      HttpServerExchange ex,
      CompletionRequest req,
      ApiKeys.Account account,
      int[] ids,
      MoatRequest r,
      Admission a) {
    Generation g = new Generation(this, ex, req, account, ids, r, null, a.maxTokens());
    live.put(g.id, g);
    g.start();
  }

  /** Counts an account's first flag. */
  private void noteVerdict(Verdict v, ApiKeys.Account account) {
    if (v.flagged() && flaggedAccounts.add(account.account())) {
      metrics.flagged(account.tier());
    }
  }

  static int[] withBos(int[] ids, int bos) {
    int[] r = new int[ids.length + 1];
    r[0] = bos;
    System.arraycopy(ids, 0, r, 1, ids.length);
    return r;
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

  /** A generation ended: metrics, and out of the live set. */
  void finished(Generation g, FinishReason reason, int tokens, int promptTokens, long moatNanos) {
    live.remove(g.id);
    metrics.request(g.tier(), g.level(), reason.name().toLowerCase(java.util.Locale.ROOT));
    metrics.tokens(g.tier(), g.level(), promptTokens, tokens);
  }

  void json(HttpServerExchange ex, int status, JsonNode body) {
    send(ex, status, "application/json", body.toString(), 0);
  }

  void error(HttpServerExchange ex, ApiError e) {
    if (ex.isResponseStarted()) {
      ex.endExchange();
      return;
    }
    if (e.status == 413
        && (ex.getRequestContentLength() < 0 || ex.getRequestContentLength() > DRAIN_LIMIT)) {
      // Too large to drain, or of unknown length: close the connection after the answer. Bodies
      // of known length up to DRAIN_LIMIT are read and discarded by Undertow after the answer, so
      // the client (still sending) gets it and can reuse the connection; closing while it sends
      // makes some clients (JDK 25's HttpClient) see a reset instead of the 413.
      ex.setPersistent(false);
    }
    send(ex, e.status, "application/json", e.toJson().toString(), e.retryAfterSeconds);
  }

  private static void send(
      HttpServerExchange ex, int status, String type, String body, long retryAfter) {
    ex.setStatusCode(status);
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type + "; charset=utf-8");
    if (retryAfter > 0) {
      ex.getResponseHeaders().put(RETRY_AFTER, Long.toString(retryAfter));
    }
    ex.getResponseSender().send(body, StandardCharsets.UTF_8);
  }

  // -------------------------------------------------------------- admin port

  private void adminRoute(HttpServerExchange ex) {
    String path = ex.getRequestPath();
    try {
      if (path.equals("/") || path.equals("/console")) {
        send(ex, 200, "text/html", console(), 0);
        return;
      }
      if (path.equals("/metrics")) {
        send(ex, 200, "text/plain; version=0.0.4", metrics.scrape(), 0);
        return;
      }
      String h = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
      if (h == null
          || !java.security.MessageDigest.isEqual(
              h.getBytes(StandardCharsets.UTF_8),
              ("Bearer " + options.adminKey()).getBytes(StandardCharsets.UTF_8))) {
        throw new ApiError(
            401,
            "invalid_request_error",
            null,
            "invalid_admin_key",
            "The admin key is missing or wrong.");
      }
      if (path.equals("/admin/sessions")) {
        json(ex, 200, sessions());
      } else if (path.equals("/admin/groups")) {
        json(ex, 200, groups());
      } else if (path.equals("/admin/policy")) {
        json(ex, 200, policyView());
      } else if (path.equals("/admin/policy/reload")) {
        if (!ex.getRequestMethod().equals(Methods.POST)) {
          throw methodNotAllowed(ex, "POST");
        }
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> workers.execute(() -> reload(ex)));
      } else if (path.startsWith("/admin/accounts/")) {
        json(ex, 200, accountView(path.substring("/admin/accounts/".length())));
      } else if (path.equals("/admin/watermark/check")) {
        if (!ex.getRequestMethod().equals(Methods.POST)) {
          throw methodNotAllowed(ex, "POST");
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
                        SameThreadExecutor.INSTANCE, () -> workers.execute(() -> check(e, body))),
                (e, err) -> error(e, tooLarge(-1)));
      } else {
        throw new ApiError(
            404,
            "invalid_request_error",
            null,
            "unknown_url",
            "Unknown admin URL " + CompletionRequest.shortText(path) + ".");
      }
    } catch (ApiError e) {
      error(ex, e);
    }
  }

  private void reload(HttpServerExchange ex) {
    try {
      Policy p = moat.reloadPolicy();
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      r.put("reloaded", true);
      ArrayNode t = r.putArray("tiers");
      p.tierNames().forEach(t::add);
      json(ex, 200, r);
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
      json(ex, 400, r);
    } catch (IOException | RuntimeException e) {
      error(
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
    for (Generation g : live.values()) {
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
    detector
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
    live.values().stream().filter(g -> g.account().equals(account)).forEach(g -> s.add(g.id));
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
    Policy p = moat.policy();
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
        root = MAPPER.readTree(body);
      } catch (IOException e) {
        throw ApiError.invalid(null, "The body must be JSON: {\"text\": \"...\"}.");
      }
      JsonNode t = root == null ? null : root.get("text");
      if (t == null || !t.isTextual() || t.asText().isBlank()) {
        throw ApiError.invalid("text", "`text` is required: the text to check.");
      }
      int[] ids = text.encode(t.asText());
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      r.put("tokens", ids.length);
      ArrayNode results = r.putArray("results");
      Map<String, Boolean> seen = new TreeMap<>();
      Policy p = moat.policy();
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
      json(ex, 200, r);
    } catch (ApiError e) {
      error(ex, e);
    }
  }

  private static volatile @Nullable String consoleHtml;

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

  @Override
  public void close() {
    api.stop();
    admin.stop();
    workers.shutdownNow();
    timer.shutdownNow();
    if (state != null) {
      state.save(); // after the listeners stopped: the last requests are in it
    }
    moat.close();
    detector.close();
    text.close();
    try {
      model.close();
    } catch (ai.onnxruntime.OrtException e) {
      LOG.warn("closing the model: {}", e.toString());
    }
  }
}
