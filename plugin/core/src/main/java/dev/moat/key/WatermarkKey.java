package dev.moat.key;

import static dev.moat.internal.Messages.invalid;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A secret watermark key and its public id. The id goes in policies, logs and detector output; the
 * material never does: {@link #toString()} redacts it and no accessor returns it.
 *
 * <p>Immutable and thread-safe.
 */
public final class WatermarkKey {
  /** Keys shorter than this are rejected: 128 bits is SipHash's key size. */
  public static final int MIN_BYTES = 16;

  private static final byte[] GROUP_LABEL = "moat-group-key-v1".getBytes(StandardCharsets.US_ASCII);

  private final String id;
  private final byte[] material;

  private WatermarkKey(String id, byte[] material) {
    this.id = id;
    this.material = material;
  }

  /** A key from raw bytes (copied); at least {@value #MIN_BYTES} bytes. */
  public static WatermarkKey of(String id, byte[] material) {
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(invalid("key id", id, "1 to 64 of [A-Za-z0-9._-]"));
    }
    if (material.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "key '"
              + id
              + "' has "
              + material.length
              + " bytes of material but it must have at least "
              + MIN_BYTES);
    }
    return new WatermarkKey(id, material.clone());
  }

  /** A key from hexadecimal material; the message on error never repeats the material. */
  public static WatermarkKey ofHex(String id, String hex) {
    String h = hex.strip();
    if (h.length() % 2 != 0 || !h.matches("[0-9a-fA-F]*")) {
      throw new IllegalArgumentException(
          "key '"
              + id
              + "' material must be an even number of hex digits"
              + " (got "
              + h.length()
              + " characters, not shown)");
    }
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(h, 2 * i, 2 * i + 2, 16);
    }
    try {
      return of(id, b);
    } finally {
      Arrays.fill(b, (byte) 0);
    }
  }

  public String id() {
    return id;
  }

  /**
   * The key of one campaign group: id {@code ID/GROUP}, material {@code HMAC-SHA256(material,
   * "moat-group-key-v1" || 0x00 || UTF-8(group))} (32 bytes). A policy with {@code group_keys}
   * marks a flagged group's answers with it, so its harvest teaches a key no other traffic carries;
   * anyone holding this key (and nothing else) can recompute the group's key from the group id.
   *
   * @param group the group's id (the detector's are {@code g-} and 12 hex digits): 1 to 128
   *     characters, none of them a control character
   * @throws IllegalArgumentException if the group id breaks that rule (the message names it)
   */
  public WatermarkKey forGroup(String group) {
    if (group.isEmpty()
        || group.length() > 128
        || group.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          invalid(
              "group",
              group.length() > 128 ? group.substring(0, 128) + "…" : group,
              "1 to 128 characters, no control characters"));
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(material, "HmacSHA256"));
      mac.update(GROUP_LABEL);
      mac.update((byte) 0);
      return new WatermarkKey(
          id + "/" + group, mac.doFinal(group.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }

  /**
   * The SipHash-2-4 key a scheme uses: the first 16 bytes of {@code SHA-256(schemeId || 0x00 ||
   * material)}, read as two little-endian 64-bit words. Deriving per scheme keeps one key's use in
   * one scheme from revealing anything about another.
   */
  public SipHash derive(String schemeId) {
    ByteBuffer d = ByteBuffer.wrap(digest(schemeId)).order(ByteOrder.LITTLE_ENDIAN);
    return new SipHash(d.getLong(0), d.getLong(8));
  }

  /**
   * The first 4 bytes of {@code SHA-256(schemeId || 0x00 || material)} as an unsigned little-endian
   * integer, below 2^32: a scheme's key where a peer's scheme takes a 32-bit one.
   */
  public long derive32(String schemeId) {
    return ByteBuffer.wrap(digest(schemeId)).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFFFFFFL;
  }

  /** {@code SHA-256(schemeId || 0x00 || material)}: the per-scheme key derivation. */
  private byte[] digest(String schemeId) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(schemeId.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(material);
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /**
   * Feeds {@code le32(length) || material} to a digest: {@link KeyCommitment}'s field for the key,
   * so that the material itself never leaves this class.
   */
  void digestMaterial(MessageDigest sha) {
    sha.update(
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(material.length).array());
    sha.update(material);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WatermarkKey k
        && k.id.equals(id)
        && MessageDigest.isEqual(k.material, material);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "WatermarkKey{id=" + id + ", material=<redacted>}";
  }
}
