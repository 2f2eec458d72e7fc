package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.server.ModelServer;
import dev.moat.watermark.WatermarkKeys;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * {@code ./moat serve --bench-waves ROUNDS --clients K [--bench-levels off,0]}: the end-to-end
 * overhead in waves instead of timed phases. A round runs the configurations compared (by default
 * the five of {@link ServeBench}: Moat off, levels 0 to 3) in an order shuffled per round with a
 * fixed seed; each configuration is one wave of K concurrent streaming requests, and the next wave
 * starts only when the last request of this one has finished. So Moat is switched on or off with
 * nothing in flight: no request straddles a switch, and a wave's tokens per second (its tokens over
 * the time from its first request sent to its last token received) belong to one configuration
 * whole. The waves of a round send the same prompts with the same seeds, and every request asks for
 * {@code ignore_eos}: a watermark that moves the end-of-sequence token earlier or later would
 * otherwise change the work compared (a request cut short pays its prefill over fewer tokens),
 * which measured as a 4-5% "overhead" of Moat on the bundled model. Tokens are the server's own
 * count ({@code usage}). A round lasts about 0.1 s at K = 1 on the bundled model (1.4 s on a model
 * whose step is 8 ms), so a run has hundreds of paired rounds where the timed phases had twelve,
 * and {@link BenchStats} narrows its interval as one over the square root of the rounds.
 *
 * <p>At small K this measures the served path where a stream waits for nothing but itself: the
 * request's start (detector, admission, the verdict), every decode step with Moat's work in it, and
 * the HTTP stream. Under saturation (many more streams than cores) use {@code --bench}.
 *
 * <p>Not thread-safe: one run at a time; its clients are threads of its own.
 */
final class WaveBench {
  private WaveBench() {}

  /** Seconds of warm-up waves (every configuration by turns) before the first counted round. */
  static final int WARM_UP_SECONDS = 20;

  /** Tokens asked per request. */
  static final int MAX_TOKENS = 32;

  private static final AtomicInteger THREADS = new AtomicInteger();

