package dev.moat.onnxruntime.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What Moat reads from {@code generation_config.json} (optional): the end-of-sequence ids (often a
 * list: Llama 3's {@code <|end_of_text|>} and {@code <|eot_id|>}) and the default sampling settings
 * a request that gives none gets.
 *
 * <p>Immutable (thread-safe).
 *
 * @param eosTokenIds {@code eos_token_id}, an int or a list, possibly empty
 * @param temperature {@code temperature}, null when absent
 * @param topP {@code top_p}, null when absent
 * @param topK {@code top_k}, null when absent
 */
public record GenerationDefaults(
    List<Integer> eosTokenIds,
    @Nullable Double temperature,
    @Nullable Double topP,
    @Nullable Integer topK) {
  static final String FILE = "generation_config.json";

  public GenerationDefaults {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Reads {@code dir/generation_config.json}; nothing set when the file is absent. */
  public static GenerationDefaults read(Path dir, int vocabSize) throws IOException {
    JsonNode n = HfConfig.Json.object(dir, FILE, false);
    List<String> problems = new ArrayList<>();
    List<Integer> eos =
        HfConfig.tokenIds(n.get("eos_token_id"), FILE, "eos_token_id", vocabSize, problems);
    Double t = HfConfig.Json.number(n, FILE, "temperature", 0, 100, problems);
    Double p = HfConfig.Json.number(n, FILE, "top_p", 0, 1, problems);
    Integer k = null;
    if (n.hasNonNull("top_k")) {
      JsonNode f = n.get("top_k");
      if (!f.isIntegralNumber() || !f.canConvertToInt() || f.intValue() < 0) {
        problems.add(ModelDirectoryException.field(FILE, "top_k", f, "an integer >= 0"));
      } else {
        k = f.intValue();
      }
    }
    if (!problems.isEmpty()) {
      throw new ModelDirectoryException(dir, problems);
    }
    return new GenerationDefaults(eos, t, p, k);
  }
}
