package dev.moat.onnxruntime.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The four tiny Hugging Face directories ({@code fixtures/make_tiny_hf.py}) through ONNX Runtime
 * against their PyTorch references: prompt logits within {@code tol} (fp32: 1e-4; fp16: 0.02, about
 * two fp16 steps at logit magnitudes near 16), a 12-step greedy cached decode (probed logits and
 * tokens), and the cached decode equal to running the whole sequence without a cache.
 */
class HfModelTest {
  static Path dir(String name) throws Exception {
    return Path.of(
        Objects.requireNonNull(
                HfModelTest.class.getResource("/dev/moat/onnxruntime/hf/" + name), name)
            .toURI());
  }

  @ParameterizedTest
  @CsvSource({
    "tiny-llama,          LlamaForCausalLM,   false, true,  FLOAT,   4, 2, 16, 0.0001",
    "tiny-qwen2-fp16,     Qwen2ForCausalLM,   false, true,  FLOAT16, 4, 2, 16, 0.02",
    "tiny-mistral-merged, MistralForCausalLM, true,  true,  FLOAT,   8, 2, 8,  0.0001",
    "tiny-phi3-external,  Phi3ForCausalLM,    false, false, FLOAT,   4, 4, 16, 0.0001",
  })
  void logitsEqualPyTorchAndTheCacheChangesNothing(
      String name,
      String arch,
      boolean merged,
      boolean positionIds,
      OnnxJavaType cache,
      int heads,
      int kvHeads,
      int headDim,
      double tol)
      throws Exception {
    JsonNode ref = new ObjectMapper().readTree(dir(name).resolve("reference.json").toFile());
    try (HfModel m = HfModel.load(dir(name), 1)) {
      HfConfig c = m.config();
      assertEquals(arch, c.architecture());
      assertEquals(List.of(heads, kvHeads, headDim), List.of(c.heads(), c.kvHeads(), c.headDim()));
      DecoderGraph g = ((HfDecoderModel) m.decoder()).graph();
      assertEquals(merged, g.merged());
      assertEquals(positionIds, g.positionIds());
      assertEquals(cache, g.cacheType());
      double worst = 0;
      double worstCache = 0;
      for (JsonNode p : ref.get("prompts")) {
        int[] ids = ints(p.get("input_ids"));
        assertArrayEquals(ids, m.promptIds(p.get("text").asText(), false), "tokenizer + BOS rule");
        int[] greedy = ints(p.get("greedy"));
        int[] seq = java.util.Arrays.copyOf(ids, ids.length + greedy.length - 1);
        try (HfDecoderModel.Decoder d = ((HfDecoderModel) m.decoder()).newDecoder()) {
          float[] row = d.prefill(ids);
          JsonNode full = p.get("prompt_logits");
          for (int v = 0; v < full.size(); v++) {
            worst = Math.max(worst, Math.abs(row[v] - full.get(v).asDouble()));
          }
          assertEquals(greedy[0], argmax(row), name + " prompt argmax");
          JsonNode steps = p.get("steps");
          JsonNode probe = ref.get("probe_indices");
          for (int s = 0; s < steps.size(); s++) {
            JsonNode st = steps.get(s);
            seq[ids.length + s] = st.get("token").asInt();
            row = d.next(st.get("token").asInt());
            for (int k = 0; k < probe.size(); k++) {
              worst =
                  Math.max(
                      worst,
                      Math.abs(row[probe.get(k).asInt()] - st.get("probe").get(k).asDouble()));
            }
            assertEquals(greedy[s + 1], argmax(row), name + " step " + s);
          }
          try (HfDecoderModel.Decoder whole = ((HfDecoderModel) m.decoder()).newDecoder()) {
            float[] again = whole.prefill(seq);
            for (int v = 0; v < again.length; v++) {
              worstCache = Math.max(worstCache, Math.abs(again[v] - row[v]));
            }
          }
        }
      }
      assertTrue(worst <= tol, name + ": max |logit - PyTorch| " + worst + " > " + tol);
      assertTrue(worstCache <= tol, name + ": cached vs uncached max |diff| " + worstCache);
      System.out.printf(
          "%s: max |logit diff| vs PyTorch %.2e, cached vs uncached %.2e%n",
          name, worst, worstCache);
    }
  }

  static int[] ints(JsonNode a) {
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.get(i).asInt();
    }
    return r;
  }

  static int argmax(float[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }
}
