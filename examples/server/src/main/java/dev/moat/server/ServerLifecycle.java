package dev.moat.server;

import dev.moat.detect.Detector;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The server's start and stop: its threads (a fixed pool of workers for model steps, one timer
 * thread for tarpit holds and state snapshots), its two Undertow listeners (the API port and the
 * admin port), and the detector's state file wired to them. Starting restores the state before
 * either port listens (no request may be observed by a detector that is about to be restored);
 * stopping saves it after both listeners stopped (the last requests are in it).
 *
 * <p>Thread-safe: built (and so started) by one thread; {@link #stop} is called once, at the
 * server's close.
 */
final class ServerLifecycle {
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final Undertow api;
  private final Undertow admin;
  private final @Nullable DetectorState state;
  private final int apiPort;
  private final int adminPort;

  /**
   * Builds both listeners, restores and schedules the detector's state (with a state file), then
   * listens: the ports are bound when this returns.
   */
  ServerLifecycle(
      ModelServer.Options o,
      ExecutorService workers,
      ScheduledExecutorService timer,
      Detector detector,
      HttpHandler apiRoutes,
      HttpHandler adminRoutes) {
    this.workers = workers;
    this.timer = timer;
    this.api =
        Undertow.builder()
            .addHttpListener(o.port(), o.host())
            .setIoThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, ModelServer.DRAIN_LIMIT)
            .setServerOption(UndertowOptions.DECODE_URL, true)
            .setHandler(apiRoutes)
            .build();
    this.admin =
        Undertow.builder()
            .addHttpListener(o.adminPort(), o.host())
            .setIoThreads(1)
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) ModelServer.MAX_BODY)
            .setHandler(adminRoutes)
            .build();
    Path stateFile = o.stateFile();
    if (stateFile != null) {
      // Before listening: no request may be observed by a detector that is about to be restored.
      DetectorState s = new DetectorState(detector, stateFile);
      s.restore();
      s.schedule(timer, Duration.ofMinutes(5));
      this.state = s;
    } else {
      this.state = null;
    }
    api.start();
    admin.start();
    this.apiPort = ((InetSocketAddress) api.getListenerInfo().get(0).getAddress()).getPort();
    this.adminPort = ((InetSocketAddress) admin.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** The worker pool: one thread each ({@code moat-serve-worker}), daemons. */
  static ExecutorService newWorkers(int threads) {
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "moat-serve-worker");
          t.setDaemon(true);
          return t;
        });
  }

  /** The timer thread ({@code moat-serve-tarpit}), a daemon. */
  static ScheduledExecutorService newTimer() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "moat-serve-tarpit");
          t.setDaemon(true);
          return t;
        });
  }

  int apiPort() {
    return apiPort;
  }

  int adminPort() {
    return adminPort;
  }

  /**
   * Stops both listeners and the threads, then saves the detector's state (after the listeners
   * stopped: the last requests are in it).
   */
  void stop() {
    api.stop();
    admin.stop();
    workers.shutdownNow();
    timer.shutdownNow();
    if (state != null) {
      state.save(); // after the listeners stopped: the last requests are in it
    }
  }
}
