package dev.moat.onnxruntime.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moat.model.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken model directories (copies of {@code tiny-llama} with one thing wrong) fail at load with a
 * message naming the file, the field, the value and what is allowed; the exact texts are asserted.
 */
class ModelDirectoryErrorsTest {
  @TempDir Path tmp;

  private Path copy() throws Exception {
    Path src = HfModelTest.dir("tiny-llama");
    Path d = tmp.resolve("broken");
    Files.createDirectories(d);
    try (Stream<Path> s = Files.list(src)) {
      for (Path p : s.toList()) {
        Files.copy(p, d.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return d;
  }

  private void edit(Path d, String file, String from, String to) throws Exception {
    String s = Files.readString(d.resolve(file));
    if (!s.contains(from)) {
      throw new AssertionError(file + " has no " + from);
    }
    Files.writeString(d.resolve(file), s.replace(from, to));
  }

  private List<String> problems(Path d) {
    ModelDirectoryException e =
        assertThrows(ModelDirectoryException.class, () -> HfModel.load(d, 1));
    return e.problems();
  }

  /** No Jlama on this module's class path: safetensors weights and runtime names are refused. */
  @Test
  void safetensorsOnlyAndUnknownRuntimesAreNamed() throws Exception {
    Path d = copy();
    Files.delete(d.resolve("model.onnx"));
    Files.write(d.resolve("model.safetensors"), new byte[16]);
    ModelDirectoryException auto =
        assertThrows(ModelDirectoryException.class, () -> HfModel.load(d, HfModel.AUTO, 1));
    assertEquals(
        List.of(
            "it holds safetensors weights and no ONNX graph: the Jlama runtime runs those, and this"
                + " build has none (it is built on JDK 22 or later); runtimes here: auto,"
                + " onnxruntime"),
        auto.problems());
    ModelDirectoryException named =
        assertThrows(ModelDirectoryException.class, () -> HfModel.load(d, "jlama", 1));
    assertEquals(
        List.of(
            "runtime was 'jlama' but this build runs auto, onnxruntime (the Jlama runtime,"
                + " moat-jlama, is built on JDK 22 or later only)"),
        named.problems());
  }

  @Test
  void missingConfig() throws Exception {
    Path d = copy();
    Files.delete(d.resolve("config.json"));
    assertEquals(
        List.of("config.json is missing; it must hold the model's architecture and sizes"),
        problems(d));
  }

  @Test
  void unknownArchitectureAndBadFieldsAreAllNamed() throws Exception {
    Path d = copy();
    edit(d, "config.json", "\"LlamaForCausalLM\"", "\"GPT2LMHeadModel\"");
    edit(d, "config.json", "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
    assertEquals(
        List.of(
            "config.json: `architectures` was '[\"GPT2LMHeadModel\"]' but it must be a list holding one"
                + " of LlamaForCausalLM, MistralForCausalLM, Phi3ForCausalLM, Qwen2ForCausalLM",
            "config.json: `num_key_value_heads` was '3' but it must be a divisor of"
                + " `num_attention_heads` (4)"),
        problems(d));
  }

  @Test
  void vocabularyThatDisagreesWithTheLogits() throws Exception {
    Path d = copy();
    edit(d, "config.json", "\"vocab_size\": 4096", "\"vocab_size\": 5000");
    assertEquals(
        List.of(
            "config.json: `vocab_size` was '5000' but it must be the logits' last dimension in"
                + " model.onnx (4096)"),
        problems(d));
  }

  @Test
  void kvHeadsThatDisagreeWithTheGraph() throws Exception {
    Path d = copy();
    edit(d, "config.json", "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4");
    List<String> p = problems(d);
    assertEquals(
        "config.json: `num_key_value_heads` was '4' but it must be the KV heads of model.onnx's"
            + " 'past_key_values.0.key' (2)",
        p.get(0));
    assertEquals(4, p.size(), p.toString()); // every past input of the 2 layers
  }

  @Test
  void missingGraph() throws Exception {
    Path d = copy();
    Files.move(d.resolve("model.onnx"), d.resolve("model_quantized.onnx"));
    assertEquals(
        List.of(
            "no decoder graph: looked for model.onnx, onnx/model.onnx, decoder_model_merged.onnx,"
                + " onnx/decoder_model_merged.onnx and found only [model_quantized.onnx]"),
        problems(d));
  }

  @Test
  void graphWithOtherInputNames() throws Exception {
    Path d = copy();
    // The bundled model's own layout: input_ids, past_keys, past_values.
    Files.write(d.resolve("model.onnx"), BundledModel.read("model.onnx"));
    assertEquals(
        List.of(
            "model.onnx: input 'past_keys' is not one Moat feeds; it feeds input_ids, attention_mask,"
                + " position_ids, past_key_values.N.key|value and use_cache_branch",
            "model.onnx: input 'past_values' is not one Moat feeds; it feeds input_ids,"
                + " attention_mask, position_ids, past_key_values.N.key|value and use_cache_branch",
            "model.onnx: input 'attention_mask' is missing; inputs are [input_ids, past_keys,"
                + " past_values]",
            "config.json: `num_hidden_layers` was '2' but it must be half the number of"
                + " past_key_values inputs of model.onnx (0)",
            "model.onnx: input 'past_key_values.0.key' is missing",
            "model.onnx: input 'past_key_values.0.value' is missing",
            "model.onnx: input 'past_key_values.1.key' is missing",
            "model.onnx: input 'past_key_values.1.value' is missing"),
        problems(d).subList(0, 8));
  }

  @Test
  void badEosInGenerationConfig() throws Exception {
    Path d = copy();
    edit(d, "generation_config.json", "4095", "4096");
    assertEquals(
        List.of(
            "generation_config.json: `eos_token_id[1]` was '4096' but it must be a token id in"
                + " [0, 4096)"),
        problems(d));
  }
}
