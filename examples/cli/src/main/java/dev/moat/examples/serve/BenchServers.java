package dev.moat.examples.serve;

import dev.moat.onnxruntime.ExecutionDevice;
import dev.moat.server.ModelServer;
import dev.moat.watermark.WatermarkKeys;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What the serving benches ({@link ServeBench}, {@link WaveBench}, {@link BatchBench}) set up
 * alike: the server under test, the keys of their clients, and the clients' HTTP client.
 *
 * <p>Stateless but for a thread counter; not instantiable.
 */
final class BenchServers {
  private BenchServers() {}

  private static final AtomicInteger HTTP_THREADS = new AtomicInteger();

  /**
   * The model a bench serves: the bundled one ({@code dir} null) or a Hugging Face directory run by
   * {@code runtime}, on {@code device}.
   */
  record Model(@Nullable Path dir, String runtime, ExecutionDevice device) {
    /** The bundled model on the CPU. */
    static final Model BUNDLED = new Model(null, "auto", ExecutionDevice.CPU);
  }

  /** A bench's server on {@code model}, decoding up to {@code maxBatch} sequences per call. */
  static ModelServer start(
      Path policy, Path keysFile, WatermarkKeys wm, int workers, int maxBatch, Model model)
      throws java.io.IOException {
    return ModelServer.start(
        ModelServer.Options.builder(policy, keysFile, wm, ModelServer.DEMO_ADMIN_KEY)
            .workers(workers)
            .maxBatch(maxBatch)
            .model(model.dir(), null)
            .runtime(model.runtime())
            .device(model.device())
            .build());
  }

  /** {@link #start(Path, Path, WatermarkKeys, int, int, Model)} with the server's default batch. */
  static ModelServer start(Path policy, Path keysFile, WatermarkKeys wm, int workers, Model model)
      throws java.io.IOException {
    return start(policy, keysFile, wm, workers, ModelServer.Options.DEFAULT_MAX_BATCH, model);
  }

  /**
   * The clients' HTTP client, on {@code threads} daemon threads named {@code bench-http-*} (which
   * {@link ServerCpu} leaves out of the server's CPU time).
   */
  static HttpClient httpClient(int threads) {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .executor(
            java.util.concurrent.Executors.newFixedThreadPool(
                threads,
                r -> {
                  Thread t = new Thread(r, "bench-http-" + HTTP_THREADS.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                }))
        .build();
  }

  /**
   * Writes the bench's keys: for each of {@code clients} clients, one key per level's tier ({@code
   * sk-bench-0007-l2} is client 7's key of tier {@code bench-l2}), all of one account.
   */
  static Path writeKeys(Path dir, int clients) throws java.io.IOException {
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
    return keysFile;
  }
}
