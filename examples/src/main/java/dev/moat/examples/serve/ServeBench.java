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

/**
 * {@code ./moat serve --bench SECONDS --clients N}: N concurrent streaming clients against one
 * server for SECONDS, in alternating phases with Moat off and on (level 0: the tier's watermark,
 * budgets, the detector and admission, no escalation), measured side by side in one run: tokens per
 * second, time to first token, errors. The clients run in the same JVM, on the same cores, in both
 * phases alike.
 */
final class ServeBench {
  private ServeBench() {}

  static final String POLICY =
      """
      version: 1
      tiers:
        bench:
          watermark: {scheme: kgw, key: demo-2026, gamma: 0.25, delta: 2.0, context_width: 1}
          budget: {requests_per_minute: 100000, tokens_per_minute: 100000000, concurrent_streams: 64}
      """;

  static final class Phase {
    final boolean moat;
    final LongAdder tokens = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final List<Long> ttft = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile long start;
    volatile long end;

    Phase(boolean moat) {
      this.moat = moat;
    }
  }

  static int run(Path dir, WatermarkKeys wm, int workers, int seconds, int clients, PrintStream out)
      throws Exception {
    Path policy = dir.resolve("bench-policy.yaml");
    Files.writeString(policy, POLICY);
    StringBuilder keys = new StringBuilder("keys:\n");
    for (int i = 0; i < clients; i++) {
      keys.append(
          String.format(
              Locale.ROOT, "  - {key: sk-bench-%04d, account: bench-%04d, tier: bench}%n", i, i));
    }
    Path keysFile = dir.resolve("bench-keys.yaml");
    Files.writeString(keysFile, keys);
    int phases = 4;
    List<Phase> list = new ArrayList<>();
    for (int p = 0; p < phases; p++) {
      list.add(new Phase(p % 2 == 1));
    }
    AtomicLong current = new AtomicLong(-1);
    try (ModelServer server =
        ModelServer.start(
            new ModelServer.Options(
                "127.0.0.1", 0, 0, policy, keysFile, wm, ServeCommand.DEMO_ADMIN_KEY, workers))) {
      String url = "http://127.0.0.1:" + server.port() + "/v1/chat/completions";
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .executor(java.util.concurrent.Executors.newFixedThreadPool(8))
              .build();
      out.printf(
          "Bench: %d streaming clients, %d s in %d alternating phases (Moat off, on, off, on),"
              + " %d model workers...%n",
          clients, seconds, phases, workers);
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
        server.setMoatEnabled(ph.moat);
        ph.start = System.nanoTime();
        current.set(p);
        Thread.sleep(phaseNanos / 1_000_000);
        ph.end = System.nanoTime();
      }
      current.set(-1);
      for (Thread t : threads) {
        t.join(120_000);
      }
      double[] tps = new double[2];
      double[] ttft = new double[2];
      long[] err = new long[2];
      long[] req = new long[2];
      for (Phase ph : list) {
        int i = ph.moat ? 1 : 0;
        tps[i] += ph.tokens.sum() / ((ph.end - ph.start) / 1e9) / (phases / 2);
        err[i] += ph.errors.sum();
        req[i] += ph.requests.sum();
        List<Long> t;
        synchronized (ph.ttft) {
          t = new ArrayList<>(ph.ttft);
        }
        java.util.Collections.sort(t);
        ttft[i] += (t.isEmpty() ? 0 : t.get(t.size() / 2) / 1e6) / (phases / 2);
      }
      out.println();
      out.println("| | Moat off | Moat on (level 0) | on / off |");
      out.println("|---|---|---|---|");
      out.printf(
          Locale.ROOT,
          "| tokens/s (all streams) | %.0f | %.0f | %.3f |%n",
          tps[0],
          tps[1],
          tps[1] / tps[0]);
      out.printf(
          Locale.ROOT,
          "| median time to first token | %.0f ms | %.0f ms | %.3f |%n",
          ttft[0],
          ttft[1],
          ttft[1] / ttft[0]);
      out.printf(Locale.ROOT, "| requests completed | %d | %d | |%n", req[0], req[1]);
      out.printf(Locale.ROOT, "| errors | %d | %d | |%n", err[0], err[1]);
      return err[0] + err[1] == 0 ? 0 : 1;
    }
  }

  /** The phase running now, or null (warm-up, drain). */
  private static Phase now(List<Phase> list, AtomicLong current) {
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
    HttpRequest req = LoadDemo.post(url, key, ip, body);
    long t0 = System.nanoTime();
    Phase started = now(list, current);
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(req, HttpResponse.BodyHandlers.ofLines());
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
