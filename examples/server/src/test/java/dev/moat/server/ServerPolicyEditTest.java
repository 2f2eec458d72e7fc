package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's policy edits and account actions over real HTTP: an edit changes the file and,
 * through the hot reload, what the next request gets; an invalid edit is refused with the loader's
 * message and a stale one with 409, the file untouched either way; a read-only key changes nothing
 * (403); every change is an audit record naming the key's name; no answer shows key material.
 */
class ServerPolicyEditTest {
  static final String OPS = "sk-test-ops-0001";
  static final String VIEWER = "sk-test-view-001";

  @TempDir static Path dir;
  static ServerFixture server;
  static Path file;
  static final List<String> bodies = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    server = ServerFixture.start(dir);
    file = dir.resolve("policy.yaml");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static JsonNode admin(String method, String path, String body, String key, int status)
      throws Exception {
    JsonNode j = server.admin(method, path, body, key, status);
    bodies.add(j.toString());
    return j;
  }

  static String version() throws Exception {
    return admin("GET", "/admin/policy/file", null, VIEWER, 200).get("version").asText();
  }

  static String edit(String version, String tier, String protection, String set) {
    ObjectNode e = ModelServer.MAPPER.createObjectNode();
    e.put("version", version).put("tier", tier).put("protection", protection);
    try {
      e.set("set", ModelServer.MAPPER.readTree(set));
    } catch (java.io.IOException x) {
      throw new IllegalArgumentException(x);
    }
    return e.toString();
  }

  /** The level a streamed request of the suspect tier is served at. */
  static String suspectLevel() throws Exception {
    return server.level("sk-test-suspect-01");
  }

  static String freeText() throws Exception {
    ServerFixture.Reply r =
        server.post(
            "/completions",
            "sk-test-free-0001",
            "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 24, \"seed\": 7}");
    assertEquals(200, r.status(), r.raw().body());
    return r.body().get("choices").get(0).get("text").asText();
  }

