package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moat.key.WatermarkKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatermarkKeysTest {
  static final String HEX = "00112233445566778899aabbccddeeff";

  @Test
  void parsesLinesCommasAndCommentsWithCommas() {
    WatermarkKeys k =
        WatermarkKeys.parse("# keys, rotated yearly\na=" + HEX + ", b=" + HEX + "ff\n\n", "f");
    assertEquals(Set.of("a", "b"), k.ids());
  }

  @Test
  void errorsNameTheLineButNeverTheMaterial() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WatermarkKeys.parse("a=00112233\nb" + HEX + "\nc=zz" + HEX, "keys.txt"));
    assertEquals(
        "keys.txt line 1: key 'a' has 4 bytes of material but it must have at least 16; "
            + "keys.txt line 2: an entry must look like id=hexmaterial (content not shown); "
            + "keys.txt line 3: key 'c' material must be an even number of hex digits (got 34 characters, not shown)",
        e.getMessage());
    assertFalse(e.getMessage().contains("00112233"));
  }

  @Test
  void toStringRedactsMaterial() {
    WatermarkKey k = WatermarkKey.ofHex("a", HEX);
    assertEquals("WatermarkKey{id=a, material=<redacted>}", k.toString());
    assertEquals("WatermarkKeys[a]", WatermarkKeys.of(k).toString());
  }
}
