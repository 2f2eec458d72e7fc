package dev.moat.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BundledModelTest {
  @Test
  void allFilesArePresentAndTheModelStaysSmall() throws Exception {
    long total = 0;
    Path dir = BundledModel.directory();
    for (String f : BundledModel.FILES) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f);
      total += Files.size(dir.resolve(f));
      assertEquals(Files.size(dir.resolve(f)), BundledModel.read(f).length);
    }
    // The budget for model files in git: ~16 MiB in all.
    assertTrue(total <= 16L << 20, "bundled model is " + total + " bytes");
  }

  @Test
  void configAndTokenizerAgreeOnTheVocabulary() {
    String config = new String(BundledModel.read("config.json"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("\"vocab_size\"\\s*:\\s*(\\d+)").matcher(config);
    assertTrue(m.find());
    int vocab = Integer.parseInt(m.group(1));
    String tokenizer = new String(BundledModel.read("tokenizer.json"), StandardCharsets.UTF_8);
    assertTrue(
        tokenizer.contains("\"type\": \"BPE\"") || tokenizer.contains("\"type\":\"BPE\""),
        "a BPE tokenizer");
    assertTrue(tokenizer.contains("<|endoftext|>"));
    // Highest id in the vocabulary is vocab_size - 1.
    Matcher ids =
        Pattern.compile("\": (\\d+)[,\\n}]")
            .matcher(tokenizer.substring(tokenizer.indexOf("\"vocab\"")));
    int max = -1;
    while (ids.find()) {
      max = Math.max(max, Integer.parseInt(ids.group(1)));
    }
    assertEquals(vocab - 1, max);
  }

  @Test
  void onlyTheModelsFilesCanBeRead() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BundledModel.read("../secret"));
    assertEquals(
        "`file` was '../secret' but it must be one of [model.onnx, tokenizer.json, config.json, reference.json]",
        e.getMessage());
  }
}
