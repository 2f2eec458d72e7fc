package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogitsTest {
  @Test
  void classifiesEverySpecialValue() {
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(0f)));
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(-0f)));
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(Float.MAX_VALUE)));
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(-Float.MAX_VALUE)));
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(Float.MIN_VALUE)));
    assertEquals(0, Logits.invalidBit(Float.floatToRawIntBits(Float.NEGATIVE_INFINITY)));
    assertEquals(1, Logits.invalidBit(Float.floatToRawIntBits(Float.POSITIVE_INFINITY)));
    assertEquals(1, Logits.invalidBit(Float.floatToRawIntBits(Float.NaN)));
    assertEquals(1, Logits.invalidBit(0xFFC00001)); // a negative quiet NaN
    assertEquals(1, Logits.invalidBit(0x7F800001)); // a signalling NaN
  }

  @Test
  void fastPassSeesEveryNonFiniteValueAtEveryPosition() {
    // Each position of a 37-long row (covers the 8-wide body and the tail) and each offset residue.
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      for (int pos = 0; pos < 37; pos++) {
        float[] row = new float[40];
        Arrays.fill(row, -3.5f);
        row[3 + pos] = bad;
        org.junit.jupiter.api.Assertions.assertFalse(
            Logits.allFinite(row, 3, 37), bad + " at " + pos);
        assertEquals(bad == Float.NEGATIVE_INFINITY ? -1 : pos, Logits.firstInvalid(row, 3, 37));
      }
    }
    float[] huge = new float[64];
    Arrays.fill(huge, Float.MAX_VALUE);
    org.junit.jupiter.api.Assertions.assertTrue(
        Logits.allFinite(huge, 0, 64), "finite extremes never overflow the check");
  }

  @Test
  void findsTheFirstInvalidEntryInARowAtAnOffset() {
    float[] a = new float[300];
    Arrays.fill(a, 1f);
    a[5] = Float.NEGATIVE_INFINITY;
    assertEquals(-1, Logits.firstInvalid(a, 0, 300));
    a[250] = Float.NaN;
    a[270] = Float.POSITIVE_INFINITY;
    assertEquals(250, Logits.firstInvalid(a, 0, 300));
    assertEquals(150, Logits.firstInvalid(a, 100, 200));
    assertEquals(-1, Logits.firstInvalid(a, 0, 250));
  }
}