  /** The first failed request's status and body, for the report. */
  private static final java.util.concurrent.atomic.AtomicReference<@Nullable String> FIRST_ERROR =
      new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * Runs {@code rounds} rounds of waves of {@code clients} streams after {@code warmUpSeconds} of
   * warm-up; returns 0, or 1 on errors.
   */
  static int run(
      Path dir,
      WatermarkKeys wm,
      int workers,
      int rounds,
      int clients,
      int warmUpSeconds,
      int[] configs,
      BenchServers.Model model,
      PrintStream out)
      throws Exception {
    checkConfigs(configs);
    FIRST_ERROR.set(null);
    Path policy = dir.resolve("bench-policy.yaml");
    Files.writeString(policy, ServeBench.POLICY);
    Path keysFile = BenchServers.writeKeys(dir, clients);
    List<ServeBench.Phase> list = new ArrayList<>();
    SplittableRandom order = new SplittableRandom(ServeBench.ORDER_SEED);
    for (int r = 0; r < rounds; r++) {
      for (int config : ServeBench.shuffled(configs, order)) {
        list.add(new ServeBench.Phase(config));
      }
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            clients,
            task -> {
              Thread t = new Thread(task, "bench-client-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try (ModelServer server = BenchServers.start(policy, keysFile, wm, workers, model)) {
      String url = "http://127.0.0.1:" + server.port() + "/v1/completions";
      HttpClient http = BenchServers.httpClient(Math.min(8, clients));
      out.printf(
          "Wave bench on %s: %d rounds of %d waves (%s; order shuffled per round, seed %d), %d"
              + " concurrent streams of %d tokens per wave, %d model workers, %d s of warm-up...%n",
          server.modelId(),
          rounds,
          configs.length,
          names(configs),
          ServeBench.ORDER_SEED,
          clients,
          MAX_TOKENS,
          workers,
          warmUpSeconds);
      long warmEnd = System.nanoTime() + warmUpSeconds * 1_000_000_000L;
      for (int w = 0; System.nanoTime() < warmEnd; w++) {
        wave(
            server,
            http,
            url,
            clients,
            w,
            new ServeBench.Phase(configs[w % configs.length]),
            pool,
            null);
      }
      long started = System.nanoTime();
      double[][] split = new double[list.size()][2];
      for (int p = 0; p < list.size(); p++) {
        wave(server, http, url, clients, p / configs.length, list.get(p), pool, split[p]);
        if ((p + 1) % (configs.length * 50) == 0) {
          out.printf(
              Locale.ROOT,
              "  %d of %d rounds (%.0f s)%n",
              (p + 1) / configs.length,
              rounds,
              (System.nanoTime() - started) / 1e9);
        }
      }
      int status = BenchStats.report(list, configs, rounds, out);
      WaveReport.split(list, split, configs, rounds, out);
      Path csv = dir.resolve("waves.csv");
      WaveReport.writeCsv(csv, list, split, configs.length);
      out.println();
      out.println("Every wave's figures: " + csv);
      String error = FIRST_ERROR.get();
      if (error != null) {
        out.println();
        out.println("The first failed request: " + error);
      }
      return status;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The configurations a run compares: Moat off ({@code -1}) and at least one of levels 0 to 3,
   * each at most once. A run of Moat off and one level spends every wave on the pair it measures,
   * where the five configurations spend two waves in five on it: the same interval in 2/5 of the
   * time.
   */
  static void checkConfigs(int[] configs) {
    boolean off = false;
    java.util.BitSet seen = new java.util.BitSet();
    for (int c : configs) {
      if (c < -1 || c > 3) {
        throw new IllegalArgumentException(
            "configuration was " + c + " but must be -1 (Moat off) or a level from 0 to 3");
      }
      if (seen.get(c + 1)) {
        throw new IllegalArgumentException(
            "configuration " + names(new int[] {c}) + " was given twice; each at most once");
      }
      seen.set(c + 1);
      off |= c < 0;
    }
    if (!off || configs.length < 2) {
      throw new IllegalArgumentException(
          "configurations were ["
              + names(configs)
              + "] but must hold Moat off and at least one level: each level is paired with off");
    }
  }

  /** {@code "Moat off, level 0, ..."}. */
  static String names(int[] configs) {
    StringBuilder sb = new StringBuilder();
    for (int c : configs) {
      sb.append(sb.length() == 0 ? "" : ", ").append(c < 0 ? "Moat off" : "level " + c);
    }
    return sb.toString();
  }

  /** One wave: Moat set for {@code ph}'s configuration, then its requests, all finished. */
  private static void wave(
      ModelServer server,
      HttpClient http,
      String url,
      int clients,
      int round,
      ServeBench.Phase ph,
      ExecutorService pool,
      double @Nullable [] split)
      throws InterruptedException {
    server.setMoatEnabled(ph.config >= 0);
    int level = Math.max(0, ph.config);
    CountDownLatch done = new CountDownLatch(clients);
    dev.moat.server.ServerMetrics m = server.metrics();
    double moat0 = m.moatNanos();
    long moatTokens0 = m.moatTokens();
    double model0 = m.modelSeconds();
    long modelTokens0 = m.modelTokens();
    ph.cpuFrom = ServerCpu.now();
    ph.start = System.nanoTime();
    ph.countFrom = ph.start;
    for (int c = 0; c < clients; c++) {
      int client = c;
      int n = round * clients + c;
      pool.execute(
          () -> {
            try {
              one(server.modelId(), http, url, client, n, level, ph);
            } finally {
              done.countDown();
            }
          });
    }
    done.await();
    ph.end = System.nanoTime();
    ph.cpuEnd = ServerCpu.now();
    if (split != null) {
      long moatTokens = m.moatTokens() - moatTokens0;
      long modelTokens = m.modelTokens() - modelTokens0;
      split[0] = moatTokens > 0 ? (m.moatNanos() - moat0) / moatTokens : 0;
      split[1] = modelTokens > 0 ? (m.modelSeconds() - model0) * 1e9 / modelTokens : 0;
    }
  }

  private static void one(
      String modelId,
      HttpClient http,
      String url,
      int client,
      int n,
      int level,
      ServeBench.Phase ph) {
    ObjectNode body = LoadDemo.JSON.createObjectNode();
    body.put("model", modelId);
    body.put("max_tokens", MAX_TOKENS);
    body.put("stream", true);
    body.put("seed", n);
    body.put("ignore_eos", true); // every configuration generates MAX_TOKENS: the same work
    body.putObject("stream_options").put("include_usage", true);
    body.put("prompt", LoadDemo.BENIGN[n % LoadDemo.BENIGN.length]);
    String key = String.format(Locale.ROOT, "sk-bench-%04d-l%d", client, level);
    String ip = "10." + (client / 250) + "." + (client % 250) + ".7";
    HttpRequest req = LoadDemo.post(url, key, ip, body);
    long t0 = System.nanoTime();
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(req, HttpResponse.BodyHandlers.ofLines());
      java.util.Optional<String> served = r.headers().firstValue("X-Moat-Level");
      if (ph.config >= 0 && (served.isEmpty() || Integer.parseInt(served.get()) != level)) {
        ph.wrongLevel.increment();
      }
      if (r.statusCode() != 200) {
        ph.errors.increment();
        String text = r.body().collect(java.util.stream.Collectors.joining("\n"));
        FIRST_ERROR.compareAndSet(null, "HTTP " + r.statusCode() + ": " + text);
        return;
      }
      boolean[] first = {true};
      r.body()
          .forEach(
              line -> {
                if (!line.startsWith("data: {")) {
                  return;
                }
                try {
                  JsonNode c = LoadDemo.JSON.readTree(line.substring(6));
                  JsonNode d = c.path("choices").path(0).path("text");
                  if (first[0] && d.isTextual() && !d.asText().isEmpty()) {
                    first[0] = false;
                    ph.ttft.add(System.nanoTime() - t0);
                  }
                  JsonNode used = c.path("usage").path("completion_tokens");
                  if (used.isInt()) {
                    ph.tokens.add(used.asInt()); // the server's count, end of sequence included
                  }
                } catch (java.io.IOException e) {
                  ph.errors.increment();
                }
              });
      ph.requests.increment();
    } catch (java.io.IOException e) {
      ph.errors.increment();
      FIRST_ERROR.compareAndSet(null, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
