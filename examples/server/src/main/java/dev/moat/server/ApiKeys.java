package dev.moat.server;

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
 * console:     # optional: keys for the admin port, each with a name (what the audit shows) and a role
 *   - {key: sk-ops-ann-2026, name: ann, role: admin}      # may edit the policy, clear accounts
 *   - {key: sk-view-bob-2026, name: bob, role: read-only} # may look, never change anything
 * </pre>
 *
 * <p>Keys are compared by their SHA-256 only; {@link #toString()} and every error name the account
 * or the entry's index, never the key. Immutable and thread-safe.
 */
final class ApiKeys {
  /** One account. {@code created} is epoch millis, or -1 if unknown. */
  record Account(String account, String tier, long created) {}

  /** What an admin-port key may do. */
  enum Role {
    /** Look at everything the admin port shows; change nothing. */
    READ_ONLY,
    /** Also edit the policy, reload it, clear accounts. */
    ADMIN
  }

  /** A key of the admin port: its name (shown in audit records instead of the key) and role. */
  record Operator(String name, Role role) {}

  private final Map<String, Account> byHash;
  private final Map<String, Account> byAccount;
  private final Map<String, Operator> operators;

  private ApiKeys(Map<String, Account> byHash, Map<String, Operator> operators) {
    this.byHash = Map.copyOf(byHash);
    this.operators = Map.copyOf(operators);
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
    Map<String, Operator> ops = operators(root.get("console"), m.keySet(), problems);
    if (!problems.isEmpty()) {
      throw new IOException(source + ": " + String.join("; ", problems));
    }
    return new ApiKeys(m, ops);
  }

  /** The optional {@code console} list: admin-port keys by hash; problems name the index. */
  private static Map<String, Operator> operators(
      @Nullable JsonNode list, Set<String> apiKeyHashes, List<String> problems) {
    Map<String, Operator> ops = new HashMap<>();
    if (list == null) {
      return ops;
    }
    if (!list.isArray()) {
      problems.add("console must be a list of {key, name, role}");
      return ops;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String at = "console[" + i + "]";
      String key = text(e, "key");
      String name = text(e, "name");
      String role = text(e, "role");
      if (key == null || key.length() < 8) {
        problems.add(at + ".key must be a string of at least 8 characters");
      } else if (name == null || !name.matches("[A-Za-z0-9_.@-]{1,64}")) {
        problems.add(at + ".name was '" + name + "' but it must be 1 to 64 of [A-Za-z0-9_.@-]");
      } else if (!"admin".equals(role) && !"read-only".equals(role)) {
        problems.add(at + ".role was '" + role + "' but it must be admin or read-only");
      } else if (apiKeyHashes.contains(hash(key)) || ops.containsKey(hash(key))) {
        problems.add(at + ".key repeats an earlier entry's key");
      } else {
        ops.put(hash(key), new Operator(name, "admin".equals(role) ? Role.ADMIN : Role.READ_ONLY));
      }
    }
    return ops;
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

  /** The admin-port key's operator ({@code console} list), or null. */
  @Nullable Operator operator(@Nullable String key) {
    return key == null ? null : operators.get(hash(key));
  }

  /** Every account with a key, in file order. */
  java.util.Collection<Account> accounts() {
    return byAccount.values();
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
    return "ApiKeys{" + byHash.size() + " keys, " + operators.size() + " console keys}";
  }
}
