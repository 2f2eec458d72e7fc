package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link RecordCache}: {@code wanted} answers what {@code offer} would do, before any work. */
class RecordCacheTest {
  private static int[] record(long seed, int ints) {
    int[] r = new int[ints];
    for (int i = 0; i < ints; i++) {
      r[i] = (int) (seed * 31 + i);
    }
    return r;
  }

  @Test
  void wantedIsTrueForAnEmptySlotAndFalseOnceHeld() {
    RecordCache c = new RecordCache("test", 1 << 20);
    RecordCache.Table t = c.forRecords(100);
    assertNotNull(t);
    assertSame(t, c.forRecords(100));
    assertTrue(t.wanted(5, 1));
    t.offer(5, 1, record(5, 100));
    assertFalse(t.wanted(5, 1), "held: nothing to make");
    assertTrue(t.wanted(5, 2), "another salt is another record");
    int[] out = new int[100];
    assertTrue(t.copy(5, 1, out));
    assertArrayEquals(record(5, 100), out);
  }

  /**
   * With one slot, full: a context is wanted only at its second miss in a row, and the offer that
   * follows a true answer replaces the slot; a context that was not wanted is not written by an
   * offer either (the challenger rule is the same).
   */
  @Test
  void aFullSlotIsWantedOnlyAtTheSecondMissInARow() {
    RecordCache c = new RecordCache("test", 400); // one slot of 100 ints
    RecordCache.Table t = c.forRecords(100);
    assertNotNull(t);
    assertEquals(1, t.slots());
    t.offer(1, 0, record(1, 100));
    assertFalse(t.wanted(2, 0), "first miss: only a challenger");
    assertFalse(t.wanted(3, 0), "another context takes the challenger's place");
    assertTrue(t.wanted(3, 0), "second miss in a row");
    t.offer(3, 0, record(3, 100));
    int[] out = new int[100];
    assertFalse(t.copy(1, 0, out));
    assertTrue(t.copy(3, 0, out));
    assertArrayEquals(record(3, 100), out);
    assertEquals(400, c.bytes());
  }

  @Test
  void budgetsAndTheirProperty() {
    assertNull(new RecordCache("test", 0).forRecords(10));
    assertNull(new RecordCache("test", 39).forRecords(10), "no room for one record");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new RecordCache("race cache", -2));
    assertEquals("race cache budget -2 bytes: must be at least 0 (0 = off)", e.getMessage());
    String p = "moat.test.recordCacheBytes";
    System.setProperty(p, "12k");
    try {
      e = assertThrows(IllegalArgumentException.class, () -> RecordCache.configuredBytes(p, 7));
      assertEquals(
          "system property moat.test.recordCacheBytes='12k': must be a number of bytes >= 0",
          e.getMessage());
      System.setProperty(p, " 4096 ");
      assertEquals(4096, RecordCache.configuredBytes(p, 7));
    } finally {
      System.clearProperty(p);
    }
    assertEquals(7, RecordCache.configuredBytes(p, 7));
  }
}
