package dev.moat.research;

import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quality report's fixed inputs, shared by {@code ./moat quality}, {@code distill-report} and
 * {@code radioactivity}: the prompt openers, the key, the schemes compared, the prompts built from
 * the openers and the perplexity of outputs. Stateless: thread-safe.
 */
public final class QualityRuns {
  private QualityRuns() {}

  /** The English prompt openers. */
  public static final List<String> ENGLISH =
      List.of(
          "The Python interpreter",
          "A list comprehension is",
          "In this tutorial, we",
          "The following example shows",
          "When an exception is raised",
          "The standard library provides",
          "A dictionary maps",
          "Each thread has",
          "The module defines",
          "To install the package,",
          "The return value is",
          "Unlike other languages,",
          "This function takes",
          "The garbage collector",
          "A generator is a",
          "By default, the",
          "The syntax of",
          "Note that the",
          "The built-in function",
          "If the file does not exist,");

  /** The Java prompt openers. */
  public static final List<String> JAVA =
      List.of(
          "public static int",
          "    /**\n     * Returns the",
          "for (int i = 0; i <",
          "public class",
          "    @Override\n    public boolean equals(",
          "if (",
          "    private final",
          "import java.util.",
          "    public static <T>",
          "throw new IllegalArgumentException(",
          "    /**\n     * Checks if the",
          "return",
          "try {\n",
          "    public String toString() {\n",
          "final StringBuilder",
          "@Test\n    public void",
          "switch (",
          "while (",
          "    protected",
          "Objects.requireNonNull(");

  /** The key of every quality, distillation and radioactivity run (public: a report's key). */
  public static final WatermarkKey KEY =
      WatermarkKey.ofHex("quality", "71756c6974792d7265706f72742d6b657931");

  static final int[] LENGTHS = {25, 50, 100, 200};

  /**
   * {@code n} prompts, English and Java openers alternating, each with three more tokens sampled
   * without any protection (seeded by {@code seedBase} plus the prompt's index) so that they are
   * distinct: with one key, identical prompts would give identical keyed texts.
   */
  public static int[][] prompts(OnnxCausalLm model, BundledText text, int n, long seedBase)
      throws Exception {
    int[][] prompts = new int[n][];
    for (int p = 0; p < n; p++) {
      List<String> list = p % 2 == 1 ? JAVA : ENGLISH;
      int[] opener = text.encode(list.get((p / 2) % list.size()), model.config().bosTokenId());
      int[] more =
          new OnnxGenerator(model)
              .generate(
                  opener,
                  SamplingParams.builder().temperature(1f).seed(seedBase + p).maxTokens(3).build(),
                  TokenSink.NONE)
              .tokens();
      prompts[p] = TokenIds.concat(opener, more);
    }
    return prompts;
  }

  /** Which of {@link #prompts}' prompts are Java (the odd ones). */
  public static boolean[] isJava(int n) {
    boolean[] java = new boolean[n];
    for (int p = 0; p < n; p++) {
      java[p] = p % 2 == 1;
    }
    return java;
  }

  /** The schemes the quality report compares, by name, for a vocabulary of {@code vocab}. */
  public static Map<String, WatermarkSpec> schemes(int vocab) {
    Map<String, WatermarkSpec> m = new LinkedHashMap<>();
    m.put("kgw", KgwSettings.builder().keyId("quality").gamma(0.25).delta(2.0).build());
    m.put(
        "kgw-sweet",
        KgwSettings.builder()
            .keyId("quality")
            .gamma(0.25)
            .delta(2.0)
            .entropyThreshold(1.0)
            .build());
    m.put(
        "kgw-selfhash",
        KgwSettings.builder()
            .keyId("quality")
            .gamma(0.25)
            .delta(2.0)
            .contextWidth(4)
            .selfHash(true)
            .build());
    m.put("kgw-hf", new HfKgwSettings("quality", 0.25, 2.0, vocab, 4096));
    m.put("gumbel", new GumbelSettings("quality", 1));
    return m;
  }

  /** Perplexity over generated tokens: all prompts, English prompts, Java prompts. */
  public static double[] perplexity(
      OnnxCausalLm model, int[][] prompts, int[][] outputs, boolean[] isJava) throws Exception {
    double[] nll = new double[3];
    long[] count = new long[3];
    for (int p = 0; p < prompts.length; p++) {
      if (outputs[p].length == 0) {
        continue;
      }
      int[] all = TokenIds.concat(prompts[p], outputs[p]);
      double[] lp = model.tokenLogProbs(all);
      for (int i = prompts[p].length; i < all.length; i++) {
        nll[0] -= lp[i];
        count[0]++;
        int k = isJava[p] ? 2 : 1;
        nll[k] -= lp[i];
        count[k]++;
      }
    }
    return new double[] {
      Math.exp(nll[0] / count[0]),
      Math.exp(nll[1] / Math.max(1, count[1])),
      Math.exp(nll[2] / Math.max(1, count[2]))
    };
  }
}
