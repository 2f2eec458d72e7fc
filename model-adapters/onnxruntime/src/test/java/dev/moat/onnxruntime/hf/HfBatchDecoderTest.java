package dev.moat.onnxruntime.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.onnxruntime.BatchDecoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Continuous batching of the tiny Hugging Face graphs that take {@code position_ids} (fp32, fp16
 * caches, a merged decoder): rows of different lengths, left-padded, joining at different steps and
 * one leaving early, each within {@code tol} of the same sequence decoded alone ({@link
 * HfDecoderModel.Decoder}) and with the same greedy tokens; a graph without {@code position_ids} is
 * refused with the reason.
 */
class HfBatchDecoderTest {
  static final int[][] PROMPTS = {
    {1, 512, 77, 1093, 12, 5, 301, 4000, 17, 88, 9},
    {1, 1500},
    {1, 42, 43, 44, 45, 46},
  };

  @ParameterizedTest
  @CsvSource({"tiny-llama, 0.0001", "tiny-qwen2-fp16, 0.02", "tiny-mistral-merged, 0.0001"})
  void raggedRowsMatchTheirRunsAlone(String name, double tol) throws Exception {
    int steps = 12;
    try (HfModel m = HfModel.load(HfModelTest.dir(name), 1)) {
      HfDecoderModel model = (HfDecoderModel) m.decoder();
      int vocab = model.config().vocabSize();
      assertTrue(model.batching());
      List<List<float[]>> ref = new ArrayList<>();
      List<int[]> greedy = new ArrayList<>();
      for (int[] p : PROMPTS) {
        List<float[]> rows = new ArrayList<>();
        int[] tokens = new int[steps + 1];
        try (HfDecoderModel.Decoder d = model.newDecoder()) {
          float[] l = d.prefill(p).clone();
          rows.add(l);
          for (int s = 0; s < steps; s++) {
            tokens[s] = HfModelTest.argmax(l);
            l = d.next(tokens[s]).clone();
            rows.add(l);
          }
        }
        ref.add(rows);
        greedy.add(tokens);
      }
      double worst = 0;
      try (BatchDecoder b = model.newBatchDecoder()) {
        int n = PROMPTS.length;
        BatchDecoder.Sequence[] seqs = new BatchDecoder.Sequence[n];
        int[] start = {0, 2, 4};
        int[] done = new int[n];
        float[] one = new float[vocab];
        for (int t = 0; t < steps + 8; t++) {
          List<Integer> rows = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if (t == start[i]) {
              seqs[i] = b.newSequence();
              b.prefill(seqs[i], PROMPTS[i], one, 0);
              assertArrayEquals(ref.get(i).get(0), one, name + " prefill " + i);
            } else if (t > start[i] && done[i] < (i == 1 ? 5 : steps)) {
              rows.add(i);
            } else if (i == 1 && done[i] == 5 && seqs[i] != null) {
              seqs[i].close();
            }
          }
          if (rows.isEmpty()) {
            continue;
          }
          BatchDecoder.Sequence[] batch = new BatchDecoder.Sequence[rows.size()];
          int[] tokens = new int[rows.size()];
          for (int k = 0; k < rows.size(); k++) {
            batch[k] = seqs[rows.get(k)];
            tokens[k] = greedy.get(rows.get(k))[done[rows.get(k)]];
          }
          float[] logits = new float[rows.size() * vocab];
          b.step(batch, rows.size(), tokens, logits);
          for (int k = 0; k < rows.size(); k++) {
            int i = rows.get(k);
            done[i]++;
            float[] want = ref.get(i).get(done[i]);
            for (int v = 0; v < vocab; v++) {
              worst = Math.max(worst, Math.abs(want[v] - logits[k * vocab + v]));
            }
          }
        }
        assertEquals(List.of(steps, 5, steps), List.of(done[0], done[1], done[2]));
      }
      assertTrue(worst <= tol, name + ": batched vs alone max |diff| " + worst + " > " + tol);
      System.out.printf("%s: batched vs alone max |logit diff| %.2e%n", name, worst);
    }
  }

  /**
   * Prompts joining together prefill in one call, right-padded to the longest: each row's logits,
   * and its next step's from the cache the call left, are its own alone within {@code tol}.
   */
  @ParameterizedTest
  @CsvSource({"tiny-llama, 0.0001", "tiny-qwen2-fp16, 0.02", "tiny-mistral-merged, 0.0001"})
  void promptsPrefilledTogetherAreTheirPrefillsAlone(String name, double tol) throws Exception {
    try (HfModel m = HfModel.load(HfModelTest.dir(name), 1)) {
      HfDecoderModel model = (HfDecoderModel) m.decoder();
      int vocab = model.config().vocabSize();
      int n = PROMPTS.length;
      float[][] first = new float[n][];
      float[][] second = new float[n][];
      int[] token = new int[n];
      for (int i = 0; i < n; i++) {
        try (HfDecoderModel.Decoder d = model.newDecoder()) {
          first[i] = d.prefill(PROMPTS[i]).clone();
          token[i] = HfModelTest.argmax(first[i]);
          second[i] = d.next(token[i]).clone();
        }
      }
      double worst = 0;
      try (BatchDecoder b = model.newBatchDecoder()) {
        BatchDecoder.Sequence[] seqs = new BatchDecoder.Sequence[n];
        for (int i = 0; i < n; i++) {
          seqs[i] = b.newSequence();
        }
        float[] logits = new float[n * vocab];
        b.prefill(seqs, PROMPTS, n, logits, 0);
        assertEquals(1, b.calls());
        for (int i = 0; i < n; i++) {
          for (int v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(first[i][v] - logits[i * vocab + v]));
          }
        }
        b.step(seqs, n, token, logits);
        for (int i = 0; i < n; i++) {
          for (int v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(second[i][v] - logits[i * vocab + v]));
          }
        }
      }
      assertTrue(worst <= tol, name + ": prefilled together vs alone max |diff| " + worst);
      System.out.printf("%s: prefilled together vs alone max |logit diff| %.2e%n", name, worst);
    }
  }

  @Test
  void aGraphWithoutPositionIdsIsNotBatched() throws Exception {
    try (HfModel m = HfModel.load(HfModelTest.dir("tiny-phi3-external"), 1)) {
      assertFalse(((HfDecoderModel) m.decoder()).batching());
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> ((HfDecoderModel) m.decoder()).newBatchDecoder());
      assertEquals(
          "model.onnx takes no position_ids, so rows of different lengths cannot share a call"
              + " (each token's position would come from the batch's padded length)",
          e.getMessage());
    }
  }
}
