package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.forensics.Radioactivity;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.GroupKeyed;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * An adversary who knows the scheme (Kerckhoffs), after Jovanović et al. 2024 and Pan et al. 2025:
 * from a harvest of N answers it estimates which tokens the watermark favours after each previous
 * token, by counting against a clean reference model's answers to the same prompts, and then scrubs
 * what a student inherits in three ways: (a) rewriting the training data away from the estimated
 * green tokens, (b) a negative logit bias on them at the student's inference, (c) training on as
 * much clean text again. The defences are measured the same way: a wider context, self-hash
 * seeding, a key per campaign group ({@link GroupKeyed}) and the distortion-free Gumbel scheme.
 *
 * <p>The teacher is an {@link NgramLm} fitted to the bundled model's own clean answers (the bundled
 * model itself is too slow for 100,000-answer harvests on two cores); every harvest is generated
 * through Moat's real pipeline. The attacker's reference is that same teacher without the
 * watermark: the strongest reference an attacker can have. The students are {@link NgramLm}s too.
 *
 * <p>Not thread-safe: one run, its steps one after the other (the harvests on a pool of their own).
 */
final class AdversaryExperiment {
  static final int TAIL = RadioactivityCommand.TAIL;
  static final int GROUPS = 8;
  static final double BIAS = 2.5;

  /** The attacker's threshold: a pair is called green at this many standard errors. */
  static final double Z = 2;

  /** One configuration of the defence: the tier's watermark and how many group keys it uses. */
  record Config(String id, String name, WatermarkSpec spec, int groups) {
    boolean kgw() {
      WatermarkSpec s = spec instanceof GroupKeyed g ? g.base() : spec;
      return s instanceof KgwSettings;
    }
  }

  static List<Config> configs() {
    KgwSettings h1 = KgwSettings.builder().keyId("quality").gamma(0.25).delta(2).build();
    return List.of(
        new Config("kgw1", "KGW h=1", h1, 1),
        new Config(
            "kgw1-groups", "KGW h=1, a key per group (8 groups)", new GroupKeyed(h1), GROUPS),
        new Config(
            "kgw2",
            "KGW h=2",
            KgwSettings.builder().keyId("quality").gamma(0.25).delta(2).contextWidth(2).build(),
            1),
        new Config(
            "kgw4",
            "KGW h=4",
            KgwSettings.builder().keyId("quality").gamma(0.25).delta(2).contextWidth(4).build(),
            1),
        new Config(
            "selfhash4",
            "KGW self-hash h=4",
            KgwSettings.builder()
                .keyId("quality")
                .gamma(0.25)
                .delta(2)
                .contextWidth(4)
                .selfHash(true)
                .build(),
            1),
        new Config("gumbel1", "Gumbel h=1", new GumbelSettings("quality", 1), 1));
  }

  private final int vocab;
  private final NgramLm teacher;
  private final int[][] prompts;
  private final int suspectPrompts;
  private final int len;
  private final WatermarkKey key;
  private final int eval;