  @Test
  void editsTakeEffectAreRefusedWhenWrongOrStaleAndAreAudited() throws Exception {
    Policy original = PolicyLoader.load(file, null);
    JsonNode view = admin("GET", "/admin/policy/file", null, VIEWER, 200);
    JsonNode free = view.get("tiers").get(0);
    assertEquals("free", free.get("name").asText());
    assertTrue(free.get("watermark").get("enabled").asBoolean(), view.toString());
    assertEquals(2.0, free.get("watermark").get("delta").asDouble());
    assertFalse(view.toString().contains("test-wm"), "no key ids in the editable view");

    // The escalation ladder switched off: the suspect tier's next request is served at level 0.
    assertEquals("2", suspectLevel());
    JsonNode done =
        admin(
            "POST",
            "/admin/policy/edit",
            edit(version(), "suspect", "escalation", "{\"enabled\": false}"),
            OPS,
            200);
    assertEquals("tiers.suspect.escalation", done.get("target").asText());
    assertTrue(Files.readString(file).contains("enabled: false"), Files.readString(file));
    assertEquals("0", suspectLevel());
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "suspect", "escalation", "{\"enabled\": true}"),
        OPS,
        200);
    assertEquals("2", suspectLevel());

    // The watermark off changes what the free tier is served (same seed), and back on restores it.
    String marked = freeText();
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "free", "watermark", "{\"enabled\": false}"),
        OPS,
        200);
    assertFalse(server.server.moat().policy().tier("free").watermark().isPresent());
    assertNotEquals(marked, freeText());
    String text = Files.readString(file);
    assertTrue(text.contains("test-wm") && text.contains("delta: 2.0"), "settings kept: " + text);
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "free", "watermark", "{\"enabled\": true}"),
        OPS,
        200);
    assertEquals(marked, freeText());
    // Every setting not edited survived the round trip: the same policy as the original file.
    assertEquals(original, PolicyLoader.load(file, null));

    // Invalid: the loader's own message, nothing written.
    byte[] before = Files.readAllBytes(file);
    JsonNode bad =
        admin(
            "POST",
            "/admin/policy/edit",
            edit(version(), "free", "watermark", "{\"delta\": -1}"),
            OPS,
            400);
    assertTrue(
        bad.get("error")
            .get("message")
            .asText()
            .contains("`tiers.free.watermark.delta` was '-1' but it must be in [0, 20]"),
        bad.toString());
    assertEquals(
        "`tiers.free.watermark.delta` was '-1' but it must be in [0, 20]",
        bad.get("error").get("problems").get(0).asText());
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "free", "watermark", "{\"key\": \"other\"}"),
        OPS,
        400);
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "nosuch", "budget", "{\"requests_per_minute\": 5}"),
        OPS,
        400);
    assertArrayEquals(before, Files.readAllBytes(file));

    // Stale: the file changed since the version was read.
    String stale = version();
    Files.writeString(file, Files.readString(file) + "\n# edited by hand\n");
    JsonNode conflict =
        admin(
            "POST",
            "/admin/policy/edit",
            edit(stale, "tiny", "budget", "{\"requests_per_minute\": 5}"),
            OPS,
            409);
    assertEquals("policy_changed", conflict.get("error").get("code").asText());
    assertTrue(Files.readString(file).endsWith("# edited by hand\n"));

    // Read-only: refused, nothing written.
    before = Files.readAllBytes(file);
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "tiny", "budget", "{\"requests_per_minute\": 5}"),
        VIEWER,
        403);
    admin("POST", "/admin/policy/reload", null, VIEWER, 403);
    assertArrayEquals(before, Files.readAllBytes(file));

    // A budget and the detection exemption, by the server's own admin key.
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "tiny", "budget", "{\"requests_per_minute\": 5}"),
        "sk-test-admin",
        200);
    assertEquals(
        5, server.server.moat().policy().enforcement().budgets().get("tiny").requestsPerMinute());
    admin(
        "POST",
        "/admin/policy/edit",
        edit(version(), "free", "detection", "{\"exempt\": true}"),
        OPS,
        200);
    assertEquals(Set.of("free"), server.server.moat().policy().detection().exemptTiers());

    // The audit view: newest first, who by name, before and after.
    List<JsonNode> audit = new ArrayList<>();
    for (JsonNode r : admin("GET", "/admin/audit", null, VIEWER, 200)) {
      if (r.get("action").asText().equals("policy.edit")) {
        audit.add(r);
      }
    }
    assertEquals(6, audit.size(), audit.toString());
    JsonNode last = audit.get(0);
    assertEquals("ops-ann", last.get("actor").asText());
    assertEquals("policy.edit", last.get("action").asText());
    assertEquals("detection.exempt_tiers", last.get("target").asText());
    assertFalse(last.get("before").get("free").asBoolean());
    assertTrue(last.get("after").get("free").asBoolean());
    assertEquals("admin", audit.get(1).get("actor").asText());
    assertEquals(5, audit.get(1).get("after").get("requests_per_minute").asInt());
    assertEquals(1, audit.get(1).get("before").get("requests_per_minute").asInt());
    assertSecretsNeverShown();
  }

  @Test
  void accountsAreSearchedShownAndClearedWithAnAuditRecord() throws Exception {
    freeText();
    JsonNode found = admin("GET", "/admin/accounts?q=ALI", null, VIEWER, 200);
    assertEquals("alice", found.get(0).get("account").asText(), found.toString());
    JsonNode alice = admin("GET", "/admin/accounts/alice", null, VIEWER, 200);
    assertEquals("The history of", alice.get("recent_prompts").get(0).asText());
    admin("POST", "/admin/accounts/alice/clear", "{\"reason\": \"x\"}", VIEWER, 403);
    admin("POST", "/admin/accounts/alice/clear", "{}", OPS, 400);
    JsonNode cleared =
        admin("POST", "/admin/accounts/alice/clear", "{\"reason\": \"a teacher\"}", OPS, 200);
    assertEquals("none", cleared.get("after").get("level").asText());
    admin("POST", "/admin/accounts/nobody/clear", "{\"reason\": \"x\"}", OPS, 404);
    admin("GET", "/admin/groups/g-none", null, VIEWER, 404);
    boolean audited = false;
    for (JsonNode r : admin("GET", "/admin/audit", null, VIEWER, 200)) {
      audited |=
          r.get("action").asText().equals("account.clear")
              && r.get("target").asText().equals("alice")
              && r.get("actor").asText().equals("ops-ann")
              && r.get("after").get("reason").asText().equals("a teacher");
    }
    assertTrue(audited);
    assertSecretsNeverShown();
  }

  static void assertSecretsNeverShown() throws Exception {
    bodies.add(admin("GET", "/admin/policy", null, VIEWER, 200).toString());
    bodies.add(admin("GET", "/admin/groups", null, VIEWER, 200).toString());
    bodies.add(admin("GET", "/admin/audit", null, VIEWER, 200).toString());
    bodies.add(admin("GET", "/admin/status", null, VIEWER, 200).toString());
    bodies.add(admin("GET", "/admin/metrics/history", null, VIEWER, 200).toString());
    bodies.add(server.admin("GET", "/metrics", null, VIEWER).body());
    for (String b : bodies) {
      for (String secret : ServerFixture.SECRETS) {
        assertFalse(b.contains(secret), secret + " shown in " + b);
      }
    }
  }
}
