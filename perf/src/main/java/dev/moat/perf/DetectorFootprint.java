package dev.moat.perf;

import dev.moat.detect.Detector;
import dev.moat.detect.LocalLinkStore;
import dev.moat.detect.TraceRecord;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Heap held by the detector per live account: {@code N} accounts (default 1,000,000) each send
 * three requests of varied prompts; then the heap in use after full collections, minus the same
 * measured before, divided by N. The link table is fixed-size and reported apart.
 *
 * <pre>
 * java -Xmx2g -cp perf/target/benchmarks.jar dev.moat.perf.DetectorFootprint 1000000
 * </pre>
 */
public final class DetectorFootprint {
  private DetectorFootprint() {}

  private static long used() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  public static void main(String[] args) throws Exception {
    int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String[] topics = {"a lasagna", "Lisbon", "my CV", "tides", "Hamlet", "a workout", "a poem"};
    LocalLinkStore store = LocalLinkStore.standard();
    long before = used();
    Detector d = Detector.builder().linkStore(store).maximumAccounts(accounts + 1L).build();
    SplittableRandom r = new SplittableRandom(1);
    long t0 = System.nanoTime();
    long ts = 1_776_816_000_000L;
    for (int round = 0; round < 3; round++) {
      for (int a = 0; a < accounts; a++) {
        ts += 3;
        String prompt =
            "Can you help me with "
                + topics[r.nextInt(topics.length)]
                + " number "
                + r.nextInt(1000)
                + "?";
        d.observe(
            new TraceRecord(
                ts,
                "account-" + a,
                ts - 40L * 86_400_000L,
                "free",
                "198.51." + (a & 255) + ".0/24",
                null,
                round,
                null,
                prompt,
                512,
                0.7,
                0,
                200));
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    d.cleanUp();
    long after = used();
    long held = after - before;
    long table = store.bytes();
    System.out.printf(
        Locale.ROOT,
        "%,d accounts (3 requests each, %.1f s): heap held %,d MB = %,d bytes per account"
            + " (link table %,d MB of it, fixed); held accounts %,d%n",
        accounts,
        seconds,
        held >> 20,
        (held - table) / accounts,
        table >> 20,
        d.accounts());
    System.out.println(d.verdict("account-0") != null ? "ok" : "missing");
  }
}
