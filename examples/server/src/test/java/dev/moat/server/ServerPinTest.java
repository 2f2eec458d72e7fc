package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pinning an account over real HTTP: an admin key pins it, and its next request is served at the
 * pinned level's escalation (the internal tier's ladder enforces at flag); the account view shows
 * the pin; unpinning returns the account to its evidence; a read-only key changes nothing (403); a
 * bad level, duration or reason is refused naming the field; each change is an audit record with
 * the key's name, before and after; no answer shows key material.
 */
class ServerPinTest {
  static final String OPS = "sk-test-ops-0001";
  static final String VIEWER = "sk-test-view-001";

  /** The internal tier enforces (level 2) at the flag level only: a pin at flag is seen at once. */
  static final String POLICY =
      ServerFixture.POLICY.replace(
          "internal: {}", "internal: {escalation: {rules: [{score: 1.0, level: 2}]}}");

  @TempDir static Path dir;
  static ServerFixture server;
  static final List<String> bodies = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    server = ServerFixture.start(dir, POLICY);
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

  /** The level ivan's next streamed request is served at. */
  static String ivanLevel() throws Exception {
    return server.level("sk-test-internal-1");
  }

  static String message(JsonNode error) {
    return error.get("error").get("message").asText();
  }

  @Test
  void anAdminPinsAnAccountAndItsNextRequestIsServedAtThatLevel() throws Exception {
    assertEquals("0", ivanLevel());
    String flag = "{\"level\": \"flag\", \"hours\": 2, \"reason\": \"resold access\"}";
    admin("POST", "/admin/accounts/ivan/pin", flag, VIEWER, 403);
    assertEquals("0", ivanLevel(), "a read-only key changes nothing");
    JsonNode bad =
        admin(
            "POST",
            "/admin/accounts/ivan/pin",
            "{\"level\": \"banned\", \"reason\": \"x\"}",
            OPS,
            400);
    assertEquals(
        "`level` was 'banned' but it must be one of none, watch, flag (the level the account is"
            + " pinned at)",
        message(bad));
    assertEquals("level", bad.get("error").get("param").asText());
    bad =
        admin(
            "POST",
            "/admin/accounts/ivan/pin",
            "{\"level\": \"flag\", \"hours\": 5000, \"reason\": \"x\"}",
            OPS,
            400);
    assertEquals(
        "`hours` was '5000' but it must be a number from 1 to 2160 (90 days); without it, 168 (7"
            + " days)",
        message(bad));
    admin("POST", "/admin/accounts/ivan/pin", "{\"level\": \"flag\"}", OPS, 400);
    admin("POST", "/admin/accounts/nobody/pin", flag, OPS, 404);
    admin("POST", "/admin/accounts/ivan/unpin", "{\"reason\": \"x\"}", OPS, 409);

    JsonNode pinned = admin("POST", "/admin/accounts/ivan/pin", flag, OPS, 200);
    assertEquals("flag", pinned.get("after").get("level").asText());
    assertEquals("flag", pinned.get("after").get("pin").get("level").asText());
    assertTrue(pinned.get("before").get("pin").isNull());
    assertEquals("2", ivanLevel(), "served at the flag level's escalation");
    JsonNode view = admin("GET", "/admin/accounts/ivan", null, VIEWER, 200);
    assertEquals("flag", view.get("detection_level").asText());
    assertEquals("resold access", view.get("pin").get("reason").asText());
    java.time.Duration left =
        java.time.Duration.between(
            java.time.Instant.now(),
            java.time.Instant.parse(view.get("pin").get("until").asText()));
    assertTrue(left.toMinutes() > 110 && left.toMinutes() <= 120, left.toString());
    assertTrue(view.get("reasons").get(0).asText().startsWith("pinned at flag by an admin until"));

    admin("POST", "/admin/accounts/ivan/unpin", "{\"reason\": \"refunded\"}", VIEWER, 403);
    assertEquals("2", ivanLevel());
    JsonNode unpinned =
        admin("POST", "/admin/accounts/ivan/unpin", "{\"reason\": \"refunded\"}", OPS, 200);
    assertEquals("none", unpinned.get("after").get("level").asText());
    assertEquals("0", ivanLevel(), "back to its evidence");
    assertFalse(admin("GET", "/admin/accounts/ivan", null, VIEWER, 200).has("pin"));

    // The audit view: both changes, by the key's name, before and after.
    boolean pinAudited = false;
    boolean unpinAudited = false;
    for (JsonNode r : admin("GET", "/admin/audit", null, VIEWER, 200)) {
      if (!r.get("target").asText().equals("ivan") || !r.get("actor").asText().equals("ops-ann")) {
        continue;
      }
      pinAudited |=
          r.get("action").asText().equals("account.pin")
              && r.get("before").get("level").asText().equals("none")
              && r.get("after").get("pin").get("level").asText().equals("flag")
              && r.get("after").get("reason").asText().equals("resold access");
      unpinAudited |=
          r.get("action").asText().equals("account.unpin")
              && r.get("before").get("pin").get("level").asText().equals("flag")
              && r.get("after").get("pin").isNull()
              && r.get("after").get("reason").asText().equals("refunded");
    }
    assertTrue(pinAudited && unpinAudited, "pin and unpin audited");
    for (String b : bodies) {
      for (String secret : ServerFixture.SECRETS) {
        assertFalse(b.contains(secret), secret + " shown in " + b);
      }
    }
  }
}
