package dev.moat.detect.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.JedisPooled;

/**
 * A real {@code redis-server} on a free local port, for tests: no persistence, killed on close.
 * Where {@code redis-server} is not installed the test is skipped, except under CI ({@code CI}
 * set), where that is a failure: {@code .ci/run} installs it.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private Process process;

  private RedisServer(int port) {
    this.port = port;
  }

  /** Starts a server and waits until it answers PING. */
  public static RedisServer start() throws IOException, InterruptedException {
    String exe = find();
    if (exe == null) {
      if (System.getenv("CI") != null) {
        throw new IllegalStateException(
            "redis-server is not installed; CI must install it (.ci/run: apt-get install -y"
                + " redis-server)");
      }
      Assumptions.abort("redis-server is not installed here (CI installs it)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisServer r = new RedisServer(port);
    r.exe = exe;
    r.launch();
    return r;
  }

  private String exe;

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                exe,
                "--port",
                String.valueOf(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (JedisPooled j = new JedisPooled("127.0.0.1", port)) {
        if ("PONG".equals(j.ping())) {
          return;
        }
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException("redis-server did not start on port " + port, e);
        }
        Thread.sleep(50);
      }
    }
  }

  private static String find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      Path p = Path.of(dir, "redis-server");
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    for (String p : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  public int port() {
    return port;
  }

  /** Kills the server (as a crash would). */
  public void stop() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts it again on the same port, empty. */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
  }
}
