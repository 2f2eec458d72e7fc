package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.detect.Verdict;
import dev.moat.server.ModelServer;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./moat serve --load SECONDS}: the server under a short mixed load, over real HTTP. Benign
 * users (free and pro tiers) ask varied questions at a human pace from their own networks; a
 * scripted extraction campaign (24 new free accounts from two networks) sweeps templated,
 * reasoning-eliciting prompts at machine pace. Prints, per population, what it got: requests served
 * and refused, tokens per second per stream, the escalation levels it met, accounts flagged, and
 * the watermark's z-score on the campaign's harvested output.
 */
final class LoadDemo {
  private LoadDemo() {}

  /**
   * The JSON of the requests and replies of the load and the benchmarks (thread-safe once made).
   */
  static final ObjectMapper JSON = new ObjectMapper();

  static final String[] BENIGN = {
    "What is a good name for a cat?",
    "Write a Java method that reverses a string.",
    "Summarise the plot of a detective story in two sentences.",
    "How do I read a file line by line in Java?",
    "Give me three tips for a job interview.",
    "Explain what a hash map is.",
    "Write a haiku about the sea.",
    "What should I cook tonight with rice and beans?",
    "public static int fibonacci(int n) {",
    "Why is the sky blue?",
  };

  record Population(String name, String tier, int accounts, boolean campaign) {}

  static final class Stats {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong streamNanos = new AtomicLong();
    final Map<Integer, AtomicLong> levels = new ConcurrentHashMap<>();
    final List<String> harvest = java.util.Collections.synchronizedList(new ArrayList<>());
  }

  static int run(Path dir, Path policy, WatermarkKeys wm, int workers, int seconds, PrintStream out)
      throws Exception {
    List<Population> pops =
        List.of(
            new Population("benign free users", "free", 8, false),
            new Population("benign pro users", "pro", 4, false),
            new Population("extraction campaign", "free", 24, true));
    StringBuilder keys = new StringBuilder("keys:\n");
    String now = java.time.Instant.now().toString();
    for (Population p : pops) {
      for (int i = 0; i < p.accounts(); i++) {
        String acct = (p.campaign() ? "campaign-" : "user-" + p.tier() + "-") + i;
        keys.append(
            String.format(
                Locale.ROOT,
                "  - {key: sk-load-%s, account: %s, tier: %s, created: %s}%n",
                acct,
                acct,
                p.tier(),
                p.campaign() ? now : "2025-01-01T00:00:00Z"));
      }
    }
    Path keysFile = dir.resolve("load-keys.yaml");
    Files.writeString(keysFile, keys);
    ModelServer.Options o =
        ModelServer.Options.builder(policy, keysFile, wm, ModelServer.DEMO_ADMIN_KEY)
            .workers(workers)
            .build();
    Map<String, Stats> stats = new TreeMap<>();
    try (ModelServer server = ModelServer.start(o)) {
      out.printf(
          "Console: http://127.0.0.1:%d/ (admin key %s): the live charts while the load runs.%n",
          server.adminPort(), ModelServer.DEMO_ADMIN_KEY);
      int warmed = warmHistory(server.detector(), pops);
      out.printf(
          "Detector state: %,d requests of history over the last 2 days for these accounts"
              + " (standing in for what a long-running server has seen; the server keeps detector"
              + " state in memory only), then the live load.%n",
          warmed);
      String base = "http://127.0.0.1:" + server.port() + "/v1/chat/completions";
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      List<Thread> threads = new ArrayList<>();
      AtomicLong sweepCounter = new AtomicLong();
      out.printf(
          "Load: %d s against %s with %d benign and %d campaign accounts...%n",
          seconds, base, 12, 24);
      for (Population p : pops) {
        Stats st = stats.computeIfAbsent(p.name(), k -> new Stats());
        for (int i = 0; i < p.accounts(); i++) {
          String acct = (p.campaign() ? "campaign-" : "user-" + p.tier() + "-") + i;
          // Benign users come from their own networks; the campaign from two.
          String ip =
              p.campaign()
                  ? "198.51.100." + (i % 2 * 100 + 7)
                  : "10." + i + "." + p.tier().length() + ".9";
          SplittableRandom r = new SplittableRandom(acct.hashCode());
          AtomicLong sweep = sweepCounter;
          Thread t =
              new Thread(
                  () -> {
                    while (System.nanoTime() < end) {
                      // The campaign sweeps the simulator's template across its accounts.
                      String prompt =
                          p.campaign()
                              ? dev.moat.research.sim.Prompts.campaignPrompt(
                                  (int) sweep.getAndIncrement())
                              : BENIGN[r.nextInt(BENIGN.length)];
                      one(http, base, "sk-load-" + acct, ip, prompt, p.campaign(), st);
                      sleep(p.campaign() ? 400 : 1500 + r.nextInt(3000));
                    }
                  },
                  "load-" + acct);
          t.setDaemon(true);
          t.start();
          threads.add(t);
        }
      }
      for (Thread t : threads) {
        t.join(seconds * 1000L + 60_000);
      }
      out.println();
      out.println(
          "| population | requests served | refused (429) | errors | tokens/s per stream |"
              + " levels met | accounts flagged |");
      out.println("|---|---|---|---|---|---|---|");
      for (Population p : pops) {
        Stats st = Objects.requireNonNull(stats.get(p.name()), p.name());
        int flagged = 0;
        float maxScore = 0;
        for (int i = 0; i < p.accounts(); i++) {
          String acct = (p.campaign() ? "campaign-" : "user-" + p.tier() + "-") + i;
          Verdict v = server.detector().verdict(acct);
          flagged += v != null && v.flagged() ? 1 : 0;
          if (v != null) {
            maxScore = Math.max(maxScore, v.score());
          }
        }
        double tps = st.tokens.get() / Math.max(1e-9, st.streamNanos.get() / 1e9);
        out.printf(
            Locale.ROOT,
            "| %s (%s) | %d | %d | %d | %.1f | %s | %d of %d |%n",
            p.name(),
            p.tier(),
            st.ok.get(),
            st.refused.get(),
            st.errors.get(),
            tps,
            new TreeMap<>(st.levels),
            flagged,
            p.accounts());
      }
      WatermarkSpec spec = server.moat().policy().tier("free").watermark().orElseThrow();
      for (Population p : pops) {
        Stats st = Objects.requireNonNull(stats.get(p.name()), p.name());
        if (!p.tier().equals("free") || st.harvest.isEmpty()) {
          continue;
        }
        List<int[]> texts = new ArrayList<>();
        for (String h : st.harvest) {
          texts.add(server.text().encode(h));
        }
        DetectionResult d =
            spec.detector(wm.get(spec.keyId()).orElseThrow()).detectAll(texts, 0, true);
        out.printf(
            Locale.ROOT,
            "watermark on the output of the %s (%d answers pooled, repeats scored once): z = %.1f,"
                + " p = %.1e over %d tokens%n",
            p.name(),
            texts.size(),
            d.zScore(),
            d.pValue(),
            d.tokensScored());
      }
    }
    return 0;
  }

