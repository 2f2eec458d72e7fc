package dev.moat.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnforcerTest {
  static final Level L1 = Level.builder(1).logprobsMax(5).logprobsDigits(2).build();
  static final Level L2 =
      Level.builder(2)
          .budgetScale(0.25)
          .maxTokens(1024)
          .pacingTokensPerSecond(20)
          .logprobsMax(0)
          .logitBias(Level.LogitBias.REFUSE)
          .build();
  static final Level L3 = Level.builder(3).reject(true).build();

  static Enforcer enforcer(TestClock clock, Budget free) {
    return Enforcer.builder()
        .budgets(Map.of("free", free))
        .levels(Map.of(1, L1, 2, L2, 3, L3))
        .maxDelay(Duration.ofSeconds(2))
        .clock(clock)
        .maximumScopes(10_000)
        .idleExpiry(Duration.ofHours(1))
        .build();
  }

  @Test
  void requestsPerMinuteDelayThenRejectWithRetryAfter() {
    TestClock clock = new TestClock();
    Enforcer e = enforcer(clock, new Budget(60, 0, 0, 0)); // one a second on average, burst 60
    for (int i = 0; i < 60; i++) {
      Admission a = e.admit("free", "acct", null, null, 0, 10, 100);
      assertTrue(a.admitted(), "request " + i + ": " + a);
      e.finish(a, 100);
    }
    Admission late = e.admit("free", "acct", null, null, 0, 10, 100);
    assertEquals(Admission.Decision.DELAY, late.decision(), late.toString());
    assertEquals(1e9, (double) late.waitNanos(), 1e6, "the next request token refills in a second");
    assertTrue(late.reason().contains("account rate budget"), late.reason());
    clock.advance(Duration.ofSeconds(1));
    assertTrue(e.admit("free", "acct", null, null, 0, 10, 100).admitted());
    // Another account is not affected; an unlimited tier never limits.
    assertTrue(e.admit("free", "other", null, null, 0, 10, 100).admitted());
    assertTrue(e.admit("pro", "acct", null, null, 0, 10, 100).admitted());
  }

  @Test
  void tokensAreReservedAndTheUnusedReturned() {
    TestClock clock = new TestClock();
    Enforcer e = enforcer(clock, new Budget(0, 10_000, 0, 0));
    Admission a = e.admit("free", "acct", null, null, 0, 1_000, 4_000); // reserves 5,000
    assertTrue(a.admitted());
    Admission b = e.admit("free", "acct", null, null, 0, 1_000, 4_000); // 5,000 more: all of it
    assertTrue(b.admitted());
    Admission c = e.admit("free", "acct", null, null, 0, 1_000, 4_000);
    assertEquals(Admission.Decision.REJECT, c.decision(), "30 s to wait is over the 2 s delay");
    assertEquals(30e9, (double) c.waitNanos(), 1e8);
    e.finish(a, 500); // 3,500 reserved tokens come back
    e.finish(a, 500); // idempotent
    Admission d = e.admit("free", "acct", null, null, 0, 500, 3_000);
    assertTrue(d.admitted(), d.toString());
    Admission huge = e.admit("free", "acct", null, null, 0, 9_000, 4_000);
    assertEquals(Admission.Decision.REJECT, huge.decision());
    assertTrue(huge.reason().contains("more than the budget allows at once"), huge.reason());
  }

  /** Twenty accounts of one campaign group share the group's budget, not twenty budgets. */
  @Test
  void aGroupSharesOneBudget() {
    TestClock clock = new TestClock();
    Enforcer e = enforcer(clock, new Budget(10, 0, 0, 0));
    int admitted = 0;
    for (int a = 0; a < 20; a++) {
      for (int r = 0; r < 5; r++) {
        admitted += e.admit("free", "bot-" + a, null, "g-123", 0, 1, 1).admitted() ? 1 : 0;
      }
    }
    assertEquals(10, admitted, "the group's 10 requests a minute, across 20 accounts");
    // A client fingerprint is a scope too.
    int fromOneNet = 0;
    for (int a = 0; a < 20; a++) {
      fromOneNet += e.admit("free", "p-" + a, "203.0.113.0/24", null, 0, 1, 1).admitted() ? 1 : 0;
    }
    assertEquals(10, fromOneNet);
  }

  @Test
  void levelsScaleCapAndReject() {
    TestClock clock = new TestClock();
    Enforcer e = enforcer(clock, new Budget(40, 0, 0, 0));
    Admission a = e.admit("free", "x", null, null, 2, 10, 8192);
    assertEquals(1024, a.maxTokens(), "level 2 caps the output");
    int admitted = 1;
    for (int i = 0; i < 20; i++) {
      admitted += e.admit("free", "x", null, null, 2, 10, 10).admitted() ? 1 : 0;
    }
    assertEquals(10, admitted, "level 2 gets a quarter of the 40 requests a minute");
    Admission r = e.admit("free", "y", null, null, 3, 10, 10);
    assertEquals(Admission.Decision.REJECT, r.decision());
    assertEquals(60e9, (double) r.waitNanos());
    assertThrows(IllegalArgumentException.class, () -> e.admit("free", "y", null, null, 7, 1, 1));
    assertEquals(Level.NONE, e.level(0));
  }

  @Test
  void concurrentStreamsAreCountedAndReleased() {
    Enforcer e = enforcer(new TestClock(), new Budget(0, 0, 0, 2));
    Admission a = e.admit("free", "acct", null, null, 0, 1, 1);
    Admission b = e.admit("free", "acct", null, null, 0, 1, 1);
    Admission c = e.admit("free", "acct", null, null, 0, 1, 1);
    assertTrue(a.admitted() && b.admitted());
    assertEquals(Admission.Decision.REJECT, c.decision());
    assertTrue(c.reason().contains("concurrent streams"), c.reason());
    assertEquals(2, e.streams("free", "acct"));
    e.finish(a, 1);
    assertEquals(1, e.streams("free", "acct"));
    assertTrue(e.admit("free", "acct", null, null, 0, 1, 1).admitted());
  }

  /** All or nothing: a group that refuses rolls back the account's reservation. */
  @Test
  void aRefusingScopeRollsBackTheOthers() {
    TestClock clock = new TestClock();
    Enforcer e = enforcer(clock, new Budget(3, 0, 0, 0));
    for (int i = 0; i < 3; i++) {
      assertTrue(e.admit("free", "other-" + i, null, "g", 0, 1, 1).admitted());
    }
    // The group is spent; "fresh" is refused by it, and its own account budget stays whole.
    assertTrue(!e.admit("free", "fresh", null, "g", 0, 1, 1).admitted());
    for (int i = 0; i < 3; i++) {
      assertTrue(e.admit("free", "fresh", null, null, 0, 1, 1).admitted(), "request " + i);
    }
  }

  /** Many threads, one account: exactly the budget is admitted. */
  @Test
  void concurrentAdmissionsNeverExceedTheBudget() throws Exception {
    Enforcer e = enforcer(new TestClock(), new Budget(1_000, 0, 0, 0));
    AtomicInteger admitted = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException ex) {
                  return;
                }
                for (int i = 0; i < 500; i++) {
                  if (e.admit("free", "acct", null, "g", 0, 1, 1).admitted()) {
                    admitted.incrementAndGet();
                  }
                }
              });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertEquals(1_000, admitted.get());
  }

  @Test
  void badBudgetsAndLevelsNameTheField() {
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> new Budget(-1, 0, 0, 0));
    assertTrue(x.getMessage().contains("budget.requests_per_minute"), x.getMessage());
    x = assertThrows(IllegalArgumentException.class, () -> Level.builder(2).budgetScale(0).build());
    assertTrue(x.getMessage().contains("enforcement.levels[2].budget_scale"), x.getMessage());
    x =
        assertThrows(
            IllegalArgumentException.class, () -> Level.builder(2).logprobsMax(21).build());
    assertTrue(x.getMessage().contains("logprobs_max"), x.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> enforcer(new TestClock(), Budget.UNLIMITED).admit("free", "a", null, null, 0, -1, 1));
  }

  @Test
  void levelsShapeLogprobs() {
    assertEquals(5, L1.topLogprobs(20));
    assertEquals(3, L1.topLogprobs(3));
    assertEquals(0, L2.topLogprobs(5), "withheld");
    assertEquals(7, Level.NONE.topLogprobs(7));
    assertEquals(-1.23, L1.logprob(-1.23456), 1e-12);
    assertEquals(-1.23456, Level.NONE.logprob(-1.23456));
    assertEquals(Double.NEGATIVE_INFINITY, L1.logprob(Double.NEGATIVE_INFINITY));
  }
}
