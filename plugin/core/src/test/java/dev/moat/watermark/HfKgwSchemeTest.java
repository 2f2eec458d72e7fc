package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;

/**
 * Interop with Hugging Face transformers 5.17 / torch 2.11: the vectors in {@code
 * hf-kgw-lefthash-vectors.json} (a copy of {@code shared/anchors/}) were produced by {@code
 * WatermarkLogitsProcessor} and {@code WatermarkDetector} on the CPU generator.
 */
class HfKgwSchemeTest {
  static JsonNode vectors() throws Exception {
    try (InputStream in =
        HfKgwSchemeTest.class.getResourceAsStream("hf-kgw-lefthash-vectors.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void greenListsMatchHuggingFaceBitForBit() throws Exception {
    for (JsonNode v : vectors().get("green_lists")) {
      HfKgwScheme s =
          new HfKgwScheme(
              v.get("vocab_size").intValue(),
              v.get("gamma").doubleValue(),
              v.get("hash_key").longValue(),
              16);
      int prev = v.get("prev_token").intValue();
      int[] perm = s.greenListInPermutationOrder(prev);
      assertEquals(v.get("greenlist_size").intValue(), perm.length);
      int[] first16 = new int[16];
      for (int i = 0; i < 16; i++) {
        first16[i] = v.get("first_16_in_permutation_order").get(i).intValue();
      }
      assertArrayEquals(first16, java.util.Arrays.copyOf(perm, 16), "prev " + prev);
      StringJoiner csv = new StringJoiner(",");
      for (int id : s.greenList(prev)) {
        csv.add(Integer.toString(id));
      }
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(csv.toString().getBytes(StandardCharsets.UTF_8)));
      assertEquals(
          v.get("sha256_of_sorted_ids_csv").asText(),
          sha,
          "vocab " + s.vocabSize() + " prev " + prev);
    }
  }

  @Test
  void detectorCountsAndZScoresMatchHuggingFace() throws Exception {
    for (JsonNode v : vectors().get("detector")) {
      HfKgwScheme s = new HfKgwScheme(v.get("vocab_size").intValue(), 0.25, 15485863L, 64);
      JsonNode t = v.get("tokens");
      int[] tokens = new int[t.size()];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = t.get(i).intValue();
      }
      DetectionResult d = new HfKgwDetector(s).detect(tokens, false);
      assertEquals(
          v.get("num_tokens_scored").doubleValue(), d.tokensScored(), v.get("kind").asText());
      assertEquals(v.get("num_green_tokens").doubleValue(), d.greenTokens());
      assertEquals(v.get("z_score").doubleValue(), d.zScore(), 1e-9);
    }
  }

  @Test
  void biasRaisesExactlyTheGreenList() {
    HfKgwScheme s = new HfKgwScheme(1000, 0.25, 15485863L, 4);
    float[] row = new float[1000];
    s.addBias(row, 0, 42, 2f);
    int green = 0;
    for (int v = 0; v < 1000; v++) {
      assertEquals(s.isGreen(42, v) ? 2f : 0f, row[v]);
      green += row[v] > 0 ? 1 : 0;
    }
    assertEquals(250, green);
  }
}
