package dev.moat.server;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Checks, on the serving threads themselves, that Moat's per-token work allocates nothing once the
 * JIT has compiled it. Moat's kernels allocate nothing when compiled as SIMD code, but every vector
 * becomes an object where they run without the Vector API's intrinsics: interpreted, before C2 has
 * compiled them, or in compiled code that lacks them, a state that some JDK 17 processes fall into
 * after their warm-up and do not leave (3 of 10 forks of one benchmark configuration: 3-4x slower
 * per token, 753 KB allocated per token at 128,256; none of 10 on JDK 25; see perf/RESULTS.md, "The
 * JDK 17 hazard, reproduced"). Nothing in the JVM reports that state, so this watch measures its
 * symptom.
 *
 * <p>{@link #begin} samples call {@code n} of the caller's count when {@code n} is a multiple of
 * the caller's period ({@link #TOKENS}: a generation's tokens; {@link #STEPS}: the decode loop's
 * batch steps): it reads the thread's allocated bytes ({@code
 * com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}), and {@link #end} reads them
 * again after the step's Moat work: two reads, tens of nanoseconds, on one token in {@code period}.
 * After the warm-up (the JIT's time to compile the kernels), a sample above {@link #THRESHOLD}
 * bytes per token counts ({@code moat_token_allocating_total}); {@link #CONSECUTIVE} such samples
 * in a row log one warning for the process's life. A JVM without the counter (not HotSpot) is never
 * sampled.
 *
 * <p>Thread-safe: samples on any thread; the counts are atomic.
 */
final class AllocationWatch {
  /** Bytes per token above which a sample counts: a few boxed vectors are 64-256 bytes each. */
  static final long THRESHOLD = 1024;

  /** One token in this many of a generation is sampled. */
  static final int TOKENS = 1024;

  /** One batch step in this many of the decode loop is sampled. */
  static final int STEPS = 256;

  /** Samples in a row above the threshold before the warning. */
  static final int CONSECUTIVE = 3;

  private final com.sun.management.@Nullable ThreadMXBean threads;
  private final long warmupEndNanos;
  private final LongConsumer counted;
  private final Logger log;
  private final AtomicInteger inARow = new AtomicInteger();
  private final AtomicBoolean warned = new AtomicBoolean();

  /**
   * @param warmupNanos from now, how long samples are not judged
   * @param counted told of each sample above the threshold (a counter)
   */
  AllocationWatch(long warmupNanos, LongConsumer counted, Logger log) {
    this.threads = counter();
    this.warmupEndNanos = System.nanoTime() + warmupNanos;
    this.counted = counted;
    this.log = log;
  }

  private static com.sun.management.@Nullable ThreadMXBean counter() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported()
        && t.isThreadAllocatedMemoryEnabled()) {
      return t;
    }
    return null;
  }

  /**
   * The thread's allocated bytes if call {@code n} of the caller's count is sampled (a multiple of
   * {@code period}, a power of two), else -1. Call it before the step's Moat work, and {@link #end}
   * after.
   */
  long begin(long n, int period) {
    com.sun.management.ThreadMXBean t = threads;
    if (t == null || (n & (period - 1)) != 0) {
      return -1;
    }
    return t.getCurrentThreadAllocatedBytes();
  }

  /** After the step's Moat work for {@code tokens} tokens, with what {@link #begin} returned. */
  void end(long before, int tokens) {
    com.sun.management.ThreadMXBean t = threads;
    if (before < 0 || t == null || tokens <= 0) {
      return;
    }
    long perToken = (t.getCurrentThreadAllocatedBytes() - before) / tokens;
    if (System.nanoTime() - warmupEndNanos < 0) {
      return;
    }
    if (perToken <= THRESHOLD) {
      inARow.set(0);
      return;
    }
    counted.accept(1);
    if (inARow.incrementAndGet() >= CONSECUTIVE && warned.compareAndSet(false, true)) {
      log.warn(
          "Moat's per-token work allocated {} bytes per token in {} samples in a row after"
              + " warm-up: its SIMD kernels are running without the Vector API's intrinsics"
              + " (the JIT's de-optimised state seen on JDK 17, perf/RESULTS.md), 50-100x slower"
              + " per token. Restarting the process clears it; JDK 25 has not shown it;"
              + " -Dmoat.simd=scalar avoids the Vector API. Said once.",
          perToken,
          CONSECUTIVE);
    }
  }

  /** Whether the warning was logged. */
  boolean warned() {
    return warned.get();
  }
}
