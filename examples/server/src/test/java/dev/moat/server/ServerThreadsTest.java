package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's threads over real HTTP: streams waiting on the tarpit hold none. */
class ServerThreadsTest {
  @TempDir static Path dir;
  static ServerFixture server;

  @BeforeAll
  static void start() throws Exception {
    server = ServerFixture.start(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * 150 tarpitted streams at once (2 tokens a second each, about 1.5 s per stream) hold no thread
   * each: the JVM's thread count grows by a handful while they run (the server's pools are fixed:
   * I/O threads, one worker per core, one timer), and every stream completes.
   */
  @Test
  void tarpittedStreamsHoldNoThreads() throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    HttpClient client = HttpClient.newBuilder().executor(pool).build();
    try {
      int before = mx.getThreadCount();
      java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all =
          new java.util.ArrayList<>();
      for (int i = 0; i < 150; i++) {
        all.add(
            client.sendAsync(
                HttpRequest.newBuilder(URI.create(server.base + "/completions"))
                    .header("Authorization", "Bearer sk-test-tarpit-01")
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 20,"
                                + " \"stream\": true}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // The most streams in flight at once, and the threads then (polled: no fixed sleep).
      int live = 0;
      int during = before;
      long until = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < until
          && !all.stream().allMatch(java.util.concurrent.Future::isDone)) {
        int now =
            ModelServer.MAPPER.readTree(server.admin("GET", "/admin/sessions", null).body()).size();
        if (now > live) {
          live = now;
          during = Math.max(during, mx.getThreadCount());
        }
        Thread.sleep(50);
      }
      for (var f : all) {
        HttpResponse<String> r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
      }
      assertTrue(live >= 100, "streams in flight at once: " + live);
      assertTrue(during - before < 30, "threads before " + before + ", during " + during);
    } finally {
      pool.shutdownNow();
    }
  }
}
