package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adversary experiment's pipeline on a tiny run, and its language model's arithmetic. */
class AdversaryExperimentTest {
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

  /**
   * A tiny run end to end (the bundled model as the teacher's source, every harvest through Moat):
   * the report has every table; an unscrubbed student of KGW h=1 is detected; the attacker recovers
   * KGW h=1's green lists better than h=4's, whose contexts it cannot count; the key never appears.
   */
  @Test
  void aTinyRunReportsRecoveryAndScrubs(@TempDir Path dir) throws Exception {
    MoatCliTest.Run r =
        MoatCliTest.run(
            "radioactivity",
            "--adversary",
            "--sizes",
            "150,600",
            "--teacher-answers",
            "60",
            "--suspect-tokens",
            "2000",
            "--eval-answers",
            "100",
            "--schemes",
            "kgw1,kgw4",
            "--threads",
            "2",
            "--out",
            dir.toString());
    assertEquals(0, r.status(), r.err());
    String md = Files.readString(dir.resolve("ADVERSARY.md"));
    assertTrue(md.contains("### KGW h=1\n"), md);
    assertTrue(md.contains("### KGW h=4\n"), md);
    assertFalse(md.contains("### Gumbel"), "only the schemes asked for");
    double h1 = recovery(md, "KGW h=1");
    double h4 = recovery(md, "KGW h=4");
    assertTrue(h1 > h4 + 0.05, "h=1 " + h1 + " against h=4 " + h4);
    Matcher m = Pattern.compile("### KGW h=1\\n(?s:.*?)\\| 600 \\| (-?[0-9.]+)").matcher(md);
    assertTrue(m.find(), md);
    assertTrue(Double.parseDouble(m.group(1)) < -6, "unscrubbed student detected: " + m.group(1));
    assertFalse(
        md.contains("71756c6974792d7265706f72742d6b657931"), "no key material in the report");
  }

  /** The accuracy at the largest N in the recovery table's row for {@code scheme}. */
  private static double recovery(String md, String scheme) {
    Matcher m =
        Pattern.compile(
                "\\| " + Pattern.quote(scheme) + " \\|[^\\n]* ([0-9.]+) \\([0-9.]+\\) \\|\\n")
            .matcher(md);
    assertTrue(m.find(), scheme + " in " + md);
    return Double.parseDouble(m.group(1));
  }
}
