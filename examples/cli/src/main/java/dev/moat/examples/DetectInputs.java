package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.examples.cli.UsageException;
import dev.moat.onnxruntime.BundledText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@code ./moat detect} reads: token ids given as {@code 1,2,3}, or a corpus file, each with
 * an error naming the line, the item and what is allowed. Thread-safe: stateless.
 */
final class DetectInputs {
  private DetectInputs() {}

  /** The tokenizer of {@code --tokenizer FILE}, or the bundled model's. */
  static BundledText tokenizer(@Nullable Path file) throws Exception {
    return file != null ? BundledText.load(file) : BundledText.bundled();
  }

  /**
   * A corpus: one JSON value per line, either a text (a JSON string, tokenized with the bundled or
   * {@code --tokenizer} tokenizer) or token ids (a JSON array of integers). Blank lines are
   * skipped.
   */
  static List<int[]> readCorpus(Path file, @Nullable Path tokenizerFile) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<int[]> texts = new java.util.ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    BundledText tokenizer = null;
    try {
      for (int n = 0; n < lines.size(); n++) {
        String line = lines.get(n).strip();
        if (line.isEmpty()) {
          continue;
        }
        com.fasterxml.jackson.databind.JsonNode value;
        try {
          value = mapper.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UsageException(corpusLine(file, n, line) + " is not JSON");
        }
        if (value.isTextual()) {
          if (tokenizer == null) {
            tokenizer = tokenizer(tokenizerFile);
          }
          texts.add(tokenizer.encode(value.asText()));
        } else if (value.isArray()) {
          int[] ids = new int[value.size()];
          for (int i = 0; i < ids.length; i++) {
            com.fasterxml.jackson.databind.JsonNode id = value.get(i);
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
              throw new UsageException(
                  corpusLine(file, n, line)
                      + " item "
                      + (i + 1)
                      + " was '"
                      + id
                      + "' but it must be a non-negative integer token id");
            }
            ids[i] = id.asInt();
          }
          texts.add(ids);
        } else {
          throw new UsageException(
              corpusLine(file, n, line)
                  + " must be a JSON string (a text) or an array of token ids");
        }
      }
    } finally {
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
    return texts;
  }

  private static String corpusLine(Path file, int n, String line) {
    String shown = line.length() > 40 ? line.substring(0, 40) + "…" : line;
    return "--corpus " + file + " line " + (n + 1) + " ('" + shown + "')";
  }

  static int[] parseTokens(String csv) {
    String[] parts = csv.split(",", 0);
    int[] t = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        t[i] = Integer.parseInt(parts[i].strip());
        if (t[i] < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new UsageException(
            "--tokens item "
                + (i + 1)
                + " was '"
                + parts[i]
                + "' but it must be a non-negative integer token id");
      }
    }
    return t;
  }
}
