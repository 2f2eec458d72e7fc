package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The server's CPU time per token: what it counts, and the verdicts it certifies. */
class ServerCpuTest {
  /**
   * Starts a thread named {@code name} that burns about {@code nanos} of CPU time and then waits,
   * alive, until {@code release} opens; returns once the burn is done.
   */
  private static Thread burn(String name, long nanos, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch burnt = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              var mx = java.lang.management.ManagementFactory.getThreadMXBean();
              long start = mx.getCurrentThreadCpuTime();
              long x = 1;
              while (mx.getCurrentThreadCpuTime() - start < nanos) {
                for (int i = 0; i < 10_000; i++) {
                  x = x * 6364136223846793005L + 1442695040888963407L;
                }
              }
              SINK.set(x);
              burnt.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            name);
    t.start();
    burnt.await();
    return t;
  }

  private static final java.util.concurrent.atomic.AtomicLong SINK =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * CPU burned on a (live) client thread is not the server's; on any other thread it is. Bounds:
   * the burns are 300 ms; a client burn adds less than 150 ms (this test's own thread and the
   * surefire threads run meanwhile), a server burn at least 270 ms.
   */
  @Test
  void clientThreadsAreLeftOutAndEveryOtherThreadCounts() throws Exception {
    Assumptions.assumeTrue(ServerCpu.supported(), "no CPU time on this platform");
    long burn = 300_000_000L;
    CountDownLatch release = new CountDownLatch(1);
    try {
      long before = ServerCpu.now();
      burn("bench-client-test", burn, release);
      long afterClient = ServerCpu.now();
      burn("moat-serve-worker-test", burn, release);
      long afterServer = ServerCpu.now();
      assertTrue(afterClient - before < burn / 2, "client burn counted " + (afterClient - before));
      assertTrue(
          afterServer - afterClient >= 0.9 * burn, "server burn " + (afterServer - afterClient));
    } finally {
      release.countDown();
    }
    assertTrue(ServerCpu.isClient("bench-client-7") && ServerCpu.isClient("HttpClient-1-Worker"));
    assertTrue(!ServerCpu.isClient("moat-serve-decode"));
  }

  /** Phases of {@code rounds} rounds whose CPU per token is {@code ratios[i]} × Moat off's. */
  private static List<ServeBench.Phase> phases(int rounds, double[] ratios, double noise) {
    SplittableRandom r = new SplittableRandom(7);
    List<ServeBench.Phase> list = new ArrayList<>();
    for (int k = 0; k < rounds; k++) {
      for (int i = 0; i < ServeBench.CONFIGS.length; i++) {
        ServeBench.Phase ph = new ServeBench.Phase(ServeBench.CONFIGS[i]);
        ph.tokens.add(10_000);
        double perToken = 100_000 * ratios[i] * (1 + noise * (r.nextDouble() - 0.5));
        ph.cpuFrom = 1_000_000;
        ph.cpuEnd = ph.cpuFrom + (long) (perToken * 10_000);
        list.add(ph);
      }
    }
    return list;
  }

  private static String report(List<ServeBench.Phase> list, int rounds) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    BenchStats.reportCpu(
        list, ServeBench.CONFIGS, rounds, new PrintStream(b, true, StandardCharsets.UTF_8));
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test
  void smallOverheadsWithLittleNoiseAreCertifiedAndLargeOnesAreNot() {
    // CONFIGS: off, levels 0..3. Level 0 costs 0.3% more CPU per token, level 2 3%.
    assertEquals(-1, ServeBench.CONFIGS[0]);
    String ok = report(phases(12, new double[] {1, 1.003, 1.01, 1.03, 1.05}, 0.004), 12);
    assertTrue(ok.contains("level 0 CPU per token <= 1.0101 x Moat off"), ok);
    assertTrue(
        ok.lines().anyMatch(l -> l.startsWith("level 0 CPU") && l.contains(": certified")), ok);
    assertTrue(
        ok.lines().anyMatch(l -> l.startsWith("level 2 CPU") && l.contains(": certified")), ok);
    // Level 0 at 2% over: not within 1%, whatever the rounds.
    String bad = report(phases(12, new double[] {1, 1.02, 1.01, 1.07, 1.05}, 0.004), 12);
    assertTrue(
        bad.lines().anyMatch(l -> l.startsWith("level 0 CPU") && l.contains("not certified")), bad);
    assertTrue(
        bad.lines().anyMatch(l -> l.startsWith("level 2 CPU") && l.contains("not certified")), bad);
    // Too noisy to tell 0.3% from 1% in 3 rounds: not certified.
    String noisy = report(phases(3, new double[] {1, 1.003, 1.01, 1.03, 1.05}, 0.2), 3);
    assertTrue(
        noisy.lines().anyMatch(l -> l.startsWith("level 0 CPU") && l.contains("not certified")),
        noisy);
  }
}
