package dev.moat.examples;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.detect.Detector;
import dev.moat.detect.Features;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Instant;
import java.util.LinkedHashMap;
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
 */
final class Replay {
  private static final TraceRecord[] END = new TraceRecord[0];
  private static final int BATCH = 2048;

  /** The trace's clock, for the detector's expiry: the latest request's time. */
  static final class Clock implements Ticker {
    private volatile long nanos;

    void set(long epochMillis) {
      nanos = epochMillis * 1_000_000L;
    }

    @Override
    public long read() {
      return nanos;
    }
  }

  /** Sees every request with its verdict and the features behind it. */
  interface Sink {
    void accept(TraceRecord r, Verdict v, float[] features);
  }

  /** What a run saw: the latest verdict per account, in order of first request. */
  record Outcome(Map<String, Verdict> verdicts, long requests, double seconds, long peakHeapBytes) {
    double perSecond() {
      return requests / Math.max(1e-9, seconds);
    }
  }

  private Replay() {}

  /**
   * @param source the next request, or null at the end (called on the reading thread)
   * @param progress where to report progress every {@code every} requests, or null
   */
  static Outcome run(
      Supplier<@Nullable TraceRecord> source,
      Detector detector,
      Clock clock,
      @Nullable PrintStream progress,
      long every,
      @Nullable Sink sink)
      throws InterruptedException {
    BlockingQueue<TraceRecord[]> queue = new ArrayBlockingQueue<>(64);
    Throwable[] failure = new Throwable[1];
    Thread reader =
        new Thread(
            () -> {
              try {
                while (true) {
                  TraceRecord[] batch = new TraceRecord[BATCH];
                  int n = 0;
                  TraceRecord r;
                  while (n < BATCH && (r = source.get()) != null) {
                    batch[n++] = r;
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
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    float[] features = new float[Features.COUNT];
    long n = 0;
    long flagged = 0;
    long t0 = System.nanoTime();
    long lastReport = t0;
    long lastN = 0;
    while (true) {
      TraceRecord[] batch = queue.take();
      if (batch == END) {
        break;
      }
      for (TraceRecord r : batch) {
        clock.set(r.ts());
        Verdict v = detector.observe(r, sink != null ? features : null);
        // A LinkedHashMap keeps an account where it first appeared when its verdict is replaced.
        Verdict before = verdicts.put(r.account(), v);
        if (v.flagged() && (before == null || !before.flagged())) {
          flagged++;
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
              verdicts.size(),
              flagged,
              (n - lastN) / ((now - lastReport) / 1e9));
          lastReport = now;
          lastN = n;
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    reader.join();
    if (failure[0] instanceof RuntimeException e) {
      throw e;
    }
    if (failure[0] instanceof Error e) {
      throw e;
    }
    return new Outcome(verdicts, n, seconds, peakHeap());
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
