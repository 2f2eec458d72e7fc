package dev.moat.examples.serve;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageErrors;
import dev.moat.examples.cli.UsageException;
import dev.moat.onnxruntime.ExecutionDevice;
import dev.moat.server.ModelServer;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./moat serve}: the protected model server on the bundled model (or {@code --model DIR}, a
 * Hugging Face model directory, served as {@code --model-id} or the directory's name) with the demo
 * policy and keys (or the given files); prints the URL, the demo API keys per tier and a {@code
 * curl} line, and serves until interrupted. {@code ./moat serve --load SECONDS} instead runs a
 * short mixed load against it (benign users and a scripted extraction campaign) and prints what
 * each tier saw. Not thread-safe: picocli sets its options.
 */
@Command(
    name = "serve",
    description = {
      "The protected model server (OpenAI-compatible API, web console).",
      "The bundled model (or --model DIR) behind Moat: /v1/completions, /v1/chat/completions,"
          + " /v1/models, streaming, API keys per tier, live policy, Prometheus metrics and a web"
          + " console on the admin port.",
      "--load, --bench, --bench-waves and --bench-batch run a measurement against it instead and"
          + " exit (the benches on --model's model if given)."
    })
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--host",
      paramLabel = "HOST",
      description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "API port, 0 for any (default: ${DEFAULT-VALUE}).")
  @Range(min = 0, max = 65535)
  int port = 8000;

  @Option(
      names = "--admin-port",
      paramLabel = "N",
      description = "Admin and console port (default: ${DEFAULT-VALUE}).")
  @Range(min = 0, max = 65535)
  int adminPort = 8001;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Policy file (default: the demo policy, copied).")
  @Nullable Path policy;

  @Option(
      names = "--keys",
      paramLabel = "FILE",
      description = "API keys file (default: the demo keys, copied).")
  @Nullable Path keys;

  @Option(
      names = "--watermark-keys",
      paramLabel = "FILE",
      description =
          "Watermark keys (id=hex lines; default: $MOAT_WATERMARK_KEYS, else the public demo key).")
  @Nullable String watermarkKeys;

  @Option(
      names = "--admin-key",
      paramLabel = "KEY",
      description = "Admin key (default: the demo's).")
  String adminKey = ModelServer.DEMO_ADMIN_KEY;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Model worker threads (default: the processors).")
  @Range(min = 1, max = 256)
  int workers = Runtime.getRuntime().availableProcessors();

  @Option(names = "--moat", paramLabel = "on|off", description = "on (default) or off.")
  String moat = "on";

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description = "The detector's state: restored at start, written every 5 minutes and at exit.")
  @Nullable Path state;

  @Option(
      names = "--redis",
      paramLabel = "redis://HOST:PORT",
      description = "Fleet mode: the detector's links shared by replicas.")
  @Nullable String redis;

  @Option(names = "--model", paramLabel = "DIR", description = "A Hugging Face model directory.")
  @Nullable Path model;

  @Option(names = "--model-id", paramLabel = "NAME", description = "Its id (default: its name).")
  @Nullable String modelId;

  @Option(
      names = "--runtime",
      paramLabel = "NAME",
      description =
          "What runs the model of --model: onnxruntime, jlama (safetensors; in builds on JDK 22+) or"
              + " auto: ONNX Runtime when it has an ONNX graph (default: ${DEFAULT-VALUE}).")
  String runtime = "auto";

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description =
          "Where ONNX Runtime runs the model: cpu, cuda or cuda:N (a build with -Pgpu and CUDA 12;"
              + " the server does not start on the CPU instead). Default: ${DEFAULT-VALUE}.")
  String device = "cpu";

  @Option(
      names = "--max-batch",
      paramLabel = "N",
      description = "Sequences per model call; 1: each request alone (default: 16).")
  @Range(min = 1, max = 1024)
  @Nullable Integer maxBatch;

  @Option(
      names = "--batch-queue",
      paramLabel = "N",
      description = "New requests that may wait for a place; then 503 (default: ${DEFAULT-VALUE}).")
  @Range(min = 1, max = 1_000_000)
  int batchQueue = ModelServer.Options.DEFAULT_MAX_WAITING;

  @Option(
      names = "--load",
      paramLabel = "SECONDS",
      description = "Instead: a short mixed load of benign users and an extraction campaign.")
  @Range(min = 0, max = 3600)
  int load;

  @Option(
      names = "--bench",
      paramLabel = "SECONDS",
      description = "Instead: throughput and time to first token, Moat off and on.")
  @Range(min = 0, max = 3600)
  int bench;

  @Option(
      names = "--clients",
      paramLabel = "N",
      description =
          "--bench's clients (default: 200); --bench-waves' concurrent streams per wave (default:"
              + " 1).")
  @Range(min = 1, max = 2000)
  @Nullable Integer clients;

  @Option(
      names = "--bench-waves",
      paramLabel = "ROUNDS",
      description =
          "Instead: Moat off and on (levels 0 to 3) in waves of --clients streams, shuffled per"
              + " round, nothing in flight at a switch: the paired overhead with its interval.")
  @Range(min = 0, max = 100_000)
  int benchWaves;

  @Option(
      names = "--bench-levels",
      paramLabel = "LIST",
      description =
          "--bench-waves' configurations, comma-separated: off and one or more of 0 to 3 (default:"
              + " ${DEFAULT-VALUE}). off,0 spends every wave on level 0's pair.")
  String benchLevels = "off,0,1,2,3";

  @Option(
      names = "--bench-batch",
      paramLabel = "SECONDS",
      description =
          "Instead: batched against one sequence per call at 1, 8 and 32 clients (on --model if"
              + " given).")
  @Range(min = 0, max = 3600)
  int benchBatch;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      description = "--bench-batch's rounds (default: ${DEFAULT-VALUE}).")
  @Range(min = 1, max = 100)
  int rounds = 3;

  private final PrintStream out;
  private final PrintStream err;
  private final KeyLoader keyLoader;

  /** {@code keyLoader} reads {@code --watermark-keys} as the other commands read {@code --keys}. */
  public ServeCommand(PrintStream out, PrintStream err, KeyLoader keyLoader) {
    this.out = out;
    this.err = err;
    this.keyLoader = keyLoader;
  }

  @Override
  public Integer call() throws Exception {
    if (!moat.equals("on") && !moat.equals("off")) {
      throw new UsageException(UsageErrors.invalid("--moat", moat, "on or off"));
    }
    // Values checked before anything is written or started.
    ExecutionDevice dev;
    try {
      dev = ExecutionDevice.parse(device);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--" + e.getMessage());
    }
    BenchServers.Model served = new BenchServers.Model(model, runtime, dev);
    int[] levels = benchLevels(benchLevels);
    if (!benchLevels.equals("off,0,1,2,3") && benchWaves == 0) {
      throw new UsageException(
          UsageErrors.invalid("--bench-levels", benchLevels, "given only with --bench-waves"));
    }
    Path dir = Files.createTempDirectory("moat-serve-");
    Path policy = this.policy != null ? this.policy : copy("policy.yaml", dir);
    Path keys = this.keys != null ? this.keys : copy("keys.yaml", dir);
    WatermarkKeys wm = keyLoader.load(watermarkKeys, err);
    int batch = maxBatch != null ? maxBatch : ModelServer.Options.DEFAULT_MAX_BATCH;
    if (bench > 0) {
      return ServeBench.run(dir, wm, workers, bench, clients != null ? clients : 200, served, out);
    }
    if (benchWaves > 0) {
      if (benchWaves < 2) {
        throw new UsageException(UsageErrors.invalid("--bench-waves", "1", "at least 2 rounds"));
      }
      return WaveBench.run(
          dir,
          wm,
          workers,
          benchWaves,
          clients != null ? clients : 1,
          WaveBench.WARM_UP_SECONDS,
          levels,
          served,
          out);
    }
    if (benchBatch > 0) {
      return BatchBench.run(
          dir,
          wm,
          workers,
          benchBatch,
          rounds,
          UsageErrors.inRange("--max-batch", maxBatch, batch, 2, 1024),
          served,
          out);
    }
    if (load > 0) {
      return LoadDemo.run(dir, policy, wm, workers, load, out);
    }
    ModelServer.Options o =
        ModelServer.Options.builder(policy, keys, wm, adminKey)
            .host(host)
            .port(port)
            .adminPort(adminPort)
            .workers(workers)
            .maxBatch(batch)
            .maxWaiting(batchQueue)
            .stateFile(state)
            .redis(redis)
            .model(model, modelId)
            .runtime(runtime)
            .device(dev)
            .build();
    if (o.model() == null && o.modelId() != null) {
      err.println("--model-id names the model of --model DIR; give both");
      return 2;
    }
    try (ModelServer s = ModelServer.start(o)) {
      if (moat.equals("off")) {
        s.setMoatEnabled(false);
      }
      String base = "http://" + o.host() + ":" + s.port();
      out.printf("Moat model server on %s, Moat %s%n", s.modelDescription(), moat);
      out.printf(
          "  API      %s/v1  (OpenAI-compatible: /completions, /chat/completions, /models)%n",
          base);
      out.printf(
          "  console  http://%s:%d/  (admin key %s)%n",
          o.host(),
          s.adminPort(),
          adminKey.equals(ModelServer.DEMO_ADMIN_KEY) ? ModelServer.DEMO_ADMIN_KEY : "as given");
      out.printf("  metrics  http://%s:%d/metrics%n", o.host(), s.adminPort());
      out.printf("  policy   %s (edit it: the server reloads it)%n", policy);
      if (o.redis() != null) {
        out.printf(
            "  fleet    %s (detector links shared by every replica; fail-open to this one's)%n",
            o.redis());
      }
      if (o.stateFile() != null) {
        out.printf(
            "  state    %s (detector state: restored at start, written every 5 min and at exit)%n",
            o.stateFile());
      }
      if (this.keys == null) {
        out.println(
            "  demo API keys by tier: free sk-moat-demo-free, pro sk-moat-demo-pro,"
                + " enterprise sk-moat-demo-enterprise, internal sk-moat-demo-internal");
      }
      out.println();
      out.printf(
          "curl -s %s/v1/chat/completions -H 'Authorization: Bearer sk-moat-demo-free'"
              + " -H 'Content-Type: application/json'"
              + " -d '{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Write a"
              + " Java method that\"}],\"max_tokens\":40}'%n",
          base, s.modelId());
      out.println();
      out.println("Serving; Ctrl-C stops.");
      out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }

  static Path copy(String resource, Path dir) throws IOException {
    Path target = dir.resolve(resource);
    try (InputStream in = ServeCommand.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is missing from the classpath");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * Reads watermark keys from a file, or where the command line takes them from by default. Called
   * once per run, on the command's thread.
   */
  @FunctionalInterface
  public interface KeyLoader {
    WatermarkKeys load(@Nullable String file, PrintStream err) throws IOException;
  }

  /**
   * {@code --bench-levels}: {@code off} and levels 0 to 3, comma-separated, each at most once, off
   * and one level at least; as {@link WaveBench}'s configurations ({@code -1} for off).
   */
  static int[] benchLevels(String list) {
    String[] parts = list.split(",", -1);
    int[] configs = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].strip();
      if (p.equals("off")) {
        configs[i] = -1;
      } else if (p.length() == 1 && p.charAt(0) >= '0' && p.charAt(0) <= '3') {
        configs[i] = p.charAt(0) - '0';
      } else {
        throw new UsageException(
            UsageErrors.invalid(
                "--bench-levels", list, "off and levels 0 to 3, comma-separated (e.g. off,0)"));
      }
    }
    try {
      WaveBench.checkConfigs(configs);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          UsageErrors.invalid(
              "--bench-levels", list, "off and at least one of 0 to 3, each once (e.g. off,0)"));
    }
    return configs;
  }
}
