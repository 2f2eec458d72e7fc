package dev.moat.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.internal.MoatVersion;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyCommitmentTest {
  static final String HEX = "000102030405060708090a0b0c0d0e0f";
  static final Map<String, String> KGW =
      Map.of(
          "scheme", "moat-kgw-v1",
          "gamma", "0.25",
          "delta", "2",
          "context_width", "1",
          "seeding", "lefthash");

  /**
   * The format's test vector, computed with Python's hashlib from the documented encoding alone
   * (field = le32(len(name)) || name || le32(len(value)) || value; key, key_id, moat_version, then
   * param.* sorted):
   *
   * <pre>
   * msg = b'moat-key-commitment-v1\x00' + field('key', bytes(range(16))) + field('key_id', b'k1')
   *     + field('moat_version', b'0.1.0-SNAPSHOT') + the five param.* fields in name order
   * </pre>
   */
  @Test
  void matchesTheIndependentlyComputedVector() {
    KeyCommitment c = KeyCommitment.of(WatermarkKey.ofHex("k1", HEX), KGW, "0.1.0-SNAPSHOT");
    assertEquals("9d65bcd222aa1b336131d20edcd1cdee45f8c7619714927a737f22e232d78450", c.hex());
    assertEquals(
        "{\"format\": \"moat-key-commitment-v1\", \"key_id\": \"k1\", \"commitment\":"
            + " \"9d65bcd222aa1b336131d20edcd1cdee45f8c7619714927a737f22e232d78450\","
            + " \"parameters\": {\"context_width\": \"1\", \"delta\": \"2\", \"gamma\": \"0.25\","
            + " \"scheme\": \"moat-kgw-v1\", \"seeding\": \"lefthash\"}, \"moat_version\":"
            + " \"0.1.0-SNAPSHOT\"}",
        c.toJson());
    assertFalse(c.toJson().contains(HEX), "never the key");
  }

  @Test
  void opensOnlyWithTheCommittedKeyIdParametersAndVersion() {
    WatermarkKey key = WatermarkKey.ofHex("k1", HEX);
    KeyCommitment made = KeyCommitment.of(key, KGW);
    assertEquals(MoatVersion.get(), made.moatVersion());
    KeyCommitment recorded =
        KeyCommitment.recorded("k1", made.parameters(), made.moatVersion(), made.hex());
    assertEquals(made, recorded);
    assertTrue(recorded.opensWith(key));
    assertFalse(recorded.opensWith(WatermarkKey.ofHex("k1", HEX.replace("0f", "10"))));
    assertFalse(recorded.opensWith(WatermarkKey.ofHex("k2", HEX)));
    assertFalse(
        KeyCommitment.recorded("k1", Map.of("gamma", "0.5"), made.moatVersion(), made.hex())
            .opensWith(key));
    assertFalse(KeyCommitment.recorded("k1", KGW, "0.0.1", made.hex()).opensWith(key));
    assertTrue(MoatVersion.get().matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), MoatVersion.get());
  }

  @Test
  void badFieldsAreNamed() {
    WatermarkKey key = WatermarkKey.ofHex("k1", HEX);
    assertEquals(
        "`parameters.gamma` was '0 25' but it must be 1 to 64 of [A-Za-z0-9._+-]",
        assertThrows(
                IllegalArgumentException.class,
                () -> KeyCommitment.of(key, Map.of("gamma", "0 25")))
            .getMessage());
    assertEquals(
        "`parameter name` was 'Gamma' but it must be [a-z][a-z0-9_]*, at most 32 characters",
        assertThrows(
                IllegalArgumentException.class, () -> KeyCommitment.of(key, Map.of("Gamma", "1")))
            .getMessage());
    assertEquals(
        "`moat_version` was '' but it must be 1 to 64 of [A-Za-z0-9._+-]",
        assertThrows(IllegalArgumentException.class, () -> KeyCommitment.of(key, KGW, ""))
            .getMessage());
    assertEquals(
        "`commitment` was 'abc' but it must be 64 lower-case hex digits (a SHA-256)",
        assertThrows(
                IllegalArgumentException.class,
                () -> KeyCommitment.recorded("k1", KGW, "1.0", "abc"))
            .getMessage());
    assertEquals(
        "`key_id` was 'a b' but it must be 1 to 64 of [A-Za-z0-9._-], optionally followed by / and"
            + " a campaign group's id (1 to 128 characters, no control characters)",
        assertThrows(
                IllegalArgumentException.class,
                () -> KeyCommitment.recorded("a b", KGW, "1.0", "0".repeat(64)))
            .getMessage());
  }
}
