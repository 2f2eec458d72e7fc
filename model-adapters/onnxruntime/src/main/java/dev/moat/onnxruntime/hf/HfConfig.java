package dev.moat.onnxruntime.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What Moat reads from a Hugging Face {@code config.json}: the architecture and the sizes the
 * decoder graph's inputs must agree with. The RoPE settings ({@code rope_theta}, {@code
 * rope_scaling}) are computed inside an exported graph, so they are read for information only.
 *
 * <p>Immutable (thread-safe).
 *
 * @param architecture one of {@link #ARCHITECTURES}
 * @param layers {@code num_hidden_layers}
 * @param heads {@code num_attention_heads}
 * @param kvHeads {@code num_key_value_heads} (grouped-query attention; {@code heads} when absent)
 * @param headDim {@code head_dim}, or {@code hidden_size / num_attention_heads} when absent
 * @param vocabSize {@code vocab_size}: logits per position
 * @param maxPositions {@code max_position_embeddings}: the longest sequence the model takes
 * @param bosTokenId {@code bos_token_id}, -1 when absent
 * @param eosTokenIds {@code eos_token_id} (an int or a list), possibly empty
 */
public record HfConfig(
    String architecture,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int vocabSize,
    int maxPositions,
    int bosTokenId,
    List<Integer> eosTokenIds) {

  /** The architectures (Llama family) Moat serves. */
  public static final Set<String> ARCHITECTURES =
      Set.of("LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM", "Phi3ForCausalLM");

  static final String FILE = "config.json";

  public HfConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Reads {@code dir/config.json}, collecting every problem before throwing. */
  public static HfConfig read(Path dir) throws IOException {
    JsonNode n = Json.object(dir, FILE, true);
    List<String> problems = new ArrayList<>();
    String arch = architecture(n.get("architectures"), problems);
    int layers = Json.positive(n, FILE, "num_hidden_layers", problems);
    int heads = Json.positive(n, FILE, "num_attention_heads", problems);
    int kvHeads =
        n.has("num_key_value_heads")
            ? Json.positive(n, FILE, "num_key_value_heads", problems)
            : heads;
    if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0) {
      problems.add(
          ModelDirectoryException.field(
              FILE,
              "num_key_value_heads",
              kvHeads,
              "a divisor of `num_attention_heads` (" + heads + ")"));
    }
    int headDim;
    if (n.hasNonNull("head_dim")) {
      headDim = Json.positive(n, FILE, "head_dim", problems);
    } else {
      int hidden = Json.positive(n, FILE, "hidden_size", problems);
      headDim = heads > 0 ? hidden / heads : 0;
    }
    int vocab = Json.positive(n, FILE, "vocab_size", problems);
    int maxPositions = Json.positive(n, FILE, "max_position_embeddings", problems);
    int bos = -1;
    if (n.hasNonNull("bos_token_id")) {
      bos = Json.tokenId(n.get("bos_token_id"), FILE, "bos_token_id", vocab, problems);
    }
    List<Integer> eos = tokenIds(n.get("eos_token_id"), FILE, "eos_token_id", vocab, problems);
    if (!problems.isEmpty()) {
      throw new ModelDirectoryException(dir, problems);
    }
    return new HfConfig(arch, layers, heads, kvHeads, headDim, vocab, maxPositions, bos, eos);
  }

  private static String architecture(@Nullable JsonNode a, List<String> problems) {
    String allowed =
        "a list holding one of " + String.join(", ", new java.util.TreeSet<>(ARCHITECTURES));
    if (a == null || !a.isArray() || a.size() != 1 || !a.get(0).isTextual()) {
      problems.add(ModelDirectoryException.field(FILE, "architectures", a, allowed));
      return "";
    }
    String s = a.get(0).asText();
    if (!ARCHITECTURES.contains(s)) {
      problems.add(ModelDirectoryException.field(FILE, "architectures", a, allowed));
    }
    return s;
  }

  /** An {@code eos_token_id}: absent, an int, or a list of ints. */
  static List<Integer> tokenIds(
      @Nullable JsonNode v, String file, String field, int vocab, List<String> problems) {
    Set<Integer> ids = new LinkedHashSet<>();
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        ids.add(Json.tokenId(v.get(i), file, field + "[" + i + "]", vocab, problems));
      }
    } else {
      ids.add(Json.tokenId(v, file, field, vocab, problems));
    }
    return List.copyOf(ids);
  }

  /** The JSON reading every file of the directory shares. */
  static final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** The file's top-level object, or null when it is optional and absent. */
    static JsonNode object(Path dir, String file, boolean required) throws IOException {
      Path p = dir.resolve(file);
      if (!Files.isRegularFile(p)) {
        if (required) {
          throw new ModelDirectoryException(
              dir, ModelDirectoryException.missing(file, "the model's architecture and sizes"));
        }
        return MAPPER.createObjectNode();
      }
      JsonNode n;
      try {
        n = MAPPER.readTree(p.toFile());
      } catch (IOException e) {
        throw new ModelDirectoryException(
            dir,
            file
                + " is not valid JSON: "
                + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      }
      if (n == null || !n.isObject()) {
        throw new ModelDirectoryException(dir, file + " must hold a JSON object");
      }
      return n;
    }

    static int positive(JsonNode n, String file, String field, List<String> problems) {
      JsonNode f = n.get(field);
      if (f == null || !f.isIntegralNumber() || !f.canConvertToInt() || f.intValue() < 1) {
        problems.add(ModelDirectoryException.field(file, field, f, "an integer >= 1"));
        return 0;
      }
      return f.intValue();
    }

    static int tokenId(JsonNode f, String file, String field, int vocab, List<String> problems) {
      if (!f.isIntegralNumber()
          || !f.canConvertToInt()
          || f.intValue() < 0
          || (vocab > 0 && f.intValue() >= vocab)) {
        problems.add(
            ModelDirectoryException.field(
                file, field, f, "a token id in [0, " + (vocab > 0 ? vocab : "vocab_size") + ")"));
        return -1;
      }
      return f.intValue();
    }

    static @Nullable Double number(
        JsonNode n, String file, String field, double lo, double hi, List<String> problems) {
      JsonNode f = n.get(field);
      if (f == null || f.isNull()) {
        return null;
      }
      if (!f.isNumber() || f.doubleValue() < lo || f.doubleValue() > hi) {
        problems.add(
            ModelDirectoryException.field(file, field, f, "a number in [" + lo + ", " + hi + "]"));
        return null;
      }
      return f.doubleValue();
    }
  }
}
