package dev.moat.onnxruntime.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.onnxruntime.DeviceUnavailableException;
import dev.moat.onnxruntime.ExecutionDevice;
import dev.moat.onnxruntime.OnnxCausalLm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link ExecutionDevice}: what {@code --device} reads, and a CUDA device on this build. In the
 * default build (Maven Central's CPU-only {@code onnxruntime}) every load on a CUDA device fails
 * with an error naming the device and what it needs, for the bundled model and a Hugging Face
 * directory alike. In a {@code -Pgpu} build the same test loads the tiny Llama on the GPU and
 * checks its logits against PyTorch's; where the CUDA provider is built in but cannot start (no
 * CUDA 12 libraries, no GPU) it checks that error instead.
 */
class ExecutionDeviceTest {
  @Test
  void parsesWhatTheOptionAllows() {
    assertEquals(ExecutionDevice.CPU, ExecutionDevice.parse("cpu"));
    assertEquals(ExecutionDevice.cuda(0), ExecutionDevice.parse("cuda"));
    assertEquals(ExecutionDevice.cuda(0), ExecutionDevice.parse(" CUDA:0 "));
    assertEquals(ExecutionDevice.cuda(3), ExecutionDevice.parse("cuda:3"));
    assertEquals(ExecutionDevice.cuda(255), ExecutionDevice.parse("cuda:255"));
    assertEquals("cuda:7", ExecutionDevice.cuda(7).toString());
    assertEquals("cpu", ExecutionDevice.CPU.toString());
    assertEquals(7, ExecutionDevice.parse("cuda:7").cudaDeviceId());
    assertFalse(ExecutionDevice.CPU.isCuda());
    for (String bad :
        new String[] {"gpu", "cuda:", "cuda:-1", "cuda:256", "cuda:1x", "", "cuda0"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse(bad));
      assertEquals(
          "device was '" + bad + "' but it must be cpu, cuda or cuda:N with N from 0 to 255",
          e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.cuda(-1));
  }

  @Test
  void theCpuAddsNoProvider() throws Exception {
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      ExecutionDevice.CPU.applyTo(o); // nothing to start, nothing to fail
    }
    try (OnnxCausalLm m = OnnxCausalLm.bundled(1, ExecutionDevice.CPU)) {
      assertEquals(4096, m.config().vocabSize());
    }
  }

  @Test
  void aCudaDeviceRunsWhereItCanStartAndIsRefusedByNameWhereItCannot() throws Exception {
    Path dir = HfModelTest.dir("tiny-llama");
    ExecutionDevice cuda = ExecutionDevice.cuda(0);
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      String expected =
          "device was 'cuda:0' but this build's ONNX Runtime has no CUDA execution provider (it"
              + " has "
              + OrtEnvironment.getAvailableProviders()
              + "); a CUDA device needs a build with -Pgpu (Maven Central's onnxruntime_gpu,"
              + " linux-x64 and win-x64) and CUDA 12's runtime, cuBLAS and cuDNN 9 on the library"
              + " path (LD_LIBRARY_PATH)";
      assertEquals(
          expected,
          assertThrows(DeviceUnavailableException.class, () -> HfModel.load(dir, "auto", 1, cuda))
              .getMessage());
      assertEquals(
          expected,
          assertThrows(DeviceUnavailableException.class, () -> OnnxCausalLm.bundled(1, cuda))
              .getMessage());
      assertEquals(
          expected,
          assertThrows(
                  DeviceUnavailableException.class, () -> OnnxCausalLm.bundledForBatching(1, cuda))
              .getMessage());
      return;
    }
    HfModel m;
    try {
      m = HfModel.load(dir, "onnxruntime", 1, cuda);
    } catch (DeviceUnavailableException e) {
      assertTrue(
          e.getMessage()
              .startsWith(
                  "device was 'cuda:0' but ONNX Runtime's CUDA execution provider did not start: "),
          e.getMessage());
      return;
    }
    try (m) {
      JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
      JsonNode p = ref.get("prompts").get(0);
      try (HfDecoderModel.Decoder d = ((HfDecoderModel) m.decoder()).newDecoder()) {
        float[] row = d.prefill(HfModelTest.ints(p.get("input_ids")));
        JsonNode full = p.get("prompt_logits");
        double worst = 0;
        for (int v = 0; v < full.size(); v++) {
          worst = Math.max(worst, Math.abs(row[v] - full.get(v).asDouble()));
        }
        assertTrue(worst <= 1e-3, "CUDA: max |logit - PyTorch| " + worst);
      }
    }
  }
}
