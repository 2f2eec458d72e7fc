package dev.moat.research;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The adversary's language model's arithmetic. */
class NgramLmTest {
  /**
   * Probabilities sum to 1 in every context kind (trigram seen, bigram only, neither), the full row
   * agrees with {@code prob}, and sampled frequencies match within 5 standard errors.
   */
  @Test
  void theNgramModelIsADistributionAndSamplesFromIt() {
    int vocab = 50;
    SplittableRandom r = new SplittableRandom(3);
    List<int[]> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int[] t = new int[20];
      for (int k = 0; k < t.length; k++) {
        t[k] = k == 0 ? r.nextInt(5) : (t[k - 1] * 7 + r.nextInt(4)) % 40;
      }
      texts.add(t);
    }
    NgramLm lm = new NgramLm(vocab, texts);
    float[] row = new float[vocab];
    int[][] contexts = {{texts.get(0)[3], texts.get(0)[4]}, {49, texts.get(0)[4]}, {49, 48}};
    for (int[] c : contexts) {
      lm.logits(c[0], c[1], row);
      double sum = 0;
      for (int v = 0; v < vocab; v++) {
        assertEquals(lm.prob(c[0], c[1], v), Math.exp(row[v]), 1e-6);
        sum += lm.prob(c[0], c[1], v);
      }
      assertEquals(1, sum, 1e-9);
      int[] counts = new int[vocab];
      int n = 40_000;
      for (int i = 0; i < n; i++) {
        counts[lm.sample(c[0], c[1], r)]++;
      }
      for (int v = 0; v < vocab; v++) {
        double p = lm.prob(c[0], c[1], v);
        assertEquals(
            p, counts[v] / (double) n, 5 * Math.sqrt(p * (1 - p) / n) + 1e-9, "token " + v);
      }
    }
    // Perplexity is exp of the mean negative log-probability.
    int[] t = texts.get(1);
    double nll = 0;
    for (int k = 2; k < t.length; k++) {
      nll -= Math.log(lm.prob(t[k - 2], t[k - 1], t[k]));
    }
    assertEquals(Math.exp(nll / (t.length - 2)), lm.perplexity(List.of(t), 2), 1e-9);
  }
}
