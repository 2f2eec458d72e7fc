package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * API keys → account and tier, from a keys file (YAML or JSON):
 *
 * <pre>
 * keys:
 *   - {key: sk-demo-free-1, account: alice, tier: free, created: 2026-01-01T00:00:00Z}
 * </pre>
 *
 * <p>Keys are compared by their SHA-256 only; {@link #toString()} and every error name the account
 * or the entry's index, never the key. Immutable and thread-safe.
 */
final class ApiKeys {
  /** One account. {@code created} is epoch millis, or -1 if unknown. */
  record Account(String account, String tier, long created) {}

  private final Map<String, Account> byHash;
  private final Map<String, Account> byAccount;

  private ApiKeys(Map<String, Account> byHash) {
    this.byHash = Map.copyOf(byHash);
    Map<String, Account> a = new LinkedHashMap<>();
    byHash.values().forEach(x -> a.put(x.account(), x));
    this.byAccount = Collections.unmodifiableMap(a);
  }

  /**
   * Parses a keys file; every problem names the entry's index and field.
   *
   * @param tiers the policy's tiers (a key for an unknown tier is an error)
   */
  static ApiKeys parse(InputStream in, String source, Set<String> tiers) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
    JsonNode list = root == null ? null : root.get("keys");
    if (list == null || !list.isArray()) {
      throw new IOException(source + ": `keys` must be a list of {key, account, tier}");
    }
    Map<String, Account> m = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String at = "keys[" + i + "]";
      String key = text(e, "key");
      String account = text(e, "account");
      String tier = text(e, "tier");
      if (key == null || key.length() < 8) {
        problems.add(at + ".key must be a string of at least 8 characters");
        continue;
      }
      if (account == null || account.isBlank()) {
        problems.add(at + ".account must be a non-blank string");
        continue;
      }
      if (tier == null || !tiers.contains(tier)) {
        problems.add(at + ".tier was '" + tier + "' but it must be one of " + tiers);
        continue;
      }
      long created = -1;
      String c = text(e, "created");
      if (c != null) {
        try {
          created = java.time.Instant.parse(c).toEpochMilli();
        } catch (java.time.format.DateTimeParseException x) {
          problems.add(at + ".created was '" + c + "' but it must be an RFC 3339 UTC time");
          continue;
        }
      }
      if (m.put(hash(key), new Account(account, tier, created)) != null) {
        problems.add(at + ".key repeats an earlier entry's key");
      }
    }
    if (!problems.isEmpty()) {
      throw new IOException(source + ": " + String.join("; ", problems));
    }
    return new ApiKeys(m);
  }

  private static @Nullable String text(JsonNode e, String field) {
    JsonNode v = e == null ? null : e.get(field);
    return v == null || !v.isTextual() ? null : v.asText();
  }

  static String hash(String key) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The account of a bearer key, or null. */
  @Nullable Account lookup(@Nullable String key) {
    return key == null ? null : byHash.get(hash(key));
  }

  /** The account named, or null. */
  @Nullable Account account(String account) {
    return byAccount.get(account);
  }

  int size() {
    return byHash.size();
  }

  @Override
  public String toString() {
    return "ApiKeys{" + byHash.size() + " keys}";
  }
}