  private AdversaryExperiment(
      int vocab,
      NgramLm teacher,
      int[][] prompts,
      int suspectPrompts,
      int len,
      WatermarkKey key,
      int eval) {
    this.eval = eval;
    this.vocab = vocab;
    this.teacher = teacher;
    this.prompts = prompts;
    this.suspectPrompts = suspectPrompts;
    this.len = len;
    this.key = key;
  }

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    int[] sizes =
        Arrays.stream(a.get("sizes", "1000,3000,10000,30000,100000").split(","))
            .mapToInt(s -> Integer.parseInt(s.strip()))
            .sorted()
            .toArray();
    if (sizes.length == 0 || sizes[0] < 10 || sizes[sizes.length - 1] > 1_000_000) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid(
              "--sizes", a.get("sizes", ""), "a comma-separated list of sizes in [10, 1000000]"));
    }
    int len = a.getInt("answer-tokens", 48, 8, 200);
    int suspectTokens = a.getInt("suspect-tokens", 100_000, 1_000, 1_000_000);
    int teacherAnswers = a.getInt("teacher-answers", 1_500, 50, 100_000);
    int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 64);
    int eval = a.getInt("eval-answers", 2_000, 50, 100_000);
    int scrubMax = a.getInt("scrub-max", 30_000, 10, 1_000_000);
    List<Config> configs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Config c : configs()) {
      ids.add(c.id());
    }
    for (String id : a.get("schemes", String.join(",", ids)).split(",", -1)) {
      Config c =
          configs().stream()
              .filter(x -> x.id().equals(id.strip()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          dev.moat.internal.Messages.invalid(
                              "--schemes", id.strip(), "a comma-separated list of " + ids)));
      configs.add(c);
    }
    Path outDir = Path.of(a.get("out", "examples/forensics"));
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    int nMax = sizes[sizes.length - 1];
    int distinctPrompts = Math.min(nMax + eval, 5_000);
    int suspectPrompts = suspectTokens / 100;
    WatermarkKey key = QualityCommand.KEY;
    StringBuilder md = new StringBuilder();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled()) {
      int vocab = model.config().vocabSize();
      int bos = model.config().bosTokenId();
      int[][] prompts = new int[distinctPrompts + suspectPrompts][];
      for (int p = 0; p < prompts.length; p++) {
        prompts[p] =
            DemoCommand.withBos(text.encode(dev.moat.examples.sim.Prompts.campaignPrompt(p)), bos);
      }
      err.printf(Locale.ROOT, "teacher: %d bundled-model answers%n", teacherAnswers);
      List<int[][]> bundled = bundledAnswers(model, prompts, teacherAnswers, 96, threads);
      int fit = teacherAnswers * 9 / 10;
      List<int[]> fitTexts = new ArrayList<>();
      List<int[]> heldOut = new ArrayList<>();
      for (int i = 0; i < bundled.size(); i++) {
        (i < fit ? fitTexts : heldOut).add(withTwo(bundled.get(i)[0], bundled.get(i)[1]));
      }
      NgramLm teacher = new NgramLm(vocab, fitTexts);
      double bundledEntropy = meanEntropy(model, bundled.subList(fit, bundled.size()));
      double teacherEntropy = meanEntropy(teacher, heldOut);
      md.append(
          String.format(
              Locale.ROOT,
              "Teacher: an interpolated trigram model fitted to %,d answers of the bundled model"
                  + " (96 tokens each, temperature 1, campaign prompts). On %,d held-out bundled"
                  + " answers its perplexity is %.1f, and its mean next-token entropy %.2f nats"
                  + " against the bundled model's %.2f at the same positions. Harvests: answers"
                  + " of %d tokens at temperature 1 through Moat's pipeline, to %,d distinct"
                  + " campaign prompts (repeated with new seeds). Students: the same trigram"
                  + " model fitted to the harvest. Suspect text: %,d tokens (100 per prompt,"
                  + " continuing %,d other campaign prompts); black-box test de-duplicated and"
                  + " filtered to the harvest's contexts, as in RESULTS.md.%n%n",
              fit,
              heldOut.size(),
              teacher.perplexity(heldOut, 2),
              teacherEntropy,
              bundledEntropy,
              len,
              distinctPrompts,
              suspectTokens,
              suspectPrompts));
      AdversaryExperiment x =
          new AdversaryExperiment(vocab, teacher, prompts, suspectPrompts, len, key, eval);
      err.println("harvest: clean");
      int[][] clean = x.harvest(null, nMax + eval, threads);
      Map<String, String> recovery = new LinkedHashMap<>();
      StringBuilder scrubs = new StringBuilder();
      for (Config c : configs) {
        err.println("harvest: " + c.name());
        int[][] marked = x.harvest(c, nMax + eval, threads);
        x.evaluate(c, marked, clean, sizes, scrubMax, recovery, scrubs, err);
      }
      md.append(recoveryTable(sizes, recovery, eval));
      md.append(scrubs);
    }
    String report =
        String.format(
            Locale.ROOT,
            "%s%n(%d s in all; `./moat radioactivity --adversary --sizes %s --scrub-max %d"
                + " --schemes %s`)%n",
            md,
            (System.nanoTime() - t0) / 1_000_000_000L,
            a.get("sizes", "1000,3000,10000,30000,100000"),
            scrubMax,
            String.join(",", configs.stream().map(Config::id).toList()));
    out.print(report);
    Files.writeString(outDir.resolve("ADVERSARY.md"), report);
    return 0;
  }

  private static String recoveryTable(int[] sizes, Map<String, String> rows, int eval) {
    StringBuilder t =
        new StringBuilder(
            String.format(
                    Locale.ROOT,
                    "### How well the attacker recovers the green lists%n%nOn %,d",
                    eval)
                + " held-out watermarked"
                + " answers: the share of tokens whose green or red status the attacker calls right"
                + " (a token is called green when it came up after its context in the harvest more"
                + " often than in the reference answers, by at least 2 standard errors; the context"
                + " is the scheme's, up to two tokens: for h = 4, the last two of the four), and in brackets the share of the"
                + " truly green tokens it calls green. Calling every token red scores the share of"
                + " red tokens, about 0.3 on watermarked text.\n\n| scheme |");
    for (int n : sizes) {
      t.append(String.format(Locale.ROOT, " N = %,d |", n));
    }
    t.append("\n|---|");
    t.append("---|".repeat(sizes.length)).append('\n');
    rows.forEach((k, v) -> t.append("| ").append(k).append(" |").append(v).append('\n'));
    return t.append('\n').toString();
  }

  /** Clean answers of the bundled model: per answer, its prompt and the answer. */
  private static List<int[][]> bundledAnswers(
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

  private static int[] withTwo(int[] prompt, int[] answer) {
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
  private static double meanEntropy(OnnxCausalLm model, List<int[][]> answers) throws Exception {
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
  private static double meanEntropy(NgramLm lm, List<int[]> texts) {
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

  /** The group of answer {@code i} under a configuration with {@code groups} group keys. */
  private static String group(int i, int groups) {
    return "g-" + (i % groups);
  }

  /**
   * {@code n} answers of the teacher through Moat (null: clean), answer {@code i} to prompt {@code
   * i mod distinct prompts} with seed {@code i}; each with its prompt's last {@link #TAIL} tokens
   * in front.
   */
  int[][] harvest(@Nullable Config c, int n, int threads) throws Exception {
    TierPolicy tier =
        c == null ? TierPolicy.unprotected("t") : TierPolicy.of("t", c.spec(), Set.of());
    int distinct = prompts.length - suspectPrompts;
    int[][] out = new int[n][];
    try (Moat moat =
        Moat.builder()
            .policy(Policy.of("adversary", tier))
            .keys(WatermarkKeys.of(key))
            .audit(x -> {})
            .build()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> jobs = new ArrayList<>();
        int chunk = 500;
        for (int from = 0; from < n; from += chunk) {
          int f0 = from;
          jobs.add(
              pool.submit(
                  () -> {
                    float[] row = new float[vocab];
                    for (int i = f0; i < Math.min(n, f0 + chunk); i++) {
                      int[] pr = prompts[i % distinct];
                      RequestContext.Builder ctx =
                          RequestContext.builder()
                              .account("a" + i)
                              .tier("t")
                              .vocabSize(vocab)
                              .prompt("", pr)
                              .sampling(
                                  SamplingParams.builder()
                                      .temperature(1f)
                                      .seed(i)
                                      .maxTokens(len)
                                      .build());
                      if (c != null && c.groups() > 1) {
                        ctx.probing(1, group(i, c.groups()));
                      }
                      int[] t = new int[TAIL + len];
                      System.arraycopy(pr, pr.length - TAIL, t, 0, TAIL);
                      try (MoatRequest req = moat.begin(ctx.build())) {
                        for (int k = TAIL; k < t.length; k++) {
                          teacher.logits(t[k - 2], t[k - 1], row);
                          t[k] = req.sample(row);
                          req.accept(t[k]);
                        }
                        req.finish(FinishReason.LENGTH);
                      }
                      out[i] = t;
                    }
                    return null;
                  }));
        }
        for (Future<?> f : jobs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return out;
  }

  /**
   * The attacker's estimate: a (context, token) tuple, the context being the {@code width} tokens
   * before, is called green when its rate in the harvest beats its rate in the reference answers by
   * more than {@link #Z} standard errors (a two-proportion z-test within the context). Tuples never
   * seen in the harvest are never called green: a counting attacker knows nothing of them. Kept as
   * a sorted array of the green tuples, so a context's green tokens are one binary search away.
   */
  private static final class Estimate {
    final int width;
    final long[] greens;

    Estimate(int width, int[][] marked, int[][] reference, int to, int stride, int offset) {
      this.width = width;
      long[] w = tuples(width, marked, to, stride, offset);
      long[] r = tuples(width, reference, to, stride, offset);
      long[] out = new long[64];
      int found = 0;
      int j = 0;
      for (int i = 0; i < w.length; ) {
        int end = i;
        while (end < w.length && w[end] == w[i]) {
          end++;
        }
        long tuple = w[i];
        long context = tuple >>> 21;
        while (j < r.length && r[j] < tuple) {
          j++;
        }
        int cr = 0;
        while (j + cr < r.length && r[j + cr] == tuple) {
          cr++;
        }
        int nw = count(w, context);
        int nr = count(r, context);
        if (nr > 0) {
          double pw = (end - i) / (double) nw;
          double pr = cr / (double) nr;
          double pool = (end - i + cr) / (double) (nw + nr);
          double se = Math.sqrt(pool * (1 - pool) * (1.0 / nw + 1.0 / nr));
          if (se > 0 && (pw - pr) / se > Z) {
            if (found == out.length) {
              out = Arrays.copyOf(out, found * 2);
            }
            out[found++] = tuple;
          }
        }
        i = end;
      }
      greens = Arrays.copyOf(out, found);
    }

    /**
     * Every (context, token) tuple of answers {@code offset, offset + stride, …} below {@code to},
     * sorted: the context's tokens, then the token, 21 bits each (so sorted by context first).
     */
    private static long[] tuples(int width, int[][] texts, int to, int stride, int offset) {
      int n = 0;
      for (int i = offset; i < to; i += stride) {
        n += texts[i].length - TAIL;
      }
      long[] t = new long[n];
      int k = 0;
      for (int i = offset; i < to; i += stride) {
        for (int p = TAIL; p < texts[i].length; p++) {
          t[k++] = key(width, texts[i], p);
        }
      }
      Arrays.sort(t);
      return t;
    }

    /** The tuple at position {@code p}: the {@code width} tokens before it, then it. */
    static long key(int width, int[] t, int p) {
      long k = 0;
      for (int i = p - width; i <= p; i++) {
        k = (k << 21) | t[i];
      }
      return k;
    }

    /** How many of the sorted tuples have this context. */
    private static int count(long[] sortedTuples, long context) {
      return lowerBound(sortedTuples, (context + 1) << 21)
          - lowerBound(sortedTuples, context << 21);
    }

    static int lowerBound(long[] a, long x) {
      int lo = 0;
      int hi = a.length;
      while (lo < hi) {
        int m = (lo + hi) >>> 1;
        if (a[m] < x) {
          lo = m + 1;
        } else {
          hi = m;
        }
      }
      return lo;
    }

    /** Whether token {@code t[p]} is called green after the tokens before it. */
    boolean green(int[] t, int p) {
      return Arrays.binarySearch(greens, key(width, t, p)) >= 0;
    }

    /** Whether {@code token} would be called green at position {@code p} of {@code t}. */
    boolean green(int[] t, int p, int token) {
      return Arrays.binarySearch(greens, (key(width - 1, t, p - 1) << 21) | token) >= 0;
    }

    /**
     * Lowers the tokens called green at position {@code p} of {@code t} in {@code row}, once each.
     */
    void bias(float[] row, int[] t, int p, boolean[] done) {
      long context = key(width - 1, t, p - 1);
      for (int i = lowerBound(greens, context << 21);
          i < greens.length && (greens[i] >>> 21) == context;
          i++) {
        int v = (int) (greens[i] & 0x1FFFFF);
        if (!done[v]) {
          done[v] = true;
          row[v] -= (float) BIAS;
        }
      }
    }
  }

  /** The attacker's context width: the scheme's, up to 2 (a partial context beyond that). */
  static int attackerWidth(Config c) {
    WatermarkSpec s = c.spec() instanceof GroupKeyed g ? g.base() : c.spec();
    int h = s instanceof KgwSettings k ? k.contextWidth() : ((GumbelSettings) s).contextWidth();
    return Math.min(2, h);
  }

  /** Recovery, students and scrubs for one configuration; rows appended to the report. */
  void evaluate(
      Config c,
      int[][] marked,
      int[][] clean,
      int[] sizes,
      int scrubMax,
      Map<String, String> recovery,
      StringBuilder scrubs,
      PrintStream err) {
    int nMax = sizes[sizes.length - 1];
    List<int[]> evalMarked = Arrays.asList(Arrays.copyOfRange(marked, nMax, nMax + eval));
    List<int[]> evalClean = Arrays.asList(Arrays.copyOfRange(clean, nMax, nMax + eval));
    StringBuilder rec = new StringBuilder();
    scrubs.append(
        String.format(
            Locale.ROOT,
            "### %s%n%nlog10 p of the student's suspect text (%s), and the student's perplexity on"
                + " %,d held-out clean teacher answers (its change against the student without a"
                + " scrub).%n%n| N | no scrub | (a) rewrite | (b) bias −%.1f at inference | (c) as"
                + " much clean text again | (a) + (b) + (c) |%n|---|---|---|---|---|---|%n",
            c.name(),
            c.groups() > 1
                ? "the best of the " + c.groups() + " group keys, Bonferroni-corrected"
                : "the tier's key",
            eval,
            BIAS));
    for (int n : sizes) {
      err.printf(Locale.ROOT, "  %s, N = %d%n", c.name(), n);
      Estimate[] est = estimates(c, marked, clean, n);
      rec.append(' ').append(recoveryCell(c, est, evalMarked, nMax)).append(" |");
      if (n > scrubMax) {
        continue;
      }
      List<int[]> harvest = Arrays.asList(Arrays.copyOf(marked, n));
      List<int[]> reference = Arrays.asList(Arrays.copyOf(clean, n));
      List<int[]> rewritten = rewrite(harvest, est, n);
      NgramLm plain = new NgramLm(vocab, harvest);
      NgramLm rewrite = new NgramLm(vocab, rewritten);
      NgramLm diluted = new NgramLm(vocab, concat(harvest, reference));
      NgramLm all = new NgramLm(vocab, concat(rewritten, reference));
      double base = plain.perplexity(evalClean, TAIL);
      String[] cells = {
        cell(c, plain, null, harvest, Double.NaN, evalClean),
        cell(c, rewrite, null, harvest, base, evalClean),
        cell(c, plain, est, harvest, base, evalClean),
        cell(c, diluted, null, harvest, base, evalClean),
        cell(c, all, est, harvest, base, evalClean)
      };
      scrubs.append(String.format(Locale.ROOT, "| %,d | %s |%n", n, String.join(" | ", cells)));
    }
    recovery.put(c.name(), rec.toString());
    scrubs.append('\n');
  }

  /**
   * The attacker's estimates: one over the whole harvest, or with group keys one per group (the
   * attacker knows which of its accounts asked what; our groups are its templates).
   */
  private Estimate[] estimates(Config c, int[][] marked, int[][] clean, int n) {
    if (c.groups() <= 1) {
      return new Estimate[] {new Estimate(attackerWidth(c), marked, clean, n, 1, 0)};
    }
    Estimate[] e = new Estimate[c.groups()];
    for (int g = 0; g < e.length; g++) {
      e[g] = new Estimate(attackerWidth(c), marked, clean, n, c.groups(), g);
    }
    return e;
  }

  /** The estimate that applies to answer {@code i}. */
  private static Estimate of(Estimate[] est, int i) {
    return est[i % est.length];
  }

  private String recoveryCell(Config c, Estimate[] est, List<int[]> evalMarked, int nMax) {
    if (!c.kgw()) {
      return " —";
    }
    long right = 0;
    long greens = 0;
    long greensCalled = 0;
    long n = 0;
    for (int j = 0; j < evalMarked.size(); j++) {
      int i = nMax + j;
      int[] t = evalMarked.get(j);
      Radioactivity.Scorer sc = scorer(c, i);
      Estimate e = of(est, i);
      for (int k = TAIL; k < t.length; k++) {
        boolean green = sc.score(t, k) > 0.5;
        boolean called = e.green(t, k);
        right += green == called ? 1 : 0;
        greens += green ? 1 : 0;
        greensCalled += green && called ? 1 : 0;
        n++;
      }
    }
    return String.format(
        Locale.ROOT,
        "%.2f (%.2f)",
        right / (double) n,
        greensCalled / (double) Math.max(1, greens));
  }

  /** The scorer for answer {@code i}'s key: its group's with group keys, else the tier's. */
  private Radioactivity.Scorer scorer(Config c, int i) {
    return scorerFor(c, c.groups() > 1 ? key.forGroup(group(i, c.groups())) : key);
  }

  private static Radioactivity.Scorer scorerFor(Config c, WatermarkKey k) {
    WatermarkSpec s = c.spec() instanceof GroupKeyed g ? g.base() : c.spec();
    return RadioactivityCommand.scorer(s, k);
  }

  /**
   * Scrub (a): every harvest token the attacker estimates green is replaced by a draw from the
   * reference model at that point of the rewritten text that it estimates red (up to 32 draws; else
   * the token stays).
   */
  private List<int[]> rewrite(List<int[]> harvest, Estimate[] est, int n) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] t = harvest.get(i).clone();
      Estimate e = of(est, i);
      SplittableRandom r = new SplittableRandom(500_000L + i);
      for (int k = TAIL; k < t.length; k++) {
        if (!e.green(t, k)) {
          continue;
        }
        for (int tries = 0; tries < 32; tries++) {
          int x = teacher.sample(t[k - 2], t[k - 1], r);
          if (!e.green(t, k, x)) {
            t[k] = x;
            break;
          }
        }
      }
      out.add(t);
    }
    return out;
  }

  private static List<int[]> concat(List<int[]> a, List<int[]> b) {
    List<int[]> l = new ArrayList<>(a);
    l.addAll(b);
    return l;
  }

  /**
   * One table cell: the student writes the suspect text (with the bias against the estimated green
   * tokens if {@code est} is given; with group keys, the estimate of group {@code p mod groups} for
   * the suspect prompt {@code p}, whichever the attacker pleases: all are biased against), and it
   * is tested; its perplexity against {@code base}.
   */
  private String cell(
      Config c,
      NgramLm student,
      Estimate @Nullable [] est,
      List<int[]> harvest,
      double base,
      List<int[]> evalClean) {
    List<int[]> suspect = write(student, est);
    double log10p;
    if (c.groups() <= 1) {
      Radioactivity.Scorer sc = scorerFor(c, key);
      log10p =
          Radioactivity.test(sc, suspect, TAIL, true, Radioactivity.contexts(sc, harvest, TAIL))
              .log10PValue();
    } else {
      double best = 0;
      for (int g = 0; g < c.groups(); g++) {
        Radioactivity.Scorer sc = scorerFor(c, key.forGroup(group(g, c.groups())));
        List<int[]> served = new ArrayList<>();
        for (int i = g; i < harvest.size(); i += c.groups()) {
          served.add(harvest.get(i));
        }
        best =
            Math.min(
                best,
                Radioactivity.test(
                        sc, suspect, TAIL, true, Radioactivity.contexts(sc, served, TAIL))
                    .log10PValue());
      }
      log10p = Math.min(0, best + Math.log10(c.groups()));
    }
    double ppl =
        est == null ? student.perplexity(evalClean, TAIL) : biased(student, est, evalClean);
    return Double.isNaN(base)
        ? String.format(Locale.ROOT, "%.1f (perplexity %.0f)", log10p, ppl)
        : String.format(Locale.ROOT, "%.1f (%+.0f%%)", log10p, 100 * (ppl / base - 1));
  }

  /**
   * Lowers the tokens any estimate calls green at position {@code p} of {@code t} by {@link #BIAS};
   * returns the row's maximum.
   */
  private double bias(float[] row, int[] t, int p, Estimate[] est, boolean[] done) {
    Arrays.fill(done, false);
    for (Estimate e : est) {
      e.bias(row, t, p, done);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, row[v]);
    }
    return max;
  }

  /** The perplexity of texts under the student with the inference-time bias (scrub b). */
  private double biased(NgramLm student, Estimate[] est, List<int[]> texts) {
    float[] row = new float[vocab];
    boolean[] done = new boolean[vocab];
    double nll = 0;
    long n = 0;
    for (int[] t : texts) {
      for (int k = TAIL; k < t.length; k++) {
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
  private List<int[]> write(NgramLm student, Estimate @Nullable [] est) {
    int distinct = prompts.length - suspectPrompts;
    float[] row = new float[vocab];
    boolean[] done = new boolean[vocab];
    List<int[]> out = new ArrayList<>();
    for (int p = 0; p < suspectPrompts; p++) {
      int[] pr = prompts[distinct + p];
      int[] t = new int[TAIL + 100];
      System.arraycopy(pr, pr.length - TAIL, t, 0, TAIL);
      SplittableRandom r = new SplittableRandom(9_000_000L + p);
      for (int k = TAIL; k < t.length; k++) {
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
