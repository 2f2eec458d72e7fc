package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.key.WatermarkKey;
import dev.moat.model.BundledModel;
import dev.moat.server.ModelServer;
import dev.moat.watermark.WatermarkKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner's test against real suspects: an OpenAI-compatible endpoint (our own server, whose free
 * tier is watermarked with the key: a suspect that is the watermarked model itself, detected; its
 * unwatermarked tier, not), and a model we can run (the bundled ONNX model, never trained on the
 * watermarked texts it reads: not detected).
 */
class RadioactivitySuspectTest {
  static final String HEX = "0123456789abcdef0123456789abcdef";

  @TempDir Path dir;

  @Test
  void endpointAndOpenWeightsSuspects() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: owner, gamma: 0.25, delta: 2.0, context_width: 1}
          internal: {}
        """);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(
        keys,
        """
        keys:
          - {key: sk-suspect-free, account: a, tier: free}
          - {key: sk-suspect-internal, account: b, tier: internal}
        """);
    Path wm = dir.resolve("wm.keys");
    Files.writeString(wm, "owner=" + HEX + "\n");
    try (ModelServer server =
        ModelServer.start(
            ModelServer.Options.builder(
                    policy, keys, WatermarkKeys.of(WatermarkKey.ofHex("owner", HEX)), "sk-admin-x")
                .build())) {
      String url = "http://127.0.0.1:" + server.port() + "/v1";
      JsonNode marked =
          json(
              MoatCliTest.run(
                  "radioactivity",
                  "--suspect",
                  url,
                  "--suspect-key",
                  "sk-suspect-free",
                  "--prompts",
                  "12",
                  "--tokens",
                  "60",
                  "--keys",
                  wm.toString(),
                  "--key-id",
                  "owner"));
      assertEquals("black-box endpoint", marked.get("mode").asText());
      assertTrue(marked.get("trained_on_our_output").asBoolean(), marked.toString());
      JsonNode clean =
          json(
              MoatCliTest.run(
                  "radioactivity",
                  "--suspect",
                  url,
                  "--suspect-key",
                  "sk-suspect-internal",
                  "--prompts",
                  "12",
                  "--tokens",
                  "60",
                  "--keys",
                  wm.toString(),
                  "--key-id",
                  "owner"));
      assertTrue(
          !clean.get("trained_on_our_output").asBoolean() && clean.get("p_value").asDouble() > 1e-3,
          clean.toString());
      // Open weights: the bundled model reads texts the watermarked tier served.
      List<String> served = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        var r =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/completions"))
                        .header("Authorization", "Bearer sk-suspect-free")
                        .header("Content-Type", "application/json")
                        .POST(
                            java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"model\": \"moat-tiny\", \"prompt\": \"Once upon a time "
                                    + i
                                    + "\", \"max_tokens\": 60, \"seed\": "
                                    + i
                                    + "}"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        served.add(
            new ObjectMapper()
                .readTree(r.body())
                .path("choices")
                .path(0)
                .path("text")
                .asText()
                .replace("\n", "\\n"));
      }
      Path servedFile = dir.resolve("served.txt");
      Files.write(servedFile, served);
      JsonNode open =
          json(
              MoatCliTest.run(
                  "radioactivity",
                  "--suspect-onnx",
                  BundledModel.directory().toString(),
                  "--served",
                  servedFile.toString(),
                  "--keys",
                  wm.toString(),
                  "--key-id",
                  "owner",
                  "--wrong-keys",
                  "200",
                  "--reference-onnx",
                  "bundled"));
      assertEquals("open-weights", open.get("mode").asText());
      assertTrue(open.get("tuples_scored").asInt() > 100, open.toString());
      assertTrue(open.get("p_value").asDouble() > 1e-3, "never trained on it: " + open);
      // The green-mass test on the same pass: the clean teacher reading its own watermarked output
      // is not accused (first occurrences only), and its wrong keys are uniform.
      JsonNode mass = open.get("green_mass");
      assertTrue(mass.get("contexts").asInt() > 100, mass.toString());
      assertTrue(mass.get("log10_p_value").asDouble() > -3, "never trained on it: " + mass);
      assertTrue(!mass.get("trained_on_our_output").asBoolean(), mass.toString());
      assertEquals(200, mass.get("wrong_keys").asInt());
      assertTrue(mass.get("wrong_keys_ks_p").asDouble() > 1e-3, mass.toString());
      assertTrue(mass.get("empirical_p").asDouble() > 1e-3, mass.toString());
      // Referenced against itself: no difference, no variance, no evidence either way.
      JsonNode ref = open.get("green_mass_referenced");
      assertEquals(0.0, ref.get("variance").asDouble(), 0.0, ref.toString());
      assertEquals(0.0, ref.get("log10_p_value").asDouble(), 0.0, ref.toString());
      assertTrue(!open.get("green_mass_claim").get("trained_on_our_output").asBoolean());
    }
  }

  static JsonNode json(MoatCliTest.Run r) throws Exception {
    assertEquals(0, r.status(), r.err());
    return new ObjectMapper()
        .readTree(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
  }
}
