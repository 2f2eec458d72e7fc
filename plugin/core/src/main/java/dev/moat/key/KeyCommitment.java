package dev.moat.key;

import static dev.moat.internal.Messages.invalid;

import dev.moat.internal.MoatVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A commitment to a watermark key, its scheme's parameters and the code version: published when the
 * key is created, it lets a third party check later, once the key is revealed, that the key a
 * forensic report used is the key that was committed to then, with the same parameters. It reveals
 * nothing about the key: the key's 128 or more random bits make SHA-256 of it hiding without a
 * separate nonce.
 *
 * <p>Format {@value #FORMAT}, the canonical bytes hashed:
 *
 * <pre>
 * field(name, value) = le32(len(name)) || name || le32(len(value)) || value    (UTF-8; raw key bytes)
 * message = "moat-key-commitment-v1" || 0x00
 *           || field("key", material)
 *           || field("key_id", id)
 *           || field("moat_version", version)
 *           || field("param." || name, value) for each parameter, names in ascending order
 * commitment = SHA-256(message), as 64 lower-case hex digits
 * </pre>
 *
 * Parameter names are {@code [a-z][a-z0-9_]*} (at most 32 characters); parameter values and the
 * version are 1 to 64 of {@code [A-Za-z0-9._+-]}, so the JSON form needs no escaping and every
 * value has exactly one spelling. {@code examples/verify/moat_evidence_v1.py} recomputes it.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyCommitment {
  /** The version of this format, the first bytes of every committed message. */
  public static final String FORMAT = "moat-key-commitment-v1";

  private static final String NAME = "[a-z][a-z0-9_]{0,31}";
  private static final String VALUE = "[A-Za-z0-9._+-]{1,64}";

  private final String keyId;
  private final SortedMap<String, String> parameters;
  private final String moatVersion;
  private final String hex;

  private KeyCommitment(
      String keyId, SortedMap<String, String> parameters, String moatVersion, String hex) {
    this.keyId = keyId;
    this.parameters = parameters;
    this.moatVersion = moatVersion;
    this.hex = hex;
  }

  /** Commits to {@code key} and {@code parameters} under this code's version. */
  public static KeyCommitment of(WatermarkKey key, Map<String, String> parameters) {
    return of(key, parameters, MoatVersion.get());
  }

  /** Commits to {@code key} and {@code parameters} under the given code version. */
  public static KeyCommitment of(
      WatermarkKey key, Map<String, String> parameters, String moatVersion) {
    SortedMap<String, String> p = checked(parameters, moatVersion);
    return new KeyCommitment(key.id(), p, moatVersion, digest(key, p, moatVersion));
  }

  /**
   * A commitment as it was recorded (the key is not at hand): {@link #opensWith} checks a revealed
   * key against it.
   */
  public static KeyCommitment recorded(
      String keyId, Map<String, String> parameters, String moatVersion, String hex) {
    if (!keyId.matches("[A-Za-z0-9._-]{1,64}(/[^\\p{Cntrl}]{1,128})?")) {
      throw new IllegalArgumentException(
          invalid(
              "key_id",
              keyId,
              "1 to 64 of [A-Za-z0-9._-], optionally followed by / and a campaign group's id (1 to"
                  + " 128 characters, no control characters)"));
    }
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          invalid("commitment", hex, "64 lower-case hex digits (a SHA-256)"));
    }
    return new KeyCommitment(keyId, checked(parameters, moatVersion), moatVersion, hex);
  }

  private static SortedMap<String, String> checked(
      Map<String, String> parameters, String moatVersion) {
    if (!moatVersion.matches(VALUE)) {
      throw new IllegalArgumentException(
          invalid("moat_version", moatVersion, "1 to 64 of [A-Za-z0-9._+-]"));
    }
    SortedMap<String, String> p = new TreeMap<>();
    for (Map.Entry<String, String> e : parameters.entrySet()) {
      if (!e.getKey().matches(NAME)) {
        throw new IllegalArgumentException(
            invalid("parameter name", e.getKey(), "[a-z][a-z0-9_]*, at most 32 characters"));
      }
      if (!e.getValue().matches(VALUE)) {
        throw new IllegalArgumentException(
            invalid("parameters." + e.getKey(), e.getValue(), "1 to 64 of [A-Za-z0-9._+-]"));
      }
      p.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableSortedMap(p);
  }

  private static String digest(
      WatermarkKey key, SortedMap<String, String> parameters, String moatVersion) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
    sha.update(FORMAT.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(length("key".length()));
    sha.update("key".getBytes(StandardCharsets.UTF_8));
    key.digestMaterial(sha);
    field(sha, "key_id", key.id());
    field(sha, "moat_version", moatVersion);
    // Names are ASCII, so String order is byte order.
    for (Map.Entry<String, String> e : parameters.entrySet()) {
      field(sha, "param." + e.getKey(), e.getValue());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void field(MessageDigest sha, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    sha.update(length(n.length));
    sha.update(n);
    sha.update(length(v.length));
    sha.update(v);
  }

  private static byte[] length(int n) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(n).array();
  }

  /**
   * Whether {@code key} opens this commitment: same id, and the commitment recomputed from its
   * material, these parameters and this version is this one (compared in constant time).
   */
  public boolean opensWith(WatermarkKey key) {
    return key.id().equals(keyId)
        && MessageDigest.isEqual(
            digest(key, parameters, moatVersion).getBytes(StandardCharsets.US_ASCII),
            hex.getBytes(StandardCharsets.US_ASCII));
  }

  public String keyId() {
    return keyId;
  }

  /** The committed parameters, by name (ascending). */
  public SortedMap<String, String> parameters() {
    return parameters;
  }

  /** The code version committed to. */
  public String moatVersion() {
    return moatVersion;
  }

  /** The SHA-256, 64 lower-case hex digits. */
  public String hex() {
    return hex;
  }

  /**
   * One line of JSON: {@code {"format": ..., "key_id": ..., "commitment": ..., "parameters": {...},
   * "moat_version": ...}}. Never the key.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\"format\": \"")
        .append(FORMAT)
        .append("\", \"key_id\": \"")
        .append(keyId)
        .append("\", \"commitment\": \"")
        .append(hex)
        .append("\", \"parameters\": {");
    String sep = "";
    for (Map.Entry<String, String> e : parameters.entrySet()) {
      sb.append(sep)
          .append('"')
          .append(e.getKey())
          .append("\": \"")
          .append(e.getValue())
          .append('"');
      sep = ", ";
    }
    return sb.append("}, \"moat_version\": \"").append(moatVersion).append("\"}").toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyCommitment c
        && c.keyId.equals(keyId)
        && c.parameters.equals(parameters)
        && c.moatVersion.equals(moatVersion)
        && c.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public String toString() {
    return toJson();
  }
}
