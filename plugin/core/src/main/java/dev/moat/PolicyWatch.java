package dev.moat;

import dev.moat.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of a policy file: every interval, on a daemon thread of its own
 * ("moat-policy-reload"), re-reads the file if its stamp changed. A version that fails is reported
 * once and the policy in force stays; a file missing for a moment (a config-map swap) is a failed
 * version like any other, and the check goes on.
 *
 * <p>Thread-safe.
 */
final class PolicyWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Moat.class);

  /** Re-reads and installs the file (what {@link Moat#reloadPolicy} does). */
  interface Reload {
    Object reload() throws IOException;
  }

  private final Path file;
  private final Reload reload;
  private volatile @Nullable FileStamp lastSeen;
  private final @Nullable ScheduledExecutorService reloader;

  /** Watches {@code file} every {@code interval}; never, when the interval is null. */
  PolicyWatch(Path file, @Nullable Duration interval, Reload reload) {
    this.file = Objects.requireNonNull(file, "file");
    this.reload = reload;
    this.lastSeen = FileStamp.of(file);
    if (interval == null) {
      this.reloader = null;
      return;
    }
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "moat-policy-reload");
              t.setDaemon(true);
              return t;
            });
    long every = interval.toMillis();
    // Runs until close(); check() catches everything, so the schedule never stops.
    var unused = s.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    this.reloader = s;
  }

  Path file() {
    return file;
  }

  /** The stamp of the version now in force (taken before it was read). */
  void seen(@Nullable FileStamp stamp) {
    lastSeen = stamp;
  }

  private void check() {
    FileStamp now = FileStamp.of(file); // null while the file is missing
    if (Objects.equals(now, lastSeen)) {
      return;
    }
    try {
      reload.reload();
    } catch (PolicyException e) {
      lastSeen = now; // report each broken version once
      log.warn("moat policy reload rejected, previous policy stays in force: {}", e.getMessage());
    } catch (IOException | RuntimeException e) {
      lastSeen = now;
      log.warn("moat policy reload failed, previous policy stays in force: {}", e.toString());
    }
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.shutdownNow();
    }
  }
}
