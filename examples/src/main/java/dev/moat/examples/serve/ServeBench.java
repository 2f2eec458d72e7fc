package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.watermark.WatermarkKeys;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * {@code ./moat serve --bench SECONDS --clients N}: N concurrent streaming clients against one
 * server for SECONDS, in rounds of five phases: Moat off, then on at levels 0, 1, 2 and 3, measured
 * side by side in one run: tokens per second, time to first token, errors. On: the detector,
 * admission against budgets, the tier's KGW watermark and Moat's sampler, plus each level's
 * protections (the served policy's levels without their deliberate slow-downs, pacing and tighter
 * caps, which are the point of a level and not overhead): 1 shapes logprobs and neutralises {@code
 * logit_bias}; 2 adds keyed logit noise at 0.125 nats; 3 at 0.5 nats. Each level is a tier whose
 * ladder starts there (a rule at score 0); every streamed response's {@code X-Moat-Level} is
 * checked. The clients run in the same JVM, on the same cores, in every phase alike.
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

  static final class Phase {
    final int config;
    final LongAdder wrongLevel = new LongAdder();
    final LongAdder tokens = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final List<Long> ttft = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile long start;
    volatile long end;

    Phase(int config) {
      this.config = config;
    }
  }

  static int run(Path dir, WatermarkKeys wm, int workers, int seconds, int clients, PrintStream out)
      throws Exception {
    Path policy = dir.resolve("bench-policy.yaml");
    Files.writeString(policy, POLICY);
    StringBuilder keys = new StringBuilder("keys:\n");
    for (int i = 0; i < clients; i++) {
      for (int l = 0; l < 4; l++) {
        keys.append(
            String.format(
                Locale.ROOT,
                "  - {key: sk-bench-%04d-l%d, account: bench-%04d, tier: bench-l%d}%n",
                i,
                l,
                i,
                l));
      }
    }
    Path keysFile = dir.resolve("bench-keys.yaml");
    Files.writeString(keysFile, keys);
    int rounds =
        Math.max(1, seconds / 75); // phases of about 15 s: a client makes several requests in one
    int phases = rounds * CONFIGS.length;
    List<Phase> list = new ArrayList<>();
    for (int p = 0; p < phases; p++) {
      list.add(new Phase(CONFIGS[p % CONFIGS.length]));
    }
    AtomicLong current = new AtomicLong(-1);
    try (ModelServer server =
        ModelServer.start(
            ModelServer.Options.builder(policy, keysFile, wm, ServeCommand.DEMO_ADMIN_KEY)
                .workers(workers)
                .build())) {
      String url = "http://127.0.0.1:" + server.port() + "/v1/chat/completions";
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .executor(java.util.concurrent.Executors.newFixedThreadPool(8))
              .build();
      out.printf(
          "Bench: %d streaming clients, %d s in %d rounds of 5 phases (Moat off, levels 0 to 3),"
              + " %d model workers...%n",
          clients, seconds, rounds, workers);
      long warmEnd = System.nanoTime() + 5_000_000_000L;
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
                    one(http, url, key, ip, n++, list, current);
                  }
                },
                "bench-client-" + c);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      // Warm-up (JIT, model), then the phases.
      Thread.sleep(Math.max(0, (warmEnd - System.nanoTime()) / 1_000_000));
      long phaseNanos = seconds * 1_000_000_000L / phases;
      for (int p = 0; p < phases; p++) {
        Phase ph = list.get(p);
        server.setMoatEnabled(ph.config >= 0);
        ph.start = System.nanoTime();
        current.set(p);
        Thread.sleep(phaseNanos / 1_000_000);
        ph.end = System.nanoTime();
      }
      current.set(-1);
      for (Thread t : threads) {
        t.join(120_000);
      }
      int n = CONFIGS.length;
      double[] tps = new double[n];
      double[] ttft = new double[n];
      long[] err = new long[n];
      long[] req = new long[n];
      long[] wrong = new long[n];
      double[][] perRound = new double[n][rounds];
      for (int p = 0; p < phases; p++) {
        Phase ph = list.get(p);
        int i = p % n;
        double t = ph.tokens.sum() / ((ph.end - ph.start) / 1e9);
        perRound[i][p / n] = t;
        tps[i] += t / rounds;
        err[i] += ph.errors.sum();
        req[i] += ph.requests.sum();
        wrong[i] += ph.wrongLevel.sum();
        List<Long> ts;
        synchronized (ph.ttft) {
          ts = new ArrayList<>(ph.ttft);
        }
        java.util.Collections.sort(ts);
        ttft[i] += (ts.isEmpty() ? 0 : ts.get(ts.size() / 2) / 1e6) / rounds;
      }
      out.println();
      out.println(
          "| | tokens/s (all streams) | / off | / off per round: median (min to max) | median time"
              + " to first token | / off | requests | errors | wrong level |");
      out.println("|---|---|---|---|---|---|---|---|---|");
      for (int i = 0; i < n; i++) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratio[r] = perRound[i][r] / perRound[0][r];
        }
        java.util.Arrays.sort(ratio);
        String rs =
            String.format(
                Locale.ROOT,
                "%.3f (%.3f to %.3f)",
                rounds % 2 == 1
                    ? ratio[rounds / 2]
                    : (ratio[rounds / 2 - 1] + ratio[rounds / 2]) / 2,
                ratio[0],
                ratio[rounds - 1]);
        out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.3f | %s | %.0f ms | %.3f | %d | %d | %d |%n",
            CONFIGS[i] < 0 ? "Moat off" : "level " + CONFIGS[i],
            tps[i],
            tps[i] / tps[0],
            rs,
            ttft[i],
            ttft[i] / ttft[0],
            req[i],
            err[i],
            wrong[i]);
      }
      long bad = 0;
      for (int i = 0; i < n; i++) {
        bad += err[i] + wrong[i];
      }
      return bad == 0 ? 0 : 1;
    }
  }

  /** The phase running now, or null (warm-up, drain). */
  private static @Nullable Phase now(List<Phase> list, AtomicLong current) {
    long p = current.get();
    return p < 0 ? null : list.get((int) p);
  }

  private static void one(
      HttpClient http,
      String url,
      String key,
      String ip,
      int n,
      List<Phase> list,
      AtomicLong current) {
    ObjectNode body = ModelServer.MAPPER.createObjectNode();
    body.put("model", CompletionRequest.MODEL);
    body.put("max_tokens", 32);
    body.put("stream", true);
    body.put("seed", n);
    body.putObject("stream_options").put("include_usage", true);
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", LoadDemo.BENIGN[n % LoadDemo.BENIGN.length]);
    Phase started = now(list, current);
    // The phase's level is the key's tier; the warm-up goes through every level.
    int level = started == null ? n % 4 : Math.max(0, started.config);
    HttpRequest req = LoadDemo.post(url, key + "-l" + level, ip, body);
    long t0 = System.nanoTime();
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(req, HttpResponse.BodyHandlers.ofLines());
      java.util.Optional<String> served = r.headers().firstValue("X-Moat-Level");
      if (served.isPresent() && Integer.parseInt(served.get()) != level && started != null) {
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
                  JsonNode c = ModelServer.MAPPER.readTree(line.substring(6));
                  JsonNode d = c.path("choices").path(0).path("delta").path("content");
                  if (d.isTextual() && ph != null) {
                    ph.tokens.increment(); // one chunk per token generated (as the server sends)
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
