package dev.moat.research;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The adversary experiment's teacher: the bundled model's clean answers, from which the {@link
 * NgramLm} teacher is fitted, and the entropies that say how close the stand-in is.
 *
 * <p>Thread-safe: stateless ({@link #bundledAnswers} runs on a pool of its own).
 */
public final class AdversaryTeacher {
  private AdversaryTeacher() {}

  /** Clean answers of the bundled model: per answer, its prompt and the answer. */
  public static List<int[][]> bundledAnswers(
      OnnxCausalLm model, int[][] prompts, int n, int tokens, int threads) throws Exception {
    OnnxGenerator gen = new OnnxGenerator(model);
    int eos = model.config().eosTokenId();
    try (Moat moat =
        Moat.builder()
            .policy(Policy.of("teacher", TierPolicy.unprotected("clean")))
            .audit(x -> {})
            .build()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<int[][]>> jobs = new ArrayList<>();
        for (int p = 0; p < n; p++) {
          int pi = p;
          jobs.add(
              pool.submit(
                  () -> {
                    RequestContext ctx =
                        RequestContext.builder()
                            .account("teacher")
                            .tier("clean")
                            .vocabSize(model.config().vocabSize())
                            .prompt("", prompts[pi])
                            .specialTokens(eos)
                            .sampling(
                                SamplingParams.builder()
                                    .temperature(1f)
                                    .seed(70_000L + pi)
                                    .maxTokens(tokens)
                                    .build())
                            .build();
                    int[] answer =
                        gen.generate(prompts[pi], moat.begin(ctx), TokenSink.NONE).tokens();
                    return new int[][] {prompts[pi], answer};
                  }));
        }
        List<int[][]> out = new ArrayList<>();
        for (Future<int[][]> f : jobs) {
          out.add(f.get());
        }
        return out;
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** The answer with its prompt's last two tokens in front (the trigram context it starts in). */
  public static int[] withTwo(int[] prompt, int[] answer) {
    int[] t = new int[2 + answer.length];
    t[0] = prompt[prompt.length - 2];
    t[1] = prompt[prompt.length - 1];
    System.arraycopy(answer, 0, t, 2, answer.length);
    return t;
  }

  /**
   * The bundled model's mean next-token entropy (nats) where it wrote the answers, with the whole
   * prompt before them.
   */
  public static double meanEntropy(OnnxCausalLm model, List<int[][]> answers) throws Exception {
    double sum = 0;
    long n = 0;
    for (int[][] pa : answers) {
      int[] t = new int[pa[0].length + pa[1].length];
      System.arraycopy(pa[0], 0, t, 0, pa[0].length);
      System.arraycopy(pa[1], 0, t, pa[0].length, pa[1].length);
      double[] e = model.entropies(t);
      for (int i = pa[0].length; i < t.length; i++) {
        sum += e[i];
        n++;
      }
    }
    return sum / Math.max(1, n);
  }

  /** The teacher's mean next-token entropy at the same positions. */
  public static double meanEntropy(NgramLm lm, List<int[]> texts) {
    float[] row = new float[lm.vocab()];
    double sum = 0;
    long n = 0;
    for (int[] t : texts) {
      for (int i = 2; i < t.length; i++) {
        lm.logits(t[i - 2], t[i - 1], row);
        double h = 0;
        for (float l : row) {
          double p = Math.exp(l);
          h -= p * l;
        }
        sum += h;
        n++;
      }
    }
    return sum / Math.max(1, n);
  }
}
