package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat serve --bench-batch} on a Hugging Face directory (the tiny-llama fixture of {@code
 * model-adapters/onnxruntime/fixtures/make_tiny_hf.py}), shortened to one round of one second: both
 * servers serve that model (the header names it), every (clients, server) pair at 1, 8 and 32
 * clients streams tokens without an error, and the table prints a row per client count with Moat's
 * time per token as a share of the model's. (Its figures are the benchmark's; this checks that it
 * measures what it says, on the model it is given.)
 */
class BatchBenchTest {
  @TempDir Path tmp;

  @Test
  void benchesTheGivenModelAtOneEightAndThirtyTwoClients() throws Exception {
    Path model = tmp.resolve("tiny-llama");
    Files.createDirectories(model);
    for (String f :
        List.of(
            "config.json",
            "generation_config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "model.onnx")) {
      String r = "/dev/moat/onnxruntime/hf/tiny-llama/" + f;
      try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream(r), r)) {
        Files.copy(in, model.resolve(f));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        MoatCli.run(
            new String[] {
              "serve",
              "--bench-batch",
              "1",
              "--rounds",
              "1",
              "--workers",
              "2",
              "--model",
              model.toString()
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String o = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, o + err.toString(StandardCharsets.UTF_8));
    assertTrue(o.contains("Batch bench on tiny-llama (LlamaForCausalLM"), o);
    for (int clients : new int[] {1, 8, 32}) {
      String row =
          o.lines()
              .filter(l -> l.startsWith("| " + clients + " |"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(o));
      String[] cells = row.split("\\|", 0);
      assertEquals("0", cells[7].strip(), "errors: " + row);
      // Moat's time per token over the model's, batched: measured (above zero), a percentage.
      double share = Double.parseDouble(cells[8].strip().replaceAll("%.*", ""));
      assertTrue(share > 0 && share < 1000, "Moat's share: " + row);
      for (int c = 2; c <= 3; c++) {
        double tokensPerSecond = Double.parseDouble(cells[c].strip().replaceAll(" .*", ""));
        assertTrue(tokensPerSecond > 0, "tokens/s: " + row);
      }
    }
    // Batching put several streams into one model call at 32 clients.
    assertTrue(
        o.lines()
            .filter(l -> l.contains("32 clients batched"))
            .anyMatch(
                l -> {
                  String t = l.replaceAll(".*model: ([0-9.]+) tokens per call.*", "$1");
                  return Double.parseDouble(t) > 1.5;
                }),
        o);
  }
}
