package dev.moat.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AdmissionQueueTest {
  /**
   * Two accounts of one campaign group share the group's budget (20 requests a second, drained
   * first). Account A queues 30 requests, then B queues 5. Round-robin admission gives B its 5
   * among the first 12 admitted (turns alternate: B's land at about 2, 4, 6, 8, 10); first come,
   * first served would put them at 31 to 35. (A request may be admitted at once if the budget
   * refilled between the drain and its submission; the bounds allow for those.)
   */
  @Test
  void accountsWaitingOnASharedBudgetTakeTurns() throws Exception {
    Enforcer e =
        Enforcer.builder()
            .budgets(Map.of("t", new Budget(1200, 0, 0, 0)))
            .levels(Map.of())
            .maxDelay(Duration.ofSeconds(2))
            .maximumScopes(1000)
            .idleExpiry(Duration.ofHours(1))
            .build();
    int drained = 0;
    while (e.admit("t", "drain-" + drained, null, "g", 0, 0, 0).admitted()) {
      drained++;
    }
    assertTrue(drained >= 1199, "drained " + drained);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Admission>> all = new ArrayList<>();
    int immediate;
    try (AdmissionQueue q = new AdmissionQueue(1000, 100, Duration.ofSeconds(20))) {
      for (String account : new String[] {"A", "B"}) {
        for (int i = 0; i < (account.equals("A") ? 30 : 5); i++) {
          CompletableFuture<Admission> f =
              q.admit(account, () -> e.admit("t", account, null, "g", 0, 0, 0));
          var unused =
              f.thenAccept(
                  a -> {
                    if (a.admitted()) {
                      order.add(account);
                    }
                  });
          all.add(f);
        }
      }
      // Every request was admitted at once (a refill between the drain and it) or queued. Count
      // by queued(), which only admit() moves: size() and isDone() race with the queue releasing
      // requests on a loaded machine (both failed that way once).
      immediate = (int) (35 - q.queued());
      assertTrue(immediate >= 0 && immediate <= 3, immediate + " admitted at once");
      for (CompletableFuture<Admission> f : all) {
        assertTrue(f.get(20, TimeUnit.SECONDS).admitted(), f.get().toString());
      }
      assertEquals(0, q.size());
    }
    int lastB = order.lastIndexOf("B");
    assertEquals(35, order.size());
    assertTrue(lastB < 12 + immediate, "B's requests were admitted at " + order);
  }

  static Admission delay(long nanos) {
    return new Admission(Admission.Decision.DELAY, 1, 10, nanos, "group rate budget", null);
  }

  @Test
  void isBoundedPerAccountAndInAllAndRejectsAfterTheLongestWait() throws Exception {
    Supplier<Admission> always = () -> delay(5_000_000);
    try (AdmissionQueue q = new AdmissionQueue(3, 2, Duration.ofMillis(200))) {
      CompletableFuture<Admission> a1 = q.admit("A", always);
      CompletableFuture<Admission> a2 = q.admit("A", always);
      Admission a3 = q.admit("A", always).getNow(null);
      assertEquals(Admission.Decision.REJECT, a3.decision());
      assertTrue(a3.reason().contains("2 requests waiting"), a3.reason());
      CompletableFuture<Admission> b1 = q.admit("B", always);
      Admission b2 = q.admit("B", always).getNow(null);
      assertTrue(b2.reason().contains("queue is full (3 waiting)"), b2.reason());
      assertEquals(2, q.rejectedFull());
      for (CompletableFuture<Admission> f : List.of(a1, a2, b1)) {
        Admission r = f.get(5, TimeUnit.SECONDS);
        assertEquals(Admission.Decision.REJECT, r.decision());
        assertTrue(r.reason().contains("waited the longest allowed"), r.reason());
        assertTrue(r.waitNanos() > 0);
      }
      assertEquals(3, q.timedOut());
      assertEquals(0, q.size());
    }
  }

  @Test
  void admitsAtOnceWhenNotDelayedAndHandlesCancelCloseAndFailures() throws Exception {
    Admission admit = new Admission(Admission.Decision.ADMIT, 0, 5, 0, "within budget", null);
    AdmissionQueue q = new AdmissionQueue(10, 5, Duration.ofSeconds(30));
    {
      assertTrue(q.admit("A", () -> admit).isDone());
      assertEquals(0, q.queued());
      // Delayed once, then admitted on the queue's thread.
      int[] calls = {0};
      Admission got =
          q.admit("A", () -> calls[0]++ == 0 ? delay(1_000_000) : admit).get(5, TimeUnit.SECONDS);
      assertTrue(got.admitted());
      // A failing decision fails the future, not the queue.
      int[] n = {0};
      CompletableFuture<Admission> bad =
          q.admit(
              "B",
              () -> {
                if (n[0]++ == 0) {
                  return delay(1_000_000);
                }
                throw new IllegalStateException("boom");
              });
      assertThrows(Exception.class, () -> bad.get(5, TimeUnit.SECONDS));
      // A cancelled request leaves its place.
      CompletableFuture<Admission> slow = q.admit("C", () -> delay(10_000_000_000L));
      assertEquals(1, q.size());
      slow.cancel(false);
      CompletableFuture<Admission> waiting = q.admit("D", () -> delay(10_000_000_000L));
      q.close();
      Admission closed = waiting.get(1, TimeUnit.SECONDS);
      assertTrue(closed.reason().contains("closed"), closed.reason());
      Admission after = q.admit("E", () -> delay(1)).get();
      assertTrue(after.reason().contains("closed"), after.reason());
    }
    assertThrows(
        IllegalArgumentException.class, () -> new AdmissionQueue(0, 1, Duration.ofSeconds(1)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new AdmissionQueue(5, 6, Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("queue.per_account"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AdmissionQueue(5, 1, Duration.ZERO));
  }
}
