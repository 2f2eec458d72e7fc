package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongSetTest {
  @Test
  void behavesLikeAHashSetUpToItsCapacity() {
    LongSet s = new LongSet(5000);
    Set<Long> ref = new HashSet<>();
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 5000; i++) {
      long v = r.nextInt(3000) - 1500L; // many repeats, zero and negatives included
      assertEquals(ref.add(v), s.add(v), "value " + v);
    }
  }

  @Test
  void whenFullEveryNewValueCountsAsSeen() {
    LongSet s = new LongSet(2);
    assertTrue(s.add(10));
    assertTrue(s.add(11));
    assertFalse(s.add(12));
    assertFalse(s.add(10));
  }
}