  /**
   * Two days of history for the demo's accounts, observed by the detector before the live load:
   * benign users asking varied questions at human hours, the campaign sweeping its template at
   * about 26 requests a day per account (the reported campaign's rate) from two networks. The live
   * minute alone is too short for per-account behaviour to show.
   */
  static int warmHistory(dev.moat.detect.Detector detector, List<Population> pops) {
    long now = System.currentTimeMillis();
    long start = now - 2 * 86_400_000L;
    List<dev.moat.detect.TraceRecord> records = new ArrayList<>();
    int sweep = 100_000;
    for (Population p : pops) {
      for (int i = 0; i < p.accounts(); i++) {
        String acct = (p.campaign() ? "campaign-" : "user-" + p.tier() + "-") + i;
        SplittableRandom r = new SplittableRandom(acct.hashCode() * 31L);
        int n = p.campaign() ? 52 : 6 + r.nextInt(6);
        for (int k = 0; k < n; k++) {
          long ts =
              p.campaign()
                  ? start + k * (2 * 86_400_000L / n) + r.nextInt(20_000)
                  : start + (long) (r.nextDouble() * 2 * 86_400_000L);
          String client =
              p.campaign() ? "198.51.100.0/24" : "10." + i + "." + p.tier().length() + ".0/24";
          records.add(
              new dev.moat.detect.TraceRecord(
                  ts,
                  acct,
                  p.campaign() ? now - 3 * 86_400_000L : now - 400 * 86_400_000L,
                  p.tier(),
                  client,
                  null,
                  0,
                  null,
                  p.campaign()
                      ? dev.moat.research.sim.Prompts.campaignPrompt(sweep++)
                      : BENIGN[r.nextInt(BENIGN.length)],
                  p.campaign() ? 8192 : 512,
                  p.campaign() ? 0.3 : 0.8,
                  p.campaign() ? 5 : 0,
                  p.campaign() ? 900 : 200));
        }
      }
    }
    records.sort(java.util.Comparator.comparingLong(dev.moat.detect.TraceRecord::ts));
    records.forEach(detector::observe);
    return records.size();
  }

  private static void one(
      HttpClient http,
      String url,
      String key,
      String ip,
      String prompt,
      boolean campaign,
      Stats st) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", ModelServer.BUNDLED_MODEL_ID);
    body.put("max_tokens", campaign ? 100 : 60);
    if (campaign) {
      // What distillers ask for: deterministic-ish output and the top-5 distribution per token.
      body.put("temperature", 0.3);
      body.put("logprobs", true);
      body.put("top_logprobs", 5);
    }
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    HttpRequest req = post(url, key, ip, body);
    long t0 = System.nanoTime();
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(req, HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() == 429) {
        st.refused.incrementAndGet();
        r.body().close();
        return;
      }
      if (r.statusCode() != 200) {
        st.errors.incrementAndGet();
        r.body().close();
        return;
      }
      int level = Integer.parseInt(r.headers().firstValue("X-Moat-Level").orElse("0"));
      st.levels.computeIfAbsent(level, k -> new AtomicLong()).incrementAndGet();
      StringBuilder text = new StringBuilder();
      long[] n = {0};
      r.body()
          .forEach(
              line -> {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                  return;
                }
                try {
                  JsonNode c = JSON.readTree(line.substring(6));
                  if (c.has("usage")) {
                    n[0] = c.path("usage").path("completion_tokens").asLong();
                    return;
                  }
                  JsonNode d = c.path("choices").path(0).path("delta").path("content");
                  if (d.isTextual()) {
                    text.append(d.asText());
                  }
                } catch (java.io.IOException e) {
                  st.errors.incrementAndGet();
                }
              });
      st.ok.incrementAndGet();
      st.tokens.addAndGet(n[0]);
      st.streamNanos.addAndGet(System.nanoTime() - t0);
      st.harvest.add(text.toString());
    } catch (java.io.IOException e) {
      st.errors.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A JSON POST as a client behind a proxy at {@code ip} would send it. */
  static HttpRequest post(String url, String key, String ip, ObjectNode body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .header("X-Forwarded-For", ip)
        .timeout(Duration.ofMinutes(5))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
