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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * {@code ./moat serve --bench SECONDS --clients N}: N concurrent streaming clients against one
 * server for SECONDS, in rounds of five phases (Moat off, then on at levels 0, 1, 2 and 3) whose
 * order is shuffled in every round with a fixed seed, so that no configuration always follows
 * another: tokens per second, time to first token, errors. On: the detector, admission against
 * budgets, the tier's KGW watermark and Moat's sampler, plus each level's protections (the served
 * policy's levels without their deliberate slow-downs, pacing and tighter caps, which are the point
 * of a level and not overhead): 1 shapes logprobs and neutralises {@code logit_bias}; 2 adds keyed
 * logit noise at 0.125 nats; 3 at 0.5 nats. Each level is a tier whose ladder starts there (a rule
 * at score 0); every streamed response's {@code X-Moat-Level} is checked. The clients run in the
 * same JVM, on the same cores, in every phase alike.
 *
 * <p>A phase counts only the tokens of requests it started, and only once the previous phase's
 * requests have drained (at most {@link #SETTLE_NANOS}): a request that straddles a switch runs
 * under the configuration it started with, and it is not counted for either. Each level is compared
 * with Moat off in the same round (a paired ratio); {@link BenchStats} gives the geometric mean of
 * those ratios and its 95% interval (Student's t on the log ratios), which is what can certify "at
 * least 99% of Moat off".
 *
 * <p>Tokens per second on a shared machine moves with everything else that runs on it. So each
 * phase also reads the serving threads' CPU time ({@link ServerCpu}) over its counting window, and
 * the report gives CPU time per token with the same paired statistics: where serving is CPU-bound,
 * Moat-on throughput over Moat-off throughput is the inverse of that ratio, so "CPU per token at
 * most 1/0.99 of Moat off" certifies the 99% goal by a second measure (on the 2-core machine no
 * tighter than tokens/s: perf/RESULTS.md).
 */
final class ServeBench {
  private ServeBench() {}

  static final String POLICY =
      """
      version: 1
      tiers:
        bench-l0:
          watermark: {scheme: kgw, key: demo-2026, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 100000, tokens_per_minute: 100000000, concurrent_streams: 64}
        bench-l1:
          watermark: {scheme: kgw, key: demo-2026, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 100000, tokens_per_minute: 100000000, concurrent_streams: 64}
          escalation: {rules: [{score: 0, level: 1}]}
        bench-l2:
          watermark: {scheme: kgw, key: demo-2026, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 100000, tokens_per_minute: 100000000, concurrent_streams: 64}
          escalation: {rules: [{score: 0, level: 2}]}
        bench-l3:
          watermark: {scheme: kgw, key: demo-2026, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 100000, tokens_per_minute: 100000000, concurrent_streams: 64}
          escalation: {rules: [{score: 0, level: 3}]}
      enforcement:
        noise_key: demo-noise-2026
        levels:
          - {level: 1, logprobs_max: 5, logprobs_digits: 2, logit_bias: neutralise}
          - {level: 2, logprobs_max: 0, logit_bias: refuse, keyed_noise_kl: 0.125}
          - {level: 3, logprobs_max: 0, logit_bias: refuse, keyed_noise_kl: 0.5}
      """;

  /** The configurations of a round: -1 is Moat off, then levels 0 to 3. */
  static final int[] CONFIGS = {-1, 0, 1, 2, 3};

  /**
   * Seconds per phase: several times a request's duration under load (200 clients at about 2,000
   * tokens/s hold a 32-token request about 3 s), so that the window after the drain is most of it.
   */
  static final int PHASE_SECONDS = 10;

  /** The longest a phase waits for the previous phase's requests to drain before it counts. */
  static final long SETTLE_NANOS = 5_000_000_000L;

  /**
   * Seconds of warm-up before the first phase, Moat on and off by turns each second: long enough
   * for the JIT to compile both paths (the CPU time per token of a phase run half-compiled would
   * swamp Moat's share).
   */
  static final int WARM_UP_SECONDS = 15;

  /** The seed of the phase order. */
  static final long ORDER_SEED = 2026;

  static final class Phase {
    final int config;
    final LongAdder wrongLevel = new LongAdder();
    final LongAdder tokens = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final List<Long> ttft = java.util.Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.atomic.AtomicInteger inflight =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile long start;
    volatile long countFrom; // 0 until the previous phase has drained
    volatile long end;
    volatile long cpuFrom; // the server's CPU time (ServerCpu) at countFrom and at end
    volatile long cpuEnd;

    Phase(int config) {
      this.config = config;
    }
  }

  /**
   * Runs the bench for {@code seconds} with {@code clients} streams against a server on the bundled
   * model, or on {@code model}'s Hugging Face directory (its decoder run by its runtime).
   */
  static int run(
      Path dir,
      WatermarkKeys wm,
      int workers,
      int seconds,
      int clients,
      BenchServers.Model model,
      PrintStream out)
      throws Exception {
    Path policy = dir.resolve("bench-policy.yaml");
    Files.writeString(policy, POLICY);
    Path keysFile = BenchServers.writeKeys(dir, clients);
    int rounds = Math.max(2, seconds / (PHASE_SECONDS * CONFIGS.length));
    int phases = rounds * CONFIGS.length;
    List<Phase> list = new ArrayList<>();
    java.util.SplittableRandom order = new java.util.SplittableRandom(ORDER_SEED);
    for (int r = 0; r < rounds; r++) {
      for (int config : shuffled(CONFIGS, order)) {
        list.add(new Phase(config));
      }
    }
    AtomicLong current = new AtomicLong(-1);
    try (ModelServer server = BenchServers.start(policy, keysFile, wm, workers, model)) {
      String url = "http://127.0.0.1:" + server.port() + "/v1/chat/completions";
      String modelId = server.modelId();
      HttpClient http = BenchServers.httpClient(8);
      out.printf(
          "Bench on %s: %d streaming clients, %d s in %d rounds of 5 phases (Moat off, levels 0 to 3;"
              + " order shuffled per round, seed %d), %d model workers...%n",
          modelId, clients, seconds, rounds, ORDER_SEED, workers);
      long warmEnd = System.nanoTime() + WARM_UP_SECONDS * 1_000_000_000L;
      List<Thread> threads = new ArrayList<>();
      long runEnd = warmEnd + seconds * 1_000_000_000L;
      for (int c = 0; c < clients; c++) {
        String key = String.format(Locale.ROOT, "sk-bench-%04d", c);
        String ip = "10." + (c / 250) + "." + (c % 250) + ".7"; // one network per client
        Thread t =
            new Thread(
                () -> {
                  int n = 0;
                  while (System.nanoTime() < runEnd) {
                    one(http, url, modelId, key, ip, n++, list, current);
                  }
                },
                "bench-client-" + c);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      // Warm-up (JIT, model) with Moat on (every level) and off by turns, then the phases.
      for (int s = 0; System.nanoTime() < warmEnd; s++) {
        server.setMoatEnabled(s % 2 == 0);
        Thread.sleep(Math.max(0, Math.min(1000, (warmEnd - System.nanoTime()) / 1_000_000)));
      }
      long phaseNanos = seconds * 1_000_000_000L / phases;
      for (int p = 0; p < phases; p++) {
        Phase ph = list.get(p);
        server.setMoatEnabled(ph.config >= 0);
        ph.start = System.nanoTime();
        current.set(p);
        // Count once the previous phase's requests (another configuration) have drained.
        Phase before = p > 0 ? list.get(p - 1) : null;
        while (before != null
            && before.inflight.get() > 0
            && System.nanoTime() - ph.start < SETTLE_NANOS) {
          Thread.sleep(2);
        }
        ph.cpuFrom = ServerCpu.now();
        ph.countFrom = System.nanoTime();
        Thread.sleep(Math.max(0, (ph.start + phaseNanos - System.nanoTime()) / 1_000_000));
        ph.end = System.nanoTime();
        ph.cpuEnd = ServerCpu.now();
      }
      current.set(-1);
      for (Thread t : threads) {
        t.join(120_000);
      }
      return BenchStats.report(list, CONFIGS, rounds, out);
    }
  }

  /** {@code configs} in an order drawn from {@code order} (Fisher-Yates). */
  static int[] shuffled(int[] configs, java.util.SplittableRandom order) {
    int[] round = configs.clone();
    for (int i = round.length - 1; i > 0; i--) {
      int j = order.nextInt(i + 1);
      int t = round[i];
      round[i] = round[j];
      round[j] = t;
    }
    return round;
  }

  /** The phase running now, or null (warm-up, drain). */
  private static @Nullable Phase now(List<Phase> list, AtomicLong current) {
    long p = current.get();
    return p < 0 ? null : list.get((int) p);
  }

  private static void one(
      HttpClient http,
      String url,
      String modelId,
      String key,
      String ip,
      int n,
      List<Phase> list,
      AtomicLong current) {
    ObjectNode body = LoadDemo.JSON.createObjectNode();
    body.put("model", modelId);
    body.put("max_tokens", 32);
    body.put("stream", true);
    body.put("seed", n);
    body.put("ignore_eos", true); // Moat on and off generate alike (WaveBench: a 4-5% bias without)
    body.putObject("stream_options").put("include_usage", true);
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", LoadDemo.BENIGN[n % LoadDemo.BENIGN.length]);
    Phase started = now(list, current);
    if (started != null) {
      started.inflight.incrementAndGet();
    }
    try {
      stream(http, url, key, ip, body, n, list, current, started);
    } finally {
      if (started != null) {
        started.inflight.decrementAndGet();
      }
    }
  }

  private static void stream(
      HttpClient http,
      String url,
      String key,
      String ip,
      ObjectNode body,
      int n,
      List<Phase> list,
      AtomicLong current,
      @Nullable Phase started) {
    // The phase's level is the key's tier; the warm-up goes through every level.
    int level = started == null ? n % 4 : Math.max(0, started.config);
    HttpRequest req = LoadDemo.post(url, key + "-l" + level, ip, body);
    long t0 = System.nanoTime();
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(req, HttpResponse.BodyHandlers.ofLines());
      java.util.Optional<String> served = r.headers().firstValue("X-Moat-Level");
      // A request sent just as the phase switched Moat off or on was served by the next phase's
      // configuration: only a mismatch within its own phase is an error.
      if (served.isPresent()
          && Integer.parseInt(served.get()) != level
          && started != null
          && now(list, current) == started) {
        started.wrongLevel.increment();
      }
      if (r.statusCode() != 200) {
        Phase ph = now(list, current);
        if (ph != null) {
          ph.errors.increment();
        }
        r.body().close();
        return;
      }
      boolean[] first = {true};
      r.body()
          .forEach(
              line -> {
                if (!line.startsWith("data: {")) {
                  return;
                }
                Phase ph = now(list, current);
                try {
                  JsonNode c = LoadDemo.JSON.readTree(line.substring(6));
                  JsonNode d = c.path("choices").path(0).path("delta").path("content");
                  // One chunk per token generated (as the server sends), counted for the phase
                  // that started the request, in its counting window.
                  if (d.isTextual()
                      && !d.asText().isEmpty() // the finish chunk's empty delta is no token
                      && ph != null
                      && ph == started
                      && ph.countFrom != 0) {
                    ph.tokens.increment();
                  }
                  if (first[0] && d.isTextual()) {
                    first[0] = false;
                    if (ph != null && ph == started) {
                      ph.ttft.add(System.nanoTime() - t0);
                    }
                  }
                } catch (java.io.IOException e) {
                  if (ph != null) {
                    ph.errors.increment();
                  }
                }
              });
      Phase ph = now(list, current);
      if (ph != null) {
        ph.requests.increment();
      }
    } catch (java.io.IOException e) {
      Phase ph = now(list, current);
      if (ph != null) {
        ph.errors.increment();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
