package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.server.ModelServer;
import dev.moat.server.ServerMetrics;
import dev.moat.watermark.WatermarkKeys;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code ./moat serve --bench-batch SECONDS [--rounds N] [--max-batch B] [--model DIR [--runtime
 * R]]}: tokens per second and time to first token of the server with continuous batching ({@code
 * --max-batch B}, default 16) against each request decoding alone ({@code --max-batch 1}, the
 * server before batching), at 1, 8 and 32 concurrent streaming clients, on the bundled model or a
 * Hugging Face directory, Moat on (the bench tier of level 0: the detector, admission, the KGW
 * watermark and Moat's sampler).
 *
 * <p>Method: both servers run in this JVM (an idle one costs nothing: its workers and decode loop
 * wait), with the clients, on the same cores. A round runs every (concurrency, server) pair once
 * for SECONDS, in an order shuffled per round (seeded), after a warm-up of both servers; each
 * client streams {@value #TOKENS}-token completions back to back, each its own account and network.
 * Reported per pair: the median over rounds of tokens/s (all streams; one chunk per token) with the
 * rounds' range, the median time to first token, and the batched/alone ratio's median over rounds
 * (each round's two figures were measured minutes apart at most, so the ratio is less noisy than
 * either figure).
 */
final class BatchBench {
  private BatchBench() {}

  static final int TOKENS = 64;
  static final int[] CONCURRENCY = {1, 8, 32};

  /** One measured phase. */
  static final class Phase {
    final int clients;
    final boolean batched;
    final LongAdder tokens = new LongAdder();
    final LongAdder errors = new LongAdder();
    final List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
    double seconds;
    double modelSeconds; // the server's model time in the phase
    long modelTokens;
    long modelCalls;
    double moatSeconds; // Moat's per-token work in the phase
    long moatTokens;

    Phase(int clients, boolean batched) {
      this.clients = clients;
      this.batched = batched;
    }
  }

  static int run(
      Path dir,
      WatermarkKeys wm,
      int workers,
      int seconds,
      int rounds,
      int maxBatch,
      BenchServers.Model model,
      PrintStream out)
      throws Exception {
    Path policy = dir.resolve("batch-bench-policy.yaml");
    Files.writeString(policy, ServeBench.POLICY);
    // Each client its own account; every request on its tier bench-l0 key (level 0).
    Path keysFile = BenchServers.writeKeys(dir, Arrays.stream(CONCURRENCY).max().orElse(1));
    HttpClient http = BenchServers.httpClient(4);
    try (ModelServer alone = BenchServers.start(policy, keysFile, wm, workers, 1, model);
        ModelServer batched = BenchServers.start(policy, keysFile, wm, workers, maxBatch, model)) {
      out.printf(
          "Batch bench on %s: %d rounds of %d s per (clients, server) pair, clients %s, %d-token"
              + " streams, %d workers; batched = --max-batch %d, alone = --max-batch 1...%n",
          batched.modelDescription(),
          rounds,
          seconds,
          Arrays.toString(CONCURRENCY),
          TOKENS,
          workers,
          maxBatch);
      // warm-up: JIT, both models, both paths
      for (ModelServer s : List.of(alone, batched)) {
        measure(http, s, new Phase(8, s == batched), 3);
      }
      List<Phase> phases = new ArrayList<>();
      Random order = new Random(20261201L);
      for (int r = 0; r < rounds; r++) {
        List<Phase> round = new ArrayList<>();
        for (int c : CONCURRENCY) {
          round.add(new Phase(c, false));
          round.add(new Phase(c, true));
        }
        Collections.shuffle(round, order);
        for (Phase p : round) {
          measure(http, p.batched ? batched : alone, p, seconds);
          out.printf(
              Locale.ROOT,
              "  round %d: %2d clients %-7s %7.0f tokens/s; model: %.2f tokens per call, %.0f µs"
                  + " per token; Moat: %.1f µs per token (%.2f%% of the model's)%n",
              r + 1,
              p.clients,
              p.batched ? "batched" : "alone",
              p.tokens.sum() / p.seconds,
              p.modelTokens / (double) Math.max(1, p.modelCalls),
              p.modelSeconds * 1e6 / Math.max(1, p.modelTokens),
              p.moatSeconds * 1e6 / Math.max(1, p.moatTokens),
              100 * moatShare(p));
        }
        phases.addAll(round);
      }
      out.println();
      out.println(
          "| clients | alone tokens/s: median (range) | batched tokens/s: median (range) |"
              + " batched / alone per round: median (range) | alone median TTFT | batched median"
              + " TTFT | errors | Moat's time per token / the model's, batched: median (range) |");
      out.println("|---|---|---|---|---|---|---|---|");
      long bad = 0;
      for (int c : CONCURRENCY) {
        double[] a = figures(phases, c, false);
        double[] b = figures(phases, c, true);
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratio[r] = b[r] / a[r];
        }
        long errors = 0;
        for (Phase p : phases) {
          errors += p.clients == c ? p.errors.sum() : 0;
        }
        bad += errors;
        double[] share =
            phases.stream()
                .filter(p -> p.clients == c && p.batched)
                .mapToDouble(p -> 100 * moatShare(p))
                .toArray();
        out.printf(
            Locale.ROOT,
            "| %d | %s | %s | %s | %.1f ms | %.1f ms | %d | %s |%n",
            c,
            range(a, "%.0f"),
            range(b, "%.0f"),
            range(ratio, "%.2f"),
            ttft(phases, c, false),
            ttft(phases, c, true),
            errors,
            range(share, "%.2f%%"));
      }
      return bad == 0 ? 0 : 1;
    }
  }

  /** Moat's time per token over the model's, in one phase. */
  static double moatShare(Phase p) {
    double moat = p.moatSeconds / Math.max(1, p.moatTokens);
    double model = p.modelSeconds / Math.max(1, p.modelTokens);
    return model > 0 ? moat / model : 0;
  }

  /** Tokens/s of each round for one pair, in round order. */
  private static double[] figures(List<Phase> phases, int clients, boolean batched) {
    return phases.stream()
        .filter(p -> p.clients == clients && p.batched == batched)
        .mapToDouble(p -> p.tokens.sum() / p.seconds)
        .toArray();
  }

  /** The median over every request's time to first token of a pair, in milliseconds. */
  private static double ttft(List<Phase> phases, int clients, boolean batched) {
    List<Long> all = new ArrayList<>();
    for (Phase p : phases) {
      if (p.clients == clients && p.batched == batched) {
        synchronized (p.ttft) {
          all.addAll(p.ttft);
        }
      }
    }
    Collections.sort(all);
    return all.isEmpty() ? Double.NaN : all.get(all.size() / 2) / 1e6;
  }

  private static String range(double[] v, String fmt) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return String.format(
        Locale.ROOT, fmt + " (" + fmt + " to " + fmt + ")", median, s[0], s[n - 1]);
  }

  /** Runs {@code p.clients} streaming clients against {@code s} for {@code seconds}. */
  private static void measure(HttpClient http, ModelServer s, Phase p, int seconds)
      throws InterruptedException {
    String url = "http://127.0.0.1:" + s.port() + "/v1/completions";
    String modelId = s.modelId();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    AtomicLong n = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < p.clients; c++) {
      String key = String.format(Locale.ROOT, "sk-bench-%04d-l0", c);
      String ip = "10.9." + c + ".7"; // one network per client (only the header: loopback peers)
      Thread t =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  one(http, url, modelId, key, ip, n.getAndIncrement(), p, end);
                }
              },
              "batch-bench-client-" + c);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    ServerMetrics m = s.metrics();
    double ms0 = m.modelSeconds();
    long mt0 = m.modelTokens();
    long mc0 = m.modelCalls();
    double os0 = m.moatNanos() / 1e9;
    long ot0 = m.moatTokens();
    for (Thread t : threads) {
      t.join(120_000);
    }
    p.seconds = (Math.max(end, System.nanoTime()) - start) / 1e9;
    p.modelSeconds = m.modelSeconds() - ms0;
    p.modelTokens = m.modelTokens() - mt0;
    p.modelCalls = m.modelCalls() - mc0;
    p.moatSeconds = m.moatNanos() / 1e9 - os0;
    p.moatTokens = m.moatTokens() - ot0;
  }

  private static void one(
      HttpClient http,
      String url,
      String modelId,
      String key,
      String ip,
      long n,
      Phase p,
      long end) {
    ObjectNode body = LoadDemo.JSON.createObjectNode();
    body.put("model", modelId);
    body.put("max_tokens", TOKENS);
    body.put("stream", true);
    body.put("seed", n);
    body.put("prompt", LoadDemo.BENIGN[(int) (n % LoadDemo.BENIGN.length)]);
    long t0 = System.nanoTime();
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(LoadDemo.post(url, key, ip, body), HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        p.errors.increment();
        r.body().close();
        return;
      }
      boolean[] first = {true};
      r.body()
          .forEach(
              line -> {
                // a token's chunk: its finish_reason is null (string tests: the client stays cheap)
                if (!line.startsWith("data: {")
                    || !line.contains("\"finish_reason\":null")
                    || System.nanoTime() > end) {
                  return; // tokens after the phase's end are not counted
                }
                p.tokens.increment();
                if (first[0]) {
                  first[0] = false;
                  p.ttft.add(System.nanoTime() - t0);
                }
              });
    } catch (java.io.IOException e) {
      p.errors.increment();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
