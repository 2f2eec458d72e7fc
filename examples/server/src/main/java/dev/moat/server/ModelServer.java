package dev.moat.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.Moat;
import dev.moat.Serving;
import dev.moat.detect.Detector;
import dev.moat.detect.MlpModel;
import dev.moat.detect.redis.RedisLinkStore;
import dev.moat.enforce.AdmissionQueue;
import dev.moat.enforce.redis.RedisFleetLimiter;
import dev.moat.onnxruntime.BundledText;
import dev.moat.policy.Policy;
import dev.moat.spi.FinishReason;
import dev.moat.watermark.WatermarkKeys;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>This class wires the parts: {@link ApiRoutes} (the API port), {@link AdminRoutes} (the admin
 * port and its console), {@link ServerLifecycle} (threads, listeners and the detector's state file,
 * started and stopped in order) and {@link Generation} (one request's steps); it holds what they
 * share: Moat, the detector, the model, the metrics and the generations in flight.
 *
 * <p>Thread-safe.
 */
public final class ModelServer implements AutoCloseable {
  /** The demo admin key (public, like the demo API keys). */
  public static final String DEMO_ADMIN_KEY = "sk-moat-demo-admin";

  /** The id the bundled model is served as ({@code model} in requests, {@code /v1/models}). */
  public static final String BUNDLED_MODEL_ID = CompletionRequest.MODEL;

  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final int MAX_BODY = 1 << 20;

  /**
   * Bodies up to this size are read and discarded after a 413, so the client can finish sending,
   * read the answer and reuse the connection; larger ones close it.
   */
  static final long DRAIN_LIMIT = 16L << 20;

  /**
   * How to run: ports (0 = any free one), files, the admin key, worker threads, the model (a
   * Hugging Face model directory, {@code model}, served as {@code modelId} or the directory's name
   * with its decoder run by {@code runtime}, or, when {@code model} is null, the bundled model),
   * the device ONNX Runtime runs it on, and continuous batching: at most {@code maxBatch} sequences
   * per model call (1: each request decodes alone on a worker), with at most {@code maxWaiting} new
   * requests queued for a place.
   */
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
      @org.jspecify.annotations.Nullable String redis,
      @org.jspecify.annotations.Nullable Path model,
      @org.jspecify.annotations.Nullable String modelId,
      String runtime,
      dev.moat.onnxruntime.ExecutionDevice device,
      int maxBatch,
      int maxWaiting) {
    /** The default of {@link ModelServerOptionsBuilder#maxBatch}. */
    public static final int DEFAULT_MAX_BATCH = 16;

    /** The default of {@link ModelServerOptionsBuilder#maxWaiting}. */
    public static final int DEFAULT_MAX_WAITING = 1024;

    /**
     * Options with the required files and admin key; the rest defaults to: loopback, any free
     * ports, two workers, no state file, no Redis, the bundled model, batches of up to {@value
     * #DEFAULT_MAX_BATCH} with up to {@value #DEFAULT_MAX_WAITING} requests waiting.
     */
    public static ModelServerOptionsBuilder builder(
        Path policyFile, Path keysFile, WatermarkKeys watermarkKeys, String adminKey) {
      return new ModelServerOptionsBuilder(policyFile, keysFile, watermarkKeys, adminKey);
    }
  }

  private final Moat moat;
  private final Detector detector;
  private final @org.jspecify.annotations.Nullable RedisLinkStore links;
  private final @org.jspecify.annotations.Nullable RedisFleetLimiter fleetBudgets;
  private final ServedModel model;
  private final @org.jspecify.annotations.Nullable DecodeLoop decodeLoop;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final ServerMetrics metrics = new ServerMetrics();
  private final Map<String, Generation> live = new ConcurrentHashMap<>();
  private final RecentPrompts recentPrompts = new RecentPrompts(10_000);
  private final AtomicLong ids = new AtomicLong();
  private final ServerLifecycle lifecycle;
  private final @org.jspecify.annotations.Nullable FleetHealth fleetHealth;
  private final ChartHistory charts = new ChartHistory(ChartHistory.WINDOW);
  private final MetricsSampler sampler;
  private volatile boolean moatEnabled = true;

  private ModelServer(Options o) throws IOException {
    // The model first: a directory or device that cannot serve fails the start before any policy
    // watch, Redis connection or thread exists.
    Path dir = o.model();
    boolean batching = o.maxBatch() > 1;
    // One thread per model call in both modes: with batching, ONNX Runtime's intra-op threads
    // spin-wait for each other, and on a machine whose cores also serve the HTTP side a call then
    // waits for a descheduled thread (2-core machine: one stream 299 tokens/s with 2 threads
    // against 866 with 1).
    int intraOp = 1;
    this.model =
        dir == null
            ? ServedModel.bundled(batching, intraOp, o.device())
            : ServedModel.huggingFace(dir, o.modelId(), o.runtime(), intraOp, o.device());
    Moat.Builder mb =
        Moat.builder()
            .policyFile(o.policyFile(), Duration.ofSeconds(2))
            .keys(o.watermarkKeys())
            .admissionQueue(10_000, 100, Duration.ofSeconds(30));
    // Fleet mode: budgets and stream slots held across replicas (fail-open to local budgets).
    RedisFleetLimiter budgets = o.redis() != null ? FleetLinks.budgets(o.redis()) : null;
    if (budgets != null) {
      mb.fleet(budgets);
      FunctionCounter.builder("moat.fleet.budget.outages", budgets, RedisFleetLimiter::outages)
          .description("Redis outages of the fleet budgets (local budgets applied meanwhile)")
          .register(metrics.registry);
    }
    this.fleetBudgets = budgets;
    this.moat = mb.build();
    Policy p = moat.policy();
    ApiKeys keys;
    try (InputStream in = java.nio.file.Files.newInputStream(o.keysFile())) {
      keys = ApiKeys.parse(in, o.keysFile().toString(), Set.copyOf(p.tierNames()));
    }
    dev.moat.detect.DetectorBuilder db =
        Detector.builder().model(MlpModel.bundled()).settings(p.detection());
    if (o.redis() != null) {
      // Fleet mode: every replica sees one campaign (fail-open to its own links, see the store).
      this.links = FleetLinks.connect(o.redis());
      db.linkStore(links);
      FunctionCounter.builder("moat.detector.redis.failures", links, RedisLinkStore::failures)
          .description("Detector link-store calls Redis failed (answered by this replica instead)")
          .register(metrics.registry);
    } else {
      this.links = null;
    }
    this.detector = db.build();
    String redis = o.redis();
    RedisLinkStore l = links;
    this.fleetHealth =
        redis != null && l != null && budgets != null
            ? FleetLinks.health(redis, l, budgets, metrics.registry)
            : null;
    Serving serving = Serving.of(moat, detector);
    String unsupported = batching ? model.batchingUnsupported() : null;
    if (unsupported != null) {
      LOG.warn("continuous batching is off for {}: {}", model.id(), unsupported);
    }
    try {
      this.decodeLoop =
          batching && unsupported == null
              ? new DecodeLoop(
                  this, model.newBatchDecoder(), o.maxBatch(), o.maxWaiting(), o.workers())
              : null;
    } catch (ai.onnxruntime.OrtException e) {
      throw new IOException("the model's batch decoder: " + e.getMessage(), e);
    }
    this.workers = ServerLifecycle.newWorkers(o.workers());
    this.timer = ServerLifecycle.newTimer();
    ApiRoutes api = new ApiRoutes(this, keys, serving);
    AdminRoutes admin =
        new AdminRoutes(this, keys, o.adminKey(), o.watermarkKeys(), o.policyFile());
    registerGauges();
    this.lifecycle = new ServerLifecycle(o, workers, timer, detector, api::route, admin::route);
    this.sampler = new MetricsSampler(this, fleetHealth, charts, System::currentTimeMillis);
    sampler.start();
  }

  /** The admission queue's and the live generations' meters. */
  private void registerGauges() {
    AdmissionQueue q = moat.queue();
    Gauge.builder("moat.admission.queue.waiting", q, AdmissionQueue::size)
        .description("Requests waiting in the delay queue now")
        .register(metrics.registry);
    FunctionCounter.builder("moat.admission.queue.delayed", q, AdmissionQueue::queued)
        .description("Requests delayed (queued) so far")
        .register(metrics.registry);
    FunctionCounter.builder("moat.admission.queue.refused", q, x -> x.rejectedFull() + x.timedOut())
        .description("Requests the delay queue refused: full, or waited too long")
        .register(metrics.registry);
    Gauge.builder("moat.sessions.live", live, Map::size)
        .description("Generations in flight")
        .register(metrics.registry);
    DecodeLoop loop = decodeLoop;
    if (loop != null) {
      Gauge.builder("moat.batch.waiting", loop, DecodeLoop::waiting)
          .description("New requests waiting for a place in the batch")
          .register(metrics.registry);
      Gauge.builder("moat.batch.running", loop, DecodeLoop::running)
          .description("Generations holding a place in the batch")
          .register(metrics.registry);
    }
  }

  /** Starts a server; it serves until {@link #close}. */
  public static ModelServer start(Options o) throws IOException {
    return new ModelServer(o);
  }

  /** The model's id in the API ({@code moat-tiny} for the bundled model). */
  public String modelId() {
    return model.id();
  }

  /** What the server generates from, in words. */
  public String modelDescription() {
    return model.description();
  }

  public int port() {
    return lifecycle.apiPort();
  }

  public int adminPort() {
    return lifecycle.adminPort();
  }

  /**
   * Switches Moat off (a plain sampler at the request's settings), for side-by-side measurement.
   */
  public void setMoatEnabled(boolean on) {
    this.moatEnabled = on;
  }

  boolean moatEnabled() {
    return moatEnabled;
  }

  public Moat moat() {
    return moat;
  }

  /** The fleet budgets in fleet mode ({@code --redis}), else null. */
  public @org.jspecify.annotations.Nullable RedisFleetLimiter fleetBudgets() {
    return fleetBudgets;
  }

  /** The fleet link store in fleet mode ({@code --redis}), else null. */
  public @org.jspecify.annotations.Nullable RedisLinkStore fleetLinks() {
    return links;
  }

  public Detector detector() {
    return detector;
  }

  ServedModel model() {
    return model;
  }

  /** The served model's tokenizer (thread-safe for encoding and decoding). */
  public BundledText text() {
    return model.text();
  }

  ExecutorService workers() {
    return workers;
  }

  /** The continuous-batching loop, or null when each request decodes alone. */
  @org.jspecify.annotations.Nullable
  DecodeLoop decodeLoop() {
    return decodeLoop;
  }

  /** Sequences per model call at most (1 when each request decodes alone). */
  public int maxBatch() {
    return decodeLoop == null ? 1 : decodeLoop.maxBatch();
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  /** The server's meters (also scraped from the admin port's {@code /metrics}). */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** The console's charts: the last ten minutes of the meters, one sample a second. */
  ChartHistory charts() {
    return charts;
  }

  /** Fleet mode's Redis check (the console's banner), else null. */
  @org.jspecify.annotations.Nullable
  FleetHealth fleetHealth() {
    return fleetHealth;
  }

  Logger log() {
    return LOG;
  }

  /** The last few prompts of recently active accounts, for the console. */
  RecentPrompts recentPrompts() {
    return recentPrompts;
  }

  /** The generations in flight, by id. */
  Map<String, Generation> live() {
    return live;
  }

  String nextId() {
    return Long.toString(System.currentTimeMillis(), 36) + "-" + ids.incrementAndGet();
  }

  /** A generation ended: metrics, and out of the live set. */
  void finished(Generation g, FinishReason reason, int tokens, int promptTokens, long moatNanos) {
    live.remove(g.id);
    metrics.request(g.tier(), g.level(), reason.name().toLowerCase(java.util.Locale.ROOT));
    metrics.tokens(g.tier(), g.level(), promptTokens, tokens);
  }

  @Override
  public void close() {
    sampler.close();
    lifecycle.stop();
    if (decodeLoop != null) {
      decodeLoop.close();
    }
    moat.close();
    detector.close();
    if (fleetBudgets != null) {
      fleetBudgets.close();
    }
    if (fleetHealth != null) {
      fleetHealth.close();
    }
    try {
      model.close();
    } catch (ai.onnxruntime.OrtException e) {
      LOG.warn("closing the model: {}", e.toString());
    }
  }
}
