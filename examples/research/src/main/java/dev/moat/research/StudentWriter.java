package dev.moat.research;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The adversary experiment's students at work: their suspect text (100 tokens after each suspect
 * prompt), with or without the attacker's inference-time bias against the tokens it estimates green
 * (scrub b), and their perplexity under that bias.
 *
 * <p>Not thread-safe: one scratch row.
 */
final class StudentWriter {
  private final int vocab;
  private final int[][] prompts;
  private final int suspectPrompts;

  /** Writes after the last {@code suspectPrompts} of {@code prompts}. */
  StudentWriter(int vocab, int[][] prompts, int suspectPrompts) {
    this.vocab = vocab;
    this.prompts = prompts;
    this.suspectPrompts = suspectPrompts;
  }

  /**
   * Lowers the tokens any estimate calls green at position {@code p} of {@code t} by {@link
   * AdversaryExperiment#BIAS}; returns the row's maximum.
   */
  private double bias(float[] row, int[] t, int p, GreenEstimate[] est, boolean[] done) {
    Arrays.fill(done, false);
    for (GreenEstimate e : est) {
      e.bias(row, t, p, done);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, row[v]);
    }
    return max;
  }

  /** The perplexity of texts under the student with the inference-time bias (scrub b). */
  double biased(NgramLm student, GreenEstimate[] est, List<int[]> texts) {
    float[] row = new float[vocab];
    boolean[] done = new boolean[vocab];
    double nll = 0;
    long n = 0;
    for (int[] t : texts) {
      for (int k = AdversaryExperiment.TAIL; k < t.length; k++) {
        student.logits(t[k - 2], t[k - 1], row);
        double max = bias(row, t, k, est, done);
        double z = 0;
        for (int v = 0; v < vocab; v++) {
          z += Math.exp(row[v] - max);
        }
        nll -= row[t[k]] - max - Math.log(z);
        n++;
      }
    }
    return Math.exp(nll / Math.max(1, n));
  }

  /** The student's suspect text: 100 tokens after each suspect prompt. */
  List<int[]> write(NgramLm student, GreenEstimate @Nullable [] est) {
    int distinct = prompts.length - suspectPrompts;
    float[] row = new float[vocab];
    boolean[] done = new boolean[vocab];
    List<int[]> out = new ArrayList<>();
    for (int p = 0; p < suspectPrompts; p++) {
      int[] pr = prompts[distinct + p];
      int[] t = new int[AdversaryExperiment.TAIL + 100];
      System.arraycopy(pr, pr.length - AdversaryExperiment.TAIL, t, 0, AdversaryExperiment.TAIL);
      SplittableRandom r = new SplittableRandom(9_000_000L + p);
      for (int k = AdversaryExperiment.TAIL; k < t.length; k++) {
        if (est == null) {
          t[k] = student.sample(t[k - 2], t[k - 1], r);
          continue;
        }
        student.logits(t[k - 2], t[k - 1], row);
        double max = bias(row, t, k, est, done);
        double z = 0;
        for (int v = 0; v < vocab; v++) {
          z += Math.exp(row[v] - max);
        }
        double u = r.nextDouble() * z;
        int pick = vocab - 1;
        for (int v = 0; v < vocab; v++) {
          u -= Math.exp(row[v] - max);
          if (u <= 0) {
            pick = v;
            break;
          }
        }
        t[k] = pick;
      }
      out.add(t);
    }
    return out;
  }
}
