package dev.moat.server;

import dev.moat.detect.Detector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's detector state on disk ({@code ./moat serve --state FILE}): restored at start,
 * before the server listens; written every {@code every} and at shutdown ({@link
 * Detector#snapshot}, atomically), so flags, watch levels and every account's detector state
 * survive a restart.
 *
 * <p>Failure: <b>fail-open</b>. A state file that cannot be read (damaged, foreign, another
 * version) is moved aside to {@code FILE.unreadable-<millis>} with a warning naming the problem,
 * and the server starts with a fresh detector: serving matters more than history, and the evidence
 * is kept for a person to look at. A snapshot that fails is logged and retried at the next
 * interval.
 *
 * <p>Thread-safe: snapshots run on the server's timer thread and at close.
 */
final class DetectorState {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorState.class);

  private final Detector detector;
  private final Path file;

  DetectorState(Detector detector, Path file) {
    this.detector = detector;
    this.file = file;
  }

  /** Restores the file if it exists; returns the accounts restored (0 if none or unreadable). */
  long restore() {
    if (!Files.exists(file)) {
      LOG.info("no detector state at {} yet: starting fresh", file);
      return 0;
    }
    try {
      long n = detector.restore(file);
      LOG.info("restored the detector state of {} accounts from {}", n, file);
      return n;
    } catch (IOException | RuntimeException e) {
      Path aside =
          file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
      try {
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException moved) {
        LOG.warn("could not move the unreadable state file aside: {}", moved.toString());
      }
      LOG.warn(
          "detector state {} is unreadable ({}); moved to {}, starting with a fresh detector",
          file,
          e.getMessage(),
          aside);
      return 0;
    }
  }

  /** Writes a snapshot every {@code every} on {@code timer}. */
  void schedule(ScheduledExecutorService timer, Duration every) {
    long ms = every.toMillis();
    var unused = timer.scheduleWithFixedDelay(this::save, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Writes a snapshot now; failures are logged, never thrown. */
  void save() {
    try {
      long t0 = System.nanoTime();
      detector.snapshot(file);
      LOG.debug(
          "detector state written to {} in {} ms", file, (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      LOG.warn("writing the detector state to {} failed: {}", file, e.toString());
    }
  }
}
