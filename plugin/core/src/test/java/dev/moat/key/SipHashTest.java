package dev.moat.key;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SipHashTest {
  private static final SipHash REFERENCE_KEY =
      new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

  @Test
  void matchesTheReferenceVectorOfThePaper() {
    // Aumasson & Bernstein, "SipHash: a fast short-input PRF", Appendix A: key 00..0f, message
    // 00..0e.
    byte[] m = new byte[15];
    for (int i = 0; i < m.length; i++) {
      m[i] = (byte) i;
    }
    assertEquals(0xa129ca6149be45e5L, REFERENCE_KEY.hash(m));
  }

  @Test
  void matchesTheReferenceImplementationsVectorsForEmptyAndEightBytes() {
    // vectors.h of the reference implementation: outputs for messages 00..(n-1), little-endian.
    assertEquals(0x726fdb47dd0e0e31L, REFERENCE_KEY.hash(new byte[0]));
    byte[] eight = {0, 1, 2, 3, 4, 5, 6, 7};
    assertEquals(0x93f5f5799a932462L, REFERENCE_KEY.hash(eight));
  }

  @Test
  void hashIntsEqualsHashOfTheLittleEndianBytes() {
    SplittableRandom r = new SplittableRandom(1);
    for (int n = 0; n <= 9; n++) {
      int first = r.nextInt();
      int[] ints = new int[n + 3];
      for (int i = 0; i < ints.length; i++) {
        ints[i] = r.nextInt();
      }
      ByteBuffer b = ByteBuffer.allocate(4 * (n + 1)).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(first);
      for (int i = 0; i < n; i++) {
        b.putInt(ints[2 + i]);
      }
      assertEquals(
          REFERENCE_KEY.hash(b.array()), REFERENCE_KEY.hashInts(first, ints, 2, n), "n=" + n);
    }
  }
}
