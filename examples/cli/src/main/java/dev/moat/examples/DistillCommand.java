package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.enforce.BigramProxy;
import dev.moat.enforce.Escalation;
import dev.moat.enforce.Level;
import dev.moat.examples.cli.Range;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.EnforcementSettings;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.research.QualityRuns;
import dev.moat.spi.SamplingParams;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./moat distill-report}: what sampling perturbation costs a user and what it does to a
 * student. The bundled model answers the same prompts clean (level 0) and under escalation levels
 * with temperature jitter; for each, the perplexity of its output under the model itself (the cost)
 * and the held-out perplexity, on clean output for other prompts, of an interpolated bigram student
 * trained on it (the damage).
 */
@Command(
    name = "distill-report",
    description = {
      "What sampling perturbation costs a user and does to a student.",
      "The cost: perplexity of the output under the model; the damage: held-out perplexity of a"
          + " bigram student trained on it."
    })
final class DistillCommand implements Callable<Integer> {
  @Option(
      names = "--prompts",
      paramLabel = "N",
      description = "Training prompts (default: ${DEFAULT-VALUE}).")
  @Range(min = 10, max = 10_000)
  int prompts = 200;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      description = "Tokens per answer (default: ${DEFAULT-VALUE}).")
  @Range(min = 20, max = 240)
  int tokens = 120;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Generation threads (default: the processors).")
  @Range(min = 1, max = 64)
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--out", paramLabel = "FILE", description = "Also write the report there.")
  @Nullable Path outFile;

  private final PrintStream out;

  DistillCommand(PrintStream out) {
    this.out = out;
  }

  /**
   * One condition: a level's temperature jitter, keyed-noise KL budget and anti-distillation KL
   * budget, or the KGW watermark (gamma 0.25, delta 2: a keyed bias whose per-step KL is at most
   * delta²/8 = 0.5 nats).
   */
  record Condition(double jitter, double keyedKl, double antiKl, boolean kgw) {}

  static final Map<String, Condition> CONDITIONS = new LinkedHashMap<>();

  static {
    CONDITIONS.put("clean (level 0)", new Condition(0, 0, 0, false));
    CONDITIONS.put("jitter 0.25", new Condition(0.25, 0, 0, false));
    CONDITIONS.put("jitter 0.5", new Condition(0.5, 0, 0, false));
    CONDITIONS.put("keyed noise, KL 0.125", new Condition(0, 0.125, 0, false));
    CONDITIONS.put("keyed noise, KL 0.5", new Condition(0, 0.5, 0, false));
    CONDITIONS.put("anti-distillation, KL 0.125", new Condition(0, 0, 0.125, false));
    CONDITIONS.put("anti-distillation, KL 0.5", new Condition(0, 0, 0.5, false));
    CONDITIONS.put("kgw watermark, delta 2", new Condition(0, 0, 0, true));
  }

  static final dev.moat.key.WatermarkKey NOISE_KEY =
      dev.moat.key.WatermarkKey.ofHex("distill-noise", "6e6f6973652d6b65792d666f722d7265706f7274");

  @Override
  public Integer call() throws Exception {
    int n = prompts;
    int len = tokens;
    long t0 = System.nanoTime();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled()) {
      int vocab = model.config().vocabSize();
      int eos = model.config().eosTokenId();
      List<TierPolicy> tiers = new ArrayList<>();
      Map<String, Escalation> ladders = new HashMap<>();
      Map<Integer, Level> levels = new HashMap<>();
      List<String> names = new ArrayList<>(CONDITIONS.keySet());
      for (int c = 0; c < names.size(); c++) {
        String tier = "c" + c;
        Condition cond = Objects.requireNonNull(CONDITIONS.get(names.get(c)), "condition");
        tiers.add(
            cond.kgw()
                ? TierPolicy.of(tier, QualityRuns.schemes(vocab).get("kgw"), java.util.Set.of())
                : TierPolicy.unprotected(tier));
        if (cond.jitter() > 0 || cond.keyedKl() > 0 || cond.antiKl() > 0) {
          levels.put(
              c,
              Level.builder(c)
                  .temperatureJitter(cond.jitter())
                  .keyedNoiseKl(cond.keyedKl())
                  .antiDistillationKl(cond.antiKl())
                  .build());
          ladders.put(tier, Escalation.of(new double[] {0.5}, new int[] {c}, 0, tier));
        }
      }
      Policy policy =
          Policy.of("distill", tiers.toArray(new TierPolicy[0]))
              .withEnforcement(
                  new EnforcementSettings(
                      Map.of(), ladders, levels, Duration.ofSeconds(1), NOISE_KEY.id()));
      // Training prompts (0..n), held-out prompts (n..2n), and the anti-distillation proxy's two
      // corpora: what the proxy student knows (2n..2.5n) and the downstream task (2.5n..3n).
      int half = n / 2;
      int[][] prompts = QualityRuns.prompts(model, text, 2 * n + 2 * half, 50_000L);
      boolean[] isJava = QualityRuns.isJava(2 * n);
      OnnxGenerator gen = new OnnxGenerator(model);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      int conditions = names.size();
      int[][][] outputs = new int[conditions + 1][][]; // the last: clean held-out
      BigramProxy proxy;
      try {
        int[][] proxyCorpus = new int[2 * half][];
        try (Moat clean =
            Moat.builder()
                .policy(Policy.of("clean", TierPolicy.unprotected("c0")))
                .audit(x -> {})
                .build()) {
          List<Future<?>> jobs = new ArrayList<>();
          for (int p = 0; p < 2 * half; p++) {
            int pi = p;
            jobs.add(
                pool.submit(
                    () -> {
                      int prompt = 2 * n + pi;
                      proxyCorpus[pi] =
                          generate(gen, clean, "c0", vocab, eos, prompts[prompt], prompt, len, 0);
                      return null;
                    }));
          }
          for (Future<?> f : jobs) {
            f.get();
          }
        }
        proxy =
            BigramProxy.fit(
                vocab,
                java.util.Arrays.copyOfRange(proxyCorpus, 0, half),
                java.util.Arrays.copyOfRange(proxyCorpus, half, 2 * half),
                0.01);
        for (int c = 0; c <= conditions; c++) {
          outputs[c] = new int[n][];
        }
        try (Moat moat =
            Moat.builder()
                .policy(policy)
                .keys(dev.moat.watermark.WatermarkKeys.of(QualityRuns.KEY, NOISE_KEY))
                .proxyStudent(proxy)
                .audit(x -> {})
                .build()) {
          List<Future<?>> jobs = new ArrayList<>();
          for (int p = 0; p < n; p++) {
            int pi = p;
            jobs.add(
                pool.submit(
                    () -> {
                      for (int c = 0; c <= conditions; c++) {
                        boolean heldOut = c == conditions;
                        int prompt = heldOut ? n + pi : pi;
                        outputs[c][pi] =
                            generate(
                                gen,
                                moat,
                                heldOut ? "c0" : "c" + c,
                                vocab,
                                eos,
                                prompts[prompt],
                                prompt,
                                len,
                                heldOut ? 0 : 1);
                      }
                      return null;
                    }));
          }
          for (Future<?> f : jobs) {
            f.get();
          }
        }
      } finally {
        pool.shutdownNow();
      }
      int[][] trainPrompts = java.util.Arrays.copyOfRange(prompts, 0, n);
      boolean[] trainJava = java.util.Arrays.copyOfRange(isJava, 0, n);
      StringBuilder md = new StringBuilder();
      md.append(
          String.format(
              Locale.ROOT,
              "| condition | teacher perplexity of its output (cost) | bigram student's held-out"
                  + " perplexity (damage) | trigram student's held-out perplexity (damage) |"
                  + " tokens |%n|---|---|---|---|---|%n"));
      for (int c = 0; c < conditions; c++) {
        double[] ppl = QualityRuns.perplexity(model, trainPrompts, outputs[c], trainJava);
        NGram bigram = new NGram(vocab, 2);
        NGram trigram = new NGram(vocab, 3);
        long tokens = 0;
        for (int p = 0; p < n; p++) {
          bigram.train(prompts[p], outputs[c][p]);
          trigram.train(prompts[p], outputs[c][p]);
          tokens += outputs[c][p].length;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %.2f | %,d |%n",
                names.get(c),
                ppl[0],
                bigram.perplexity(prompts, n, outputs[conditions]),
                trigram.perplexity(prompts, n, outputs[conditions]),
                tokens));
      }
      String report =
          String.format(
              Locale.ROOT,
              "%d training prompts, %d held-out prompts and %d + %d prompts for the"
                  + " anti-distillation proxy (%,d bigram entries), %d tokens each, temperature 1,"
                  + " bundled model; %.0f s%n%n%s",
              n,
              n,
              half,
              half,
              proxy.entries(),
              len,
              (System.nanoTime() - t0) / 1e9,
              md);
      out.print(report);
      if (outFile != null) {
        Files.writeString(outFile, report);
      }
    }
    return 0;
  }

  private static int[] generate(
      OnnxGenerator gen,
      Moat moat,
      String tier,
      int vocab,
      int eos,
      int[] prompt,
      int promptIndex,
      int len,
      double score)
      throws ai.onnxruntime.OrtException {
    RequestContext ctx =
        RequestContext.builder()
            .account("distill")
            .tier(tier)
            .vocabSize(vocab)
            .prompt("", prompt)
            .specialTokens(eos)
            .sampling(
                SamplingParams.builder()
                    .temperature(1f)
                    .seed(7_000L + promptIndex)
                    .maxTokens(len)
                    .build())
            .probing(score, null)
            .build();
    return gen.generate(prompt, moat.begin(ctx), TokenSink.NONE).tokens();
  }

  /**
   * An interpolated n-gram language model, the student: Jelinek-Mercer with weights 0.7 on the
   * bigram and 0.3 on add-one unigrams (order 2), or 0.5 trigram, 0.3 bigram, 0.2 unigram (order
   * 3).
   */
  static final class NGram {
    private final int vocab;
    private final int order;
    private final long[] unigram;
    private final Map<Long, Integer> bigram = new HashMap<>();
    private final Map<Long, Integer> trigram = new HashMap<>();
    private final Map<Long, Integer> bigramContext = new HashMap<>();
    private long total;

    NGram(int vocab, int order) {
      this.vocab = vocab;
      this.order = order;
      this.unigram = new long[vocab];
    }

    private static long key(int a, int b) {
      return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static long key3(int a, int b, int c) {
      return ((long) a * 1_000_003L + b) * 1_000_003L + c;
    }

    void train(int[] prompt, int[] output) {
      int prev2 = prompt.length > 1 ? prompt[prompt.length - 2] : -1;
      int prev = prompt[prompt.length - 1];
      for (int t : output) {
        unigram[t]++;
        total++;
        bigram.merge(key(prev, t), 1, Integer::sum);
        if (order > 2) {
          trigram.merge(key3(prev2, prev, t), 1, Integer::sum);
          bigramContext.merge(key(prev2, prev), 1, Integer::sum);
        }
        prev2 = prev;
        prev = t;
      }
    }

    double p(int prev2, int prev, int t) {
      double uni = (unigram[t] + 1.0) / (total + vocab);
      long prevCount = unigram[prev];
      Integer c = bigram.get(key(prev, t));
      double bi = prevCount == 0 || c == null ? 0 : c / (double) prevCount;
      if (order == 2) {
        return 0.7 * bi + 0.3 * uni;
      }
      Integer ctx = bigramContext.get(key(prev2, prev));
      Integer c3 = trigram.get(key3(prev2, prev, t));
      double tri = ctx == null || c3 == null ? 0 : c3 / (double) ctx;
      return 0.5 * tri + 0.3 * bi + 0.2 * uni;
    }

    /** Perplexity on the held-out outputs (prompts {@code offset..}). */
    double perplexity(int[][] prompts, int offset, int[][] outputs) {
      double nll = 0;
      long n = 0;
      for (int p = 0; p < outputs.length; p++) {
        int[] pr = prompts[offset + p];
        int prev2 = pr.length > 1 ? pr[pr.length - 2] : -1;
        int prev = pr[pr.length - 1];
        for (int t : outputs[p]) {
          nll -= Math.log(p(prev2, prev, t));
          n++;
          prev2 = prev;
          prev = t;
        }
      }
      return Math.exp(nll / Math.max(1, n));
    }
  }
}
