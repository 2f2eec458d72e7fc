package dev.moat.onnxruntime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a decoder exported in Moat's layout (inputs {@code input_ids}, {@code past_keys},
 * {@code past_values}; outputs {@code logits}, {@code present_keys}, {@code present_values}; caches
 * shaped {@code [layers, batch, heads, positions, headDim]}).
 *
 * @param vocabSize logits per position
 * @param layers decoder layers
 * @param heads attention heads
 * @param headDim size of one head
 * @param maxPositions longest sequence (prompt plus output) the model takes
 * @param bosTokenId token that starts a document
 * @param eosTokenId token that ends one
 */
public record ModelConfig(
    int vocabSize,
    int layers,
    int heads,
    int headDim,
    int maxPositions,
    int bosTokenId,
    int eosTokenId) {

  /** Reads {@code config.json}, naming each missing or invalid field. */
  public static ModelConfig parse(byte[] json) throws IOException {
    JsonNode n = new ObjectMapper().readTree(json);
    List<String> problems = new ArrayList<>();
    int[] v = new int[7];
    String[] fields = {
      "vocab_size", "n_layer", "n_head", "head_dim", "max_positions", "bos_token_id", "eos_token_id"
    };
    for (int i = 0; i < fields.length; i++) {
      JsonNode f = n.get(fields[i]);
      if (f == null || !f.canConvertToInt() || f.intValue() < (i >= 5 ? 0 : 1)) {
        problems.add(
            "`" + fields[i] + "` was '" + f + "' but it must be an integer >= " + (i >= 5 ? 0 : 1));
      } else {
        v[i] = f.intValue();
      }
    }
    if (!problems.isEmpty()) {
      throw new IOException("config.json is invalid: " + String.join("; ", problems));
    }
    return new ModelConfig(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  }
}
