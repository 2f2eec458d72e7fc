package dev.moat.jlama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.onnxruntime.hf.HfModel;
import dev.moat.onnxruntime.hf.ModelDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One set of weights, three implementations: the ONNX Runtime module's fixture directories hold an
 * ONNX graph and, beside it, the same weights as a safetensors checkpoint under Hugging Face's
 * parameter names ({@code model-adapters/onnxruntime/fixtures/make_tiny_hf.py}). This test loads
 * each directory twice through {@link HfModel}, the server's path, once per runtime, and decodes
 * the reference's greedy continuation with both side by side, comparing log-probabilities over the
 * whole vocabulary at every step with each other and with the PyTorch reference (the whole prompt
 * row, then 32 probed indices per step). Those references were checked separately against Hugging
 * Face transformers' own modeling code ({@code fixtures/check_transformers.py}: within 1.2e-5 for
 * fp32, 5.3e-3 for the fp16 fixture).
 *
 * <p>Bounds: 1e-3 for fp32 weights (the issue's), 0.02 for the fp16 fixture, whose graph and
 * reference round the logits and the KV cache to fp16 while Jlama widens the weights and computes
 * in fp32.
 */
class CrossRuntimeTest {
  static Path fixture(String name) {
    return Path.of("..", "onnxruntime", "src", "test", "resources", "dev", "moat", "onnxruntime")
        .resolve("hf")
        .resolve(name);
  }

  @ParameterizedTest
  @CsvSource({"tiny-llama, 1e-3", "tiny-qwen2-fp16, 0.02"})
  void onnxRuntimeJlamaAndPyTorchAgreeOnTheSameWeights(String name, double bound) throws Exception {
    Path dir = fixture(name);
    assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")), dir + " has no weights");
    JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
    JsonNode probe = ref.get("probe_indices");
    double jlamaVsTorch = 0;
    double ortVsTorch = 0;
    double ortVsJlama = 0;
    int steps = 0;
    try (HfModel ort = HfModel.load(dir, HfModel.ONNX_RUNTIME, 1);
        HfModel jlama = HfModel.load(dir, "jlama", 1)) {
      assertEquals(4096, ort.config().vocabSize());
      for (JsonNode p : ref.get("prompts")) {
        int[] ids = new int[p.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = p.get("input_ids").get(i).asInt();
        }
        try (KvDecoder o = ort.decoder().newDecoder();
            KvDecoder j = jlama.decoder().newDecoder()) {
          float[] ol = logSoftmax(o.prefill(ids));
          float[] jl = j.prefill(ids);
          double lse = p.get("prompt_logsumexp").asDouble();
          for (int v = 0; v < jl.length; v++) {
            double t = p.get("prompt_logits").get(v).asDouble() - lse;
            jlamaVsTorch = Math.max(jlamaVsTorch, Math.abs(jl[v] - t));
            ortVsTorch = Math.max(ortVsTorch, Math.abs(ol[v] - t));
          }
          for (JsonNode step : p.get("steps")) {
            int token = step.get("token").asInt();
            assertEquals(
                token,
                JlamaReferenceTest.argmax(jl),
                name + ": Jlama's greedy token at " + j.position());
            assertEquals(
                token, JlamaReferenceTest.argmax(ol), name + ": ONNX Runtime's greedy token");
            ortVsJlama = Math.max(ortVsJlama, maxDiff(ol, jl));
            ol = logSoftmax(o.next(token));
            jl = j.next(token);
            steps++;
            double slse = step.get("logsumexp").asDouble();
            for (int k = 0; k < probe.size(); k++) {
              double t = step.get("probe").get(k).asDouble() - slse;
              int v = probe.get(k).asInt();
              jlamaVsTorch = Math.max(jlamaVsTorch, Math.abs(jl[v] - t));
              ortVsTorch = Math.max(ortVsTorch, Math.abs(ol[v] - t));
            }
          }
          ortVsJlama = Math.max(ortVsJlama, maxDiff(ol, jl));
          assertEquals(
              step(p, -1).get("argmax").asInt(),
              JlamaReferenceTest.argmax(jl),
              name + ": the last step");
        }
      }
    }
    String figures =
        String.format(
            "%s: %d steps, largest log-probability difference: Jlama vs PyTorch %.2e, ONNX Runtime"
                + " vs PyTorch %.2e, ONNX Runtime vs Jlama (whole rows) %.2e",
            name, steps, jlamaVsTorch, ortVsTorch, ortVsJlama);
    System.out.println(figures);
    assertTrue(jlamaVsTorch < bound && ortVsTorch < bound && ortVsJlama < bound, figures);
  }

  /**
   * The Mistral fixture's heads are 8 wide, narrower than Jlama's 16-float kernels step: before the
   * width check, Jlama scored its prompt 10.7 nats from PyTorch (ONNX Runtime: 8e-6) or threw
   * IndexOutOfBoundsException, depending on what lay past the row. Now the directory is refused by
   * name, and ONNX Runtime still serves it.
   */
  @Test
  void headsNarrowerThanJlamasKernelsAreRefusedByName() throws Exception {
    Path dir = fixture("tiny-mistral-merged");
    var e = assertThrows(ModelDirectoryException.class, () -> HfModel.load(dir, "jlama", 1));
    assertTrue(
        e.getMessage().contains("head_dim (hidden_size / num_attention_heads) was 8")
            && e.getMessage().contains("multiple of 16"),
        e.getMessage());
    try (HfModel ort = HfModel.load(dir, HfModel.ONNX_RUNTIME, 1)) {
      assertEquals(4096, ort.config().vocabSize());
    }
  }

  /** Jlama runs on the CPU: a GPU asked of it is refused by name, never run on the CPU instead. */
  @Test
  void aGpuAskedOfJlamaIsRefusedByName() {
    Path dir = fixture("tiny-llama");
    var e =
        assertThrows(
            dev.moat.onnxruntime.DeviceUnavailableException.class,
            () -> HfModel.load(dir, "jlama", 1, dev.moat.onnxruntime.ExecutionDevice.cuda(0)));
    assertEquals(
        "device was 'cuda:0' but the jlama runtime runs on the CPU only; a GPU runs ONNX Runtime's"
            + " decoder (a directory with an ONNX graph, --runtime onnxruntime)",
        e.getMessage());
  }

  private static JsonNode step(JsonNode prompt, int index) {
    JsonNode steps = prompt.get("steps");
    return steps.get(index < 0 ? steps.size() + index : index);
  }

  private static double maxDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "vocabulary sizes");
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  /** Log-softmax in double precision, as Jlama's scores are log-probabilities. */
  private static float[] logSoftmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : logits) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (float x : logits) {
      sum += Math.exp(x - max);
    }
    double lse = max + Math.log(sum);
    float[] out = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = (float) (logits[i] - lse);
    }
    return out;
  }
}
