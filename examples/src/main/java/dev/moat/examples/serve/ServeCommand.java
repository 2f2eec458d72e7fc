package dev.moat.examples.serve;

import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./moat serve}: the protected model server on the bundled model (or {@code --model DIR}, a
 * Hugging Face model directory, served as {@code --model-id} or the directory's name) with the demo
 * policy and keys (or the given files); prints the URL, the demo API keys per tier and a {@code
 * curl} line, and serves until interrupted. {@code ./moat serve --load SECONDS} instead runs a
 * short mixed load against it (benign users and a scripted extraction campaign) and prints what
 * each tier saw.
 */
public final class ServeCommand {
  /** The command's options: name → takes a value. */
  public static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("host", true);
    OPTIONS.put("port", true);
    OPTIONS.put("admin-port", true);
    OPTIONS.put("policy", true);
    OPTIONS.put("keys", true);
    OPTIONS.put("watermark-keys", true);
    OPTIONS.put("admin-key", true);
    OPTIONS.put("workers", true);
    OPTIONS.put("load", true);
    OPTIONS.put("moat", true);
    OPTIONS.put("bench", true);
    OPTIONS.put("clients", true);
    OPTIONS.put("state", true);
    OPTIONS.put("redis", true);
    OPTIONS.put("model", true);
    OPTIONS.put("model-id", true);
    OPTIONS.put("max-batch", true);
    OPTIONS.put("batch-queue", true);
    OPTIONS.put("bench-batch", true);
    OPTIONS.put("rounds", true);
  }

  /** The demo admin key (public, like the demo API keys). */
  public static final String DEMO_ADMIN_KEY = "sk-moat-demo-admin";

  private ServeCommand() {}

  /** Runs the command; {@code get(name, default)} reads an option (null when absent). */
  public static int run(Options a, PrintStream out, PrintStream err) throws Exception {
    Path dir = Files.createTempDirectory("moat-serve-");
    Path policy = a.path("policy", () -> copy("policy.yaml", dir));
    Path keys = a.path("keys", () -> copy("keys.yaml", dir));
    WatermarkKeys wm = a.watermarkKeys(err);
    int workers = a.integer("workers", Runtime.getRuntime().availableProcessors(), 1, 256);
    String adminKey = a.text("admin-key", DEMO_ADMIN_KEY);
    int loadSeconds = a.integer("load", 0, 0, 3600);
    int benchSeconds = a.integer("bench", 0, 0, 3600);
    if (benchSeconds > 0) {
      return ServeBench.run(
          dir, wm, workers, benchSeconds, a.integer("clients", 200, 1, 2000), out);
    }
    int batchBenchSeconds = a.integer("bench-batch", 0, 0, 3600);
    if (batchBenchSeconds > 0) {
      return BatchBench.run(
          dir,
          wm,
          workers,
          batchBenchSeconds,
          a.integer("rounds", 3, 1, 100),
          a.integer("max-batch", ModelServer.Options.DEFAULT_MAX_BATCH, 2, 1024),
          out);
    }
    if (loadSeconds > 0) {
      return LoadDemo.run(dir, policy, wm, workers, loadSeconds, out);
    }
    ModelServer.Options o =
        ModelServer.Options.builder(policy, keys, wm, adminKey)
            .host(a.text("host", "127.0.0.1"))
            .port(a.integer("port", 8000, 0, 65535))
            .adminPort(a.integer("admin-port", 8001, 0, 65535))
            .workers(workers)
            .maxBatch(a.integer("max-batch", ModelServer.Options.DEFAULT_MAX_BATCH, 1, 1024))
            .maxWaiting(
                a.integer("batch-queue", ModelServer.Options.DEFAULT_MAX_WAITING, 1, 1_000_000))
            .stateFile(a.has("state") ? Path.of(a.text("state", "")) : null)
            .redis(a.has("redis") ? a.text("redis", "") : null)
            .model(
                a.has("model") ? Path.of(a.text("model", "")) : null,
                a.has("model-id") ? a.text("model-id", "") : null)
            .build();
    if (o.model() == null && o.modelId() != null) {
      err.println("--model-id names the model of --model DIR; give both");
      return 2;
    }
    try (ModelServer s = ModelServer.start(o)) {
      if ("off".equals(a.text("moat", "on"))) {
        s.setMoatEnabled(false);
      }
      String base = "http://" + o.host() + ":" + s.port();
      out.printf("Moat model server on %s, Moat %s%n", s.modelDescription(), a.text("moat", "on"));
      out.printf(
          "  API      %s/v1  (OpenAI-compatible: /completions, /chat/completions, /models)%n",
          base);
      out.printf(
          "  console  http://%s:%d/  (admin key %s)%n",
          o.host(), s.adminPort(), adminKey.equals(DEMO_ADMIN_KEY) ? DEMO_ADMIN_KEY : "as given");
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
      if (!a.has("keys")) {
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

  /** The command's parsed options, as the CLI's argument parser gives them. */
  public interface Options {
    boolean has(String name);

    String text(String name, String dflt);

    int integer(String name, int dflt, int lo, int hi);

    Path path(String name, PathSupplier dflt) throws IOException;

    WatermarkKeys watermarkKeys(PrintStream err) throws IOException;
  }

  /** A default path, made on demand. */
  public interface PathSupplier {
    Path get() throws IOException;
  }
}
