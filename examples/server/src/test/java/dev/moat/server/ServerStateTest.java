package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.Suspicion;
import dev.moat.detect.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --state FILE}: the detector's state, admins' pins included, survives a restart, over
 * real HTTP.
 */
class ServerStateTest {
  @TempDir Path dir;

  private ModelServer start(Path state) throws Exception {
    return ServerFixture.startIn(dir, state, null);
  }

  private static int complete(ModelServer s, String prompt) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
                    .header("Authorization", "Bearer sk-test-free-0001")
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"moat-tiny\", \"prompt\": \""
                                + prompt
                                + "\", \"max_tokens\": 3, \"seed\": 1}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  @Test
  void theDetectorsStateSurvivesARestart() throws Exception {
    Path state = dir.resolve("detector.state");
    try (ModelServer s = start(state)) {
      for (int i = 0; i < 3; i++) {
        assertEquals(200, complete(s, "Write a haiku about the sea, number " + i));
      }
      assertEquals(3, s.detector().verdict("alice").requests());
      // Pins too: one on an account seen, one on an account not seen yet.
      s.detector().pin("alice", Suspicion.WATCH, Duration.ofDays(1), "ops-ann", "review");
      s.detector().pin("tina", Suspicion.FLAG, Duration.ofDays(1), "ops-ann", "resold");
    }
    assertTrue(Files.size(state) > 0, "written at close");
    try (ModelServer s = start(state)) {
      Verdict restored = s.detector().verdict("alice");
      assertNotNull(restored, "restored before serving");
      assertEquals(3, restored.requests());
      assertEquals(Suspicion.WATCH, restored.level());
      assertEquals(Suspicion.FLAG, s.detector().pinned("tina").level());
      assertEquals(200, complete(s, "And one about the mountains"));
      assertEquals(4, s.detector().verdict("alice").requests());
      assertEquals(Suspicion.WATCH, s.detector().verdict("alice").level(), "still pinned");
    }
  }

  @Test
  void anUnreadableStateIsMovedAsideAndServingGoesOn() throws Exception {
    Path state = dir.resolve("broken.state");
    Files.writeString(state, "this is not a detector state");
    try (ModelServer s = start(state)) {
      assertNull(s.detector().verdict("alice"));
      assertEquals(200, complete(s, "Hello"));
    }
    try (var files = Files.list(dir)) {
      assertTrue(
          files.anyMatch(f -> f.getFileName().toString().startsWith("broken.state.unreadable-")),
          "kept aside for a person to look at");
    }
  }
}
