package dev.moat.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.model.BundledModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled model's batch form ({@link RowInputsGraph}) and {@link BatchDecoder} against the
 * export as it is, one sequence at a time ({@link OnnxCausalLm.Decoder}): one sequence is
 * bit-identical; ragged rows that join, leave, come back and end between steps stay within float
 * rounding of their runs alone and pick the same greedy tokens.
 */
class BatchDecoderTest {
  static OnnxCausalLm plain;
  static OnnxCausalLm batched;
  static int vocab;

  static final int[][] PROMPTS = {
    {0, 512, 77, 1093, 12, 5, 301, 4000, 17, 88, 9, 230},
    {0, 1500},
    {0, 42, 43, 44, 45, 46},
    {0, 3000, 3001, 2, 999, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112},
    {0, 7},
  };

  @BeforeAll
  static void load() throws IOException {
    plain = OnnxCausalLm.bundled(1);
    batched = OnnxCausalLm.bundledForBatching(1);
    vocab = plain.config().vocabSize();
  }

  @AfterAll
  static void close() throws Exception {
    plain.close();
    batched.close();
  }

  static int argmax(float[] l, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (l[off + i] > l[off + best]) {
        best = i;
      }
    }
    return best;
  }

  /** Greedy logits of a prompt alone through the export as it is: one row per step. */
  static List<float[]> alone(int[] prompt, int steps) throws Exception {
    List<float[]> rows = new ArrayList<>();
    try (OnnxCausalLm.Decoder d = plain.newDecoder()) {
      float[] l = d.prefill(prompt).clone();
      rows.add(l);
      for (int s = 0; s < steps; s++) {
        l = d.next(argmax(l, 0, vocab)).clone();
        rows.add(l);
      }
    }
    return rows;
  }

  @Test
  void oneSequenceIsBitIdenticalToTheExportAsItIs() throws Exception {
    int[] prompt = PROMPTS[0];
    List<float[]> ref = alone(prompt, 20);
    // the rewritten graph through the one-sequence decoder (all-ones mask, positions in order)
    try (OnnxCausalLm.Decoder d = batched.newDecoder()) {
      float[] l = d.prefill(prompt);
      assertArrayEquals(ref.get(0), l);
      for (int s = 1; s <= 20; s++) {
        l = d.next(argmax(ref.get(s - 1), 0, vocab));
        assertArrayEquals(ref.get(s), l, "step " + s);
      }
    }
    // and through the batch decoder, one row
    try (BatchDecoder b = batched.newBatchDecoder()) {
      BatchDecoder.Sequence q = b.newSequence();
      float[] l = new float[vocab];
      b.prefill(q, prompt, l, 0);
      assertArrayEquals(ref.get(0), l);
      for (int s = 1; s <= 20; s++) {
        b.step(new BatchDecoder.Sequence[] {q}, 1, new int[] {argmax(ref.get(s - 1), 0, vocab)}, l);
        assertArrayEquals(ref.get(s), l, "batch step " + s);
      }
      assertEquals(21, b.calls());
      assertEquals(prompt.length + 20, q.position());
    }
    // the sequence scored whole, as entropies and log-probabilities read it
    int[] seq = new int[prompt.length + 20];
    System.arraycopy(prompt, 0, seq, 0, prompt.length);
    for (int s = 0; s < 20; s++) {
      seq[prompt.length + s] = argmax(ref.get(s), 0, vocab);
    }
    assertArrayEquals(plain.tokenLogProbs(seq), batched.tokenLogProbs(seq), 0.0);
  }

  @Test
  void raggedRowsJoiningAndLeavingMatchTheirRunsAlone() throws Exception {
    int steps = 24;
    int n = PROMPTS.length;
    List<List<float[]>> ref = new ArrayList<>();
    for (int[] p : PROMPTS) {
      ref.add(alone(p, steps));
    }
    double worst = 0;
    try (BatchDecoder b = batched.newBatchDecoder()) {
      BatchDecoder.Sequence[] seqs = new BatchDecoder.Sequence[n];
      int[] done = new int[n]; // steps each sequence has taken
      int[] started = {0, 0, 3, 6, 6}; // the step at which each joins
      float[] one = new float[vocab];
      float[] logits = new float[n * vocab];
      for (int t = 0; t < steps + 20; t++) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (t == started[i]) {
            seqs[i] = b.newSequence();
            b.prefill(seqs[i], PROMPTS[i], one, 0);
            assertArrayEquals(ref.get(i).get(0), one, "prefill " + i);
            continue;
          }
          boolean sitsOut = i == 2 && t % 5 == 0; // leaves for a step, comes back
          boolean ended = i == 4 && done[i] == 7; // ends early: its slot is freed
          if (ended && seqs[i] != null) {
            seqs[i].close();
          }
          if (seqs[i] != null && t > started[i] && done[i] < steps && !sitsOut && !ended) {
            rows.add(i);
          }
        }
        if (rows.isEmpty()) {
          continue;
        }
        BatchDecoder.Sequence[] batch = new BatchDecoder.Sequence[rows.size()];
        int[] tokens = new int[rows.size()];
        for (int k = 0; k < rows.size(); k++) {
          int i = rows.get(k);
          batch[k] = seqs[i];
          tokens[k] = argmax(ref.get(i).get(done[i]), 0, vocab);
        }
        b.step(batch, rows.size(), tokens, logits);
        for (int k = 0; k < rows.size(); k++) {
          int i = rows.get(k);
          done[i]++;
          float[] want = ref.get(i).get(done[i]);
          for (int v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(want[v] - logits[k * vocab + v]));
          }
          assertEquals(
              argmax(want, 0, vocab),
              argmax(logits, k * vocab, vocab),
              "row " + i + " step " + done[i]);
        }
      }
      for (int i = 0; i < n; i++) {
        assertEquals(i == 4 ? 7 : steps, done[i], "steps of sequence " + i);
      }
      assertTrue(b.rebuilds() >= 2, "rebuilds " + b.rebuilds());
    }
    assertTrue(worst < 1e-4, "worst logit difference " + worst);
    System.out.printf("bundled: batched vs alone max |logit diff| %.2e%n", worst);
  }

  @Test
  void promptsJoiningTogetherPrefillInOneCallAsTheyWouldAlone() throws Exception {
    int steps = 8;
    int n = PROMPTS.length; // 12, 2, 6, 18 and 2 tokens
    List<List<float[]>> ref = new ArrayList<>();
    for (int[] p : PROMPTS) {
      ref.add(alone(p, steps));
    }
    // The budget in rows x longest prompt: all five in one call; {0, 1, 2} and {3, 4}; and {0},
    // {1, 2}, {3}, {4} (a prompt alone takes the one-sequence path).
    long[] budgets = {BatchDecoder.PREFILL_LOGITS_BYTES, 36L * vocab * 4, 20L * vocab * 4};
    long[] calls = {1, 2, 4};
    double worst = 0;
    for (int k = 0; k < budgets.length; k++) {
      try (BatchDecoder b = batched.newBatchDecoder()) {
        b.prefillLogitsBytes = budgets[k];
        BatchDecoder.Sequence[] seqs = new BatchDecoder.Sequence[n];
        for (int i = 0; i < n; i++) {
          seqs[i] = b.newSequence();
        }
        float[] logits = new float[(n + 1) * vocab];
        b.prefill(seqs, PROMPTS, n, logits, vocab); // from the second row on
        assertEquals(calls[k], b.calls(), "calls at budget " + budgets[k]);
        for (int i = 0; i < n; i++) {
          assertEquals(PROMPTS[i].length, seqs[i].position());
          assertArrayEquals(
              ref.get(i).get(0),
              java.util.Arrays.copyOfRange(logits, (i + 1) * vocab, (i + 2) * vocab),
              "prefill " + i + " at budget " + budgets[k]);
        }
        float[] l = new float[n * vocab];
        for (int s = 0; s < steps; s++) {
          int[] tokens = new int[n];
          for (int i = 0; i < n; i++) {
            tokens[i] = argmax(ref.get(i).get(s), 0, vocab);
          }
          b.step(seqs, n, tokens, l);
          for (int i = 0; i < n; i++) {
            float[] want = ref.get(i).get(s + 1);
            for (int v = 0; v < vocab; v++) {
              worst = Math.max(worst, Math.abs(want[v] - l[i * vocab + v]));
            }
            assertEquals(argmax(want, 0, vocab), argmax(l, i * vocab, vocab), "row " + i);
          }
        }
      }
    }
    assertTrue(worst < 1e-4, "worst logit difference " + worst);
  }

  @Test
  void aBatchedPrefillIsCheckedWholeBeforeItRuns() throws Exception {
    try (BatchDecoder b = batched.newBatchDecoder()) {
      BatchDecoder.Sequence[] seqs = {b.newSequence(), b.newSequence(), b.newSequence()};
      int[][] prompts = {{0, 1}, {0, 2, 3}, {0, 4096}};
      float[] l = new float[3 * vocab];
      assertEquals(
          "`prompts[2][1]` was '4096' but it must be in [0, 4096)",
          assertThrows(IllegalArgumentException.class, () -> b.prefill(seqs, prompts, 3, l, 0))
              .getMessage());
      assertEquals(
          "`prompts[1]` was empty but it must have at least one token (e.g. bos)",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> b.prefill(seqs, new int[][] {{0}, {}}, 2, l, 0))
              .getMessage());
      assertEquals(
          "`seqs[1]` appears twice in one prefill",
          assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      b.prefill(
                          new BatchDecoder.Sequence[] {seqs[0], seqs[0]},
                          new int[][] {{0}, {0}},
                          2,
                          l,
                          0))
              .getMessage());
      assertEquals(0, b.calls(), "nothing ran");
      for (BatchDecoder.Sequence q : seqs) {
        assertEquals(0, q.position(), "nothing was prefilled");
      }
      b.prefill(seqs, new int[][] {{0, 1}, {0, 2, 3}, {0, 5}}, 3, l, 0);
      assertEquals(
          "`seqs[0]` was already prefilled",
          assertThrows(
                  IllegalStateException.class,
                  () -> b.prefill(seqs, new int[][] {{0}, {0}, {0}}, 3, l, 0))
              .getMessage());
    }
  }

  @Test
  void refusesWhatItCannotRun() throws Exception {
    try (BatchDecoder b = batched.newBatchDecoder()) {
      BatchDecoder.Sequence q = b.newSequence();
      float[] l = new float[vocab];
      BatchDecoder.Sequence[] one = {q};
      assertEquals(
          "`seqs[0]` was not prefilled",
          assertThrows(IllegalStateException.class, () -> b.step(one, 1, new int[] {5}, l))
              .getMessage());
      b.prefill(q, new int[] {0, 1}, l, 0);
      assertEquals(
          "`input_ids[0]` was '4096' but it must be in [0, 4096)",
          assertThrows(IllegalArgumentException.class, () -> b.step(one, 1, new int[] {4096}, l))
              .getMessage());
      assertEquals(
          "`seqs[1]` appears twice in one step",
          assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      b.step(
                          new BatchDecoder.Sequence[] {q, q},
                          2,
                          new int[] {1, 1},
                          new float[2 * vocab]))
              .getMessage());
      assertEquals(
          "`logits.length` was '10' but it must be >= 4096 (1 rows of 4096 from offset 0)",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> b.step(one, 1, new int[] {1}, new float[10]))
              .getMessage());
      BatchDecoder.Sequence r = b.newSequence();
      assertEquals(
          "sequence of 257 tokens exceeds the model's max_positions 256",
          assertThrows(IllegalStateException.class, () -> b.prefill(r, new int[257], l, 0))
              .getMessage());
      q.close();
      assertEquals(
          "`seqs[0]` is closed",
          assertThrows(IllegalStateException.class, () -> b.step(one, 1, new int[] {5}, l))
              .getMessage());
    }
    assertFalse(plain.batching());
    assertThrows(IllegalStateException.class, plain::newBatchDecoder);
  }

  @Test
  void theRewriteRefusesAGraphThatIsNotTheBundledExport() throws Exception {
    byte[] probe;
    try (var in = OnnxCausalLm.class.getResourceAsStream("probe-model.onnx")) {
      probe = java.util.Objects.requireNonNull(in, "probe-model.onnx").readAllBytes();
    }
    IOException e = assertThrows(IOException.class, () -> RowInputsGraph.rewrite(probe));
    assertTrue(e.getMessage().contains("it is not the bundled export"), e.getMessage());
    byte[] once = RowInputsGraph.rewrite(BundledModel.read("model.onnx"));
    assertEquals(
        "the graph already has an input 'attention_mask'",
        assertThrows(IOException.class, () -> RowInputsGraph.rewrite(once)).getMessage());
  }
}
