package dev.moat.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ActivityLedgerTest {
  @Test
  void idleAccountsExpireAndSizeIsBounded() {
    AtomicLong now = new AtomicLong();
    ActivityLedger ledger = new ActivityLedger(100, Duration.ofMinutes(10), now::get);
    ledger.start("a").finish(3);
    now.addAndGet(Duration.ofMinutes(9).toNanos());
    assertEquals(3, ledger.snapshot("a").orElseThrow().generatedTokens());
    now.addAndGet(Duration.ofMinutes(11).toNanos());
    assertTrue(ledger.snapshot("a").isEmpty(), "expired after 10 idle minutes");
    for (int i = 0; i < 1000; i++) {
      ledger.start("acct-" + i).finish(1);
    }
    ledger.cleanUp();
    assertTrue(ledger.size() <= 100, "size " + ledger.size());
  }
}
