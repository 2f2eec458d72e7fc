package dev.moat.research;

import dev.moat.detect.Detector;
import dev.moat.detect.Features;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs a stream of requests through a {@link Detector} in timestamp order, strictly online: each
 * verdict is computed when its request is observed, from it and what came before. Reading (parsing
 * a trace, or generating one) runs on a second thread, handing over batches in order, so that
 * detection gets a core of its own.
 *
 * <p>Thread-safe: stateless; each {@link #run} owns its reading thread and queue.
 */
public final class Replay {
  private static final Detector.Prepared[] END = new Detector.Prepared[0];
  private static final int BATCH = 2048;

  /**
   * The trace's clock, for the detector's expiry: the latest request's time.
   *
   * <p>Thread-safe: set by {@link #run}'s detection thread, read by the detector (volatile).
   */
  public static final class Clock implements dev.moat.time.Clock {
    private volatile long nanos;

    void set(long epochMillis) {
      nanos = epochMillis * 1_000_000L;
    }

    @Override
    public long nanoTime() {
      return nanos;
    }
  }

  /** Sees every request with its verdict and the features behind it. */
  public interface Sink {
    /** Called on the detection thread, in timestamp order. */
    void accept(TraceRecord r, Verdict v, float[] features);
  }

  /**
   * What a run saw.
   *
   * @param verdicts the latest verdict per account, by account
   * @param requests the requests replayed
   * @param seconds the run's wall-clock time
   * @param peakHeapBytes the heap's peak use during the run
   * @param detectCpuSeconds the detection thread's CPU time
   * @param readCpuSeconds the reading thread's CPU time
   */
  public record Outcome(
      Map<String, Verdict> verdicts,
      long requests,
      double seconds,
      long peakHeapBytes,
      double detectCpuSeconds,
      double readCpuSeconds) {
    /** Requests replayed per second of wall-clock time. */
    public double perSecond() {
      return requests / Math.max(1e-9, seconds);
    }
  }

  private Replay() {}

  /**
   * Replays {@code source} through {@code detector}, setting {@code clock} to each request's time.
   *
   * @param source the next request, or null at the end (called on the reading thread)
   * @param progress where to report progress every {@code every} requests, or null
   */
  public static Outcome run(
      Supplier<@Nullable TraceRecord> source,
      Detector detector,
      Clock clock,
      @Nullable PrintStream progress,
      long every,
      @Nullable Sink sink)
      throws InterruptedException {
    BlockingQueue<Detector.Prepared[]> queue = new ArrayBlockingQueue<>(64);
    Throwable[] failure = new Throwable[1];
    double[] readCpu = new double[1];
    java.lang.management.ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    Thread reader =
        new Thread(
            () -> {
              try {
                while (true) {
                  // Parsing (or generating) and the prompt's analysis, which needs no account
                  // state, run here; the detection thread keeps the stateful half.
                  Detector.Prepared[] batch = new Detector.Prepared[BATCH];
                  int n = 0;
                  TraceRecord r;
                  while (n < BATCH && (r = source.get()) != null) {
                    batch[n++] = detector.prepare(r);
                  }
                  if (n > 0) {
                    queue.put(n == BATCH ? batch : java.util.Arrays.copyOf(batch, n));
                  }
                  if (n < BATCH) {
                    break;
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException | Error e) {
                failure[0] = e;
              } finally {
                readCpu[0] = cpu.getCurrentThreadCpuTime() / 1e9;
                try {
                  queue.put(END);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "moat-replay-reader");
    reader.setDaemon(true);
    reader.start();
    resetPeaks();
    float[] features = new float[Features.COUNT];
    long n = 0;
    long flagged = 0;
    long t0 = System.nanoTime();
    long cpu0 = cpu.getCurrentThreadCpuTime();
    long lastReport = t0;
    long lastN = 0;
    while (true) {
      Detector.Prepared[] batch = queue.take();
      if (batch == END) {
        break;
      }
      for (Detector.Prepared p : batch) {
        TraceRecord r = p.record();
        clock.set(r.ts());
        Verdict v = detector.observe(p, sink != null ? features : null);
        if (v.flaggedAt() == r.ts() && v.requestsBeforeFlag() == v.requests() - 1) {
          flagged++; // flagged at this request
        }
        if (sink != null) {
          sink.accept(r, v, features);
        }
        n++;
        if (progress != null && n % every == 0) {
          long now = System.nanoTime();
          progress.printf(
              "  %,d requests to %s, %,d accounts, %,d flagged, %,.0f req/s%n",
              n,
              Instant.ofEpochMilli(r.ts()).toString().substring(0, 16),
              detector.accounts(),
              flagged,
              (n - lastN) / ((now - lastReport) / 1e9));
          lastReport = now;
          lastN = n;
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double detectCpu = (cpu.getCurrentThreadCpuTime() - cpu0) / 1e9;
    reader.join();
    if (failure[0] instanceof RuntimeException e) {
      throw e;
    }
    if (failure[0] instanceof Error e) {
      throw e;
    }
    // Verdicts from the detector at the end, not a map updated per request (a lookup per request
    // would cost replay a tenth of its speed); sorted by account for a stable file.
    Map<String, Verdict> verdicts = new java.util.TreeMap<>();
    detector.verdicts().forEach(v -> verdicts.put(v.account(), v));
    return new Outcome(verdicts, n, seconds, peakHeap(), detectCpu, readCpu[0]);
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** The sum of the heap pools' peak usage since the run started. */
  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
