package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The allocation watch on the real thread-allocation counter: work that allocates is counted and
 * warned about once, after three samples in a row; work that does not is never counted; nothing is
 * judged during the warm-up, and only one call in the period is sampled.
 */
class AllocationWatchTest {
  /** Where allocations go, so that the JIT cannot remove them. */
  static volatile Object sink;

  private static void allocate(int bytes) {
    sink = new byte[bytes];
  }

  private static float noAllocation(float[] row) {
    float s = 0;
    for (float v : row) {
      s += v;
    }
    return s;
  }

  @Test
  void threeAllocatingSamplesInARowWarnOnceAndCleanWorkIsNeverCounted() {
    AtomicLong counted = new AtomicLong();
    AllocationWatch w = new AllocationWatch(0, counted::addAndGet, LoggerFactory.getLogger("test"));
    float[] row = new float[4096];
    for (int i = 0; i < 1000; i++) {
      long a = w.begin(i, 1);
      sink = noAllocation(row) > 1 ? null : sink;
      w.end(a, 1);
    }
    assertEquals(0, counted.get(), "summing a row allocates nothing");
    for (int i = 0; i < 2; i++) {
      long a = w.begin(i, 1);
      allocate(64 * 1024);
      w.end(a, 4); // 16 KB per token
    }
    assertEquals(2, counted.get());
    assertFalse(w.warned(), "two in a row are not yet three");
    long a = w.begin(0, 1);
    w.end(a, 1); // a clean sample breaks the run
    for (int i = 0; i < 2; i++) {
      a = w.begin(i, 1);
      allocate(64 * 1024);
      w.end(a, 1);
    }
    assertFalse(w.warned());
    a = w.begin(0, 1);
    allocate(64 * 1024);
    w.end(a, 1);
    assertTrue(w.warned());
    assertEquals(5, counted.get());
    a = w.begin(0, 1);
    allocate(512);
    w.end(a, 1);
    assertEquals(5, counted.get(), "at most 1 KB per token is not counted");
  }

  @Test
  void nothingIsJudgedDuringTheWarmUpAndOnlyOneCallInThePeriodIsSampled() {
    AtomicLong counted = new AtomicLong();
    AllocationWatch warming =
        new AllocationWatch(3_600_000_000_000L, counted::addAndGet, LoggerFactory.getLogger("t"));
    for (int i = 0; i < 5; i++) {
      long a = warming.begin(i, 1);
      allocate(64 * 1024);
      warming.end(a, 1);
    }
    assertEquals(0, counted.get());
    AllocationWatch sampled =
        new AllocationWatch(0, counted::addAndGet, LoggerFactory.getLogger("t"));
    assertEquals(-1, sampled.begin(1, 1024));
    assertEquals(-1, sampled.begin(1023, 1024));
    assertTrue(sampled.begin(2048, 1024) >= 0);
  }
}
