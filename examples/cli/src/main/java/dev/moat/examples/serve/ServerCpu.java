package dev.moat.examples.serve;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Locale;

/**
 * The CPU time of the serving threads: every live Java thread of this process but the benchmark's
 * client threads, which run in the same process (told apart by name, {@link #CLIENT_PREFIXES}).
 * That is the model workers (ONNX Runtime runs on the calling thread at one intra-op thread), the
 * decode loop, Moat's batch threads, the HTTP I/O threads and the timers. The JVM's garbage
 * collector and JIT compiler threads are not Java-visible threads and are left out: the JIT's work
 * is warm-up, not a cost per token, and it would land on whichever phase ran while it compiled.
 * Read at a phase's start and end, it gives the serving threads' CPU time per token. The idea was a
 * measure that other load moves less than tokens per second, since a core taken by another process
 * delays the server without adding to its CPU time. Measured on the 2-core machine
 * (perf/RESULTS.md), its intervals were no tighter than those of tokens/s: shared caches, a busy
 * sibling hyperthread and the in-process clients still move it.
 *
 * <p>A serving thread that ended between two readings takes its CPU time out of the later one; the
 * server's pools keep their threads for its life. Thread-safe: stateless.
 */
final class ServerCpu {
  /** Names of the benchmark's own threads: its clients, their HTTP executor and selector. */
  static final String[] CLIENT_PREFIXES = {"bench-client-", "bench-http-", "HttpClient-"};

  private ServerCpu() {}

  /** Whether the JVM measures per-thread CPU time. */
  static boolean supported() {
    var threads = ManagementFactory.getThreadMXBean();
    return threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
  }

  /** Nanoseconds of CPU time spent so far by the live serving threads; -1 if unsupported. */
  static long now() {
    if (!supported()) {
      return -1;
    }
    var threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && !isClient(t.getThreadName())) {
        total += Math.max(0, threads.getThreadCpuTime(t.getThreadId())); // -1: it ended meanwhile
      }
    }
    return total;
  }

  static boolean isClient(String name) {
    for (String p : CLIENT_PREFIXES) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** Microseconds, for the report. */
  static String micros(double nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
  }
}
