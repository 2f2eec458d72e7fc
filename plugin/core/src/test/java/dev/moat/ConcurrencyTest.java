package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Races guarded: (1) many requests of the same accounts starting and finishing at once must not
 * lose ledger updates (the per-account counters are shared); (2) a policy swapped while requests
 * start must give each request one consistent snapshot (never a tier from one policy and
 * protections of another).
 */
class ConcurrencyTest {
  @Test
  void concurrentRequestsAndPolicySwapsLoseNothing() throws Exception {
    int threads = 8;
    int perThread = 400;
    int tokens = 5;
    Policy a = MoatTest.POLICY;
    Policy b =
        Policy.of(
            "b",
            TierPolicy.unprotected("free"),
            TierPolicy.unprotected("enterprise"),
            TierPolicy.unprotected("internal"));
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try (Moat moat = MoatTest.moat()) {
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch start = new CountDownLatch(1);
      Future<?> swapper =
          pool.submit(
              () -> {
                start.await();
                boolean flip = false;
                while (!stop.get()) {
                  moat.setPolicy(flip ? a : b);
                  flip = !flip;
                }
                return null;
              });
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        workers.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    MoatRequest r =
                        moat.begin(MoatTest.ctx("free").account("acct-" + (i % 3)).build());
                    // One consistent snapshot: 0 protections under b, exactly the watermark under
                    // a.
                    int n = r.appliedProtections().size();
                    if (n != 0 && n != 1) {
                      throw new AssertionError(
                          "inconsistent policy snapshot: " + r.appliedProtections());
                    }
                    MoatTest.generate(r, tokens);
                  }
                  return id;
                }));
      }
      start.countDown();
      for (Future<?> w : workers) {
        w.get();
      }
      stop.set(true);
      swapper.get();
      long requests = 0;
      long generated = 0;
      for (int k = 0; k < 3; k++) {
        var s = moat.accounts().snapshot("acct-" + k).orElseThrow();
        requests += s.requests();
        generated += s.generatedTokens();
        assertEquals(0, s.inFlight());
      }
      assertEquals((long) threads * perThread, requests);
      assertEquals((long) threads * perThread * tokens, generated);
    } finally {
      pool.shutdownNow();
    }
  }
}
