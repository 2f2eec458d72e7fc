package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.SamplingParams;
import dev.moat.forensics.Radioactivity;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * {@code ./moat radioactivity}: the distillation-forensics experiment end to end, and the test a
 * model owner brings to a dispute.
 *
 * <ol>
 *   <li>Teacher: the bundled model behind Moat, answering the simulator's campaign prompts once
 *       clean and once under each watermark scheme (the harvest a distiller collects, with the key
 *       id used).
 *   <li>Students: interpolated trigram models trained on mixes with 0%, 1%, 5%, 20% and 100%
 *       watermarked harvest (the rest clean answers to the same prompts).
 *   <li>Black-box test: each student writes continuations of prompts we choose; {@link
 *       Radioactivity#test} scores them (each tuple once; with and without the filter to tuples of
 *       our served output) against the number of suspect tokens.
 *   <li>Control: the clean student tested under 100 keys never used: its p-values must be uniform.
 * </ol>
 *
 * With {@code --suspect FILE} instead: test a file of suspect texts (one per line) against a key.
 */
final class RadioactivityCommand {
  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("prompts", true);
    OPTIONS.put("tokens", true);
    OPTIONS.put("suspect-texts", true);
    OPTIONS.put("threads", true);
    OPTIONS.put("out", true);
    OPTIONS.put("suspect", true);
    OPTIONS.put("keys", true);
    OPTIONS.put("key-id", true);
    OPTIONS.put("scheme", true);
    OPTIONS.put("alpha", true);
    OPTIONS.put("suspect-key", true);
    OPTIONS.put("suspect-model", true);
    OPTIONS.put("suspect-onnx", true);
    OPTIONS.put("served", true);
  }

  static final double[] MIXES = {0, 0.01, 0.05, 0.2, 1};
  static final int[] SUSPECT_TOKENS = {100, 300, 1_000, 3_000, 10_000, 30_000, 100_000};
  static final int TAIL = 4; // prompt tokens kept as context of each suspect text (max h)

  private RadioactivityCommand() {}

  /** The schemes of the experiment: KGW h=1, KGW self-hash h=4, Gumbel h=1. */
  static Map<String, WatermarkSpec> schemes() {
    Map<String, WatermarkSpec> m = new LinkedHashMap<>();
    m.put("kgw (h=1)", KgwSettings.builder().keyId("quality").gamma(0.25).delta(2.0).build());
    m.put(
        "kgw self-hash (h=4)",
        KgwSettings.builder()
            .keyId("quality")
            .gamma(0.25)
            .delta(2.0)
            .contextWidth(4)
            .selfHash(true)
            .build());
    m.put("gumbel (h=1)", new GumbelSettings("quality", 1));
    return m;
  }

  static Radioactivity.Scorer scorer(WatermarkSpec spec, WatermarkKey key) {
    if (spec instanceof KgwSettings k) {
      return Radioactivity.kgw(KgwScheme.of(key, k));
    }
    if (spec instanceof GumbelSettings g) {
      return Radioactivity.gumbel(new GumbelScheme(key, g.contextWidth()));
    }
    throw new IllegalArgumentException("no radioactivity scorer for " + spec);
  }

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    if (a.has("suspect") || a.has("suspect-onnx")) {
      return suspect(a, out, err);
    }
    int n = a.getInt("prompts", 600, 20, 20_000);
    int len = a.getInt("tokens", 128, 20, 200);
    int suspectTexts = a.getInt("suspect-texts", 1000, 10, 10_000);
    int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 64);
    Path outDir = Path.of(a.get("out", "examples/forensics"));
    Files.createDirectories(outDir);
    long t0 = System.nanoTime();
    Map<String, WatermarkSpec> schemes = schemes();
    WatermarkKey key = QualityCommand.KEY;
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1)) {
      int vocab = model.config().vocabSize();
      int eos = model.config().eosTokenId();
      int bos = model.config().bosTokenId();
      List<TierPolicy> tiers = new ArrayList<>();
      schemes.forEach((name, spec) -> tiers.add(TierPolicy.of(tier(name), spec, Set.of())));
      tiers.add(TierPolicy.unprotected("clean"));
      // Harvest prompts (0..n) and the prompts we choose for the black-box test (n..).
      int[][] prompts = new int[n + suspectTexts][];
      try (BundledText text = BundledText.bundled()) {
        for (int p = 0; p < prompts.length; p++) {
          prompts[p] =
              DemoCommand.withBos(
                  text.encode(dev.moat.examples.sim.Prompts.campaignPrompt(p)), bos);
        }
      }
      List<String> harvests = new ArrayList<>(List.of("clean"));
      schemes.keySet().forEach(s -> harvests.add(tier(s)));
      Map<String, int[][]> harvest = new HashMap<>();
      try (Moat moat =
          Moat.builder()
              .policy(Policy.of("radioactivity", tiers.toArray(new TierPolicy[0])))
              .keys(WatermarkKeys.of(key))
              .audit(x -> {})
              .build()) {
        OnnxGenerator gen = new OnnxGenerator(model);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          for (String h : harvests) {
            int[][] outs = new int[n][];
            List<Future<?>> jobs = new ArrayList<>();
            for (int p = 0; p < n; p++) {
              int pi = p;
              jobs.add(
                  pool.submit(
                      () -> {
                        RequestContext ctx =
                            RequestContext.builder()
                                .setAccount("harvest")
                                .setTier(h)
                                .setVocabSize(vocab)
                                .optPrompt("", prompts[pi])
                                .optSpecialTokens(eos)
                                .optSampling(
                                    SamplingParams.builder()
                                        .temperature(1f)
                                        .seed(90_000L + pi)
                                        .maxTokens(len)
                                        .build())
                                .build();
                        outs[pi] =
                            gen.generate(prompts[pi], moat.begin(ctx), TokenSink.NONE).tokens();
                        return null;
                      }));
            }
            for (Future<?> f : jobs) {
              f.get();
            }
            harvest.put(h, outs);
          }
        } finally {
          pool.shutdownNow();
        }
      }
      long harvestSeconds = (System.nanoTime() - t0) / 1_000_000_000L;

      StringBuilder md = new StringBuilder();
      md.append(
          String.format(
              Locale.ROOT,
              "Harvest: %d campaign prompts answered by the bundled model (temperature 1, up to %d"
                  + " tokens), clean and under each scheme (%d s). Students: interpolated trigrams"
                  + " (0.5 trigram, 0.3 bigram, 0.2 add-one unigram) trained on the mixes. Suspect"
                  + " text: each student's continuations of %d other campaign prompts (temperature 1,"
                  + " %d tokens each). Scores: each (context, token) tuple once.%n%n",
              n,
              len,
              harvestSeconds,
              suspectTexts,
              100));
      Map<String, double[]> curves = new LinkedHashMap<>();
      StringBuilder table = new StringBuilder();
      table.append(
          "| scheme | watermarked share of the training data | black box: suspect tokens to p <"
              + " 1e-6, filtered to our output's contexts | black box: unfiltered | black box: log10"
              + " p at 100,000 tokens (filtered / unfiltered) | open weights: log10 p, the student's"
              + " arg-max at our output's contexts (contexts scored) |\n|---|---|---|---|---|---|\n");
      for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
        Radioactivity.Scorer sc = scorer(e.getValue(), key);
        List<int[]> served = withTails(prompts, 0, harvest.get(tier(e.getKey())));
        Set<Long> filter = Radioactivity.contexts(sc, served, TAIL);
        for (double mix : MIXES) {
          Student student =
              train(vocab, prompts, n, harvest.get("clean"), harvest.get(tier(e.getKey())), mix);
          List<int[]> suspect = student.write(prompts, n, suspectTexts, 100, 7_000L);
          double[] filtered = new double[SUSPECT_TOKENS.length];
          double[] plain = new double[SUSPECT_TOKENS.length];
          for (int k = 0; k < SUSPECT_TOKENS.length; k++) {
            List<int[]> first = firstTokens(suspect, SUSPECT_TOKENS[k]);
            filtered[k] = Radioactivity.test(sc, first, TAIL, true, filter).log10PValue();
            plain[k] = Radioactivity.test(sc, first, TAIL, true, null).log10PValue();
          }
          curves.put(e.getKey() + ", " + pct(mix) + " (filtered)", filtered);
          Radioactivity.Result open =
              Radioactivity.openWeights(sc, student::argmaxes, served, TAIL);
          table.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | %s | %s | %.1f / %.1f | %.1f (%,d) |%n",
                  e.getKey(),
                  pct(mix),
                  needed(filtered),
                  needed(plain),
                  filtered[filtered.length - 1],
                  plain[plain.length - 1],
                  open.log10PValue(),
                  open.scored()));
        }
      }
      // Open weights, a model never trained on the harvest: the bundled model itself (ONNX).
      StringBuilder onnx = new StringBuilder();
      for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
        Radioactivity.Scorer sc = scorer(e.getValue(), key);
        List<int[]> served = withTails(prompts, 0, harvest.get(tier(e.getKey())));
        Radioactivity.Result r =
            Radioactivity.openWeights(
                sc, onnxSuspect(model), served.subList(0, Math.min(150, served.size())), TAIL);
        onnx.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f | %.3f | %,d |%n",
                e.getKey(),
                r.log10PValue(),
                r.pValue(),
                r.scored()));
      }
      md.append(table);
      md.append(
          "\n**Open weights, a model never trained on the harvest** (the bundled model itself, run by"
              + " ONNX Runtime, reading 150 of our watermarked answers): its arg-max predictions must"
              + " not look watermarked.\n\n| scheme | log10 p | p | contexts scored |\n|---|---|---|---|\n");
      md.append(onnx);

      // Removal attacks on the inherited watermark.
      md.append(
          "\n**Removal attacks** (black box, filtered, de-duplicated; suspect tokens to p < 1e-6, and"
              + " log10 p at 100,000):\n\n- *substitution before training*: 25% of the harvest's"
              + " tokens replaced by random ones before the student learns from it (a crude,"
              + " meaning-destroying stand-in for paraphrasing: a real paraphrase keeps the text"
              + " fluent and rewrites more of it);\n- *dilution at inference*: the student samples"
              + " half of its tokens from a student trained only on clean answers (an ensemble"
              + " with a clean model).\n\n| scheme | watermarked share | no attack | substitution"
              + " 25% | dilution 50% |\n|---|---|---|---|---|\n");
      Student cleanStudent =
          train(vocab, prompts, n, harvest.get("clean"), harvest.get("clean"), 0);
      for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
        if (e.getKey().contains("self-hash")) {
          continue;
        }
        Radioactivity.Scorer sc = scorer(e.getValue(), key);
        List<int[]> served = withTails(prompts, 0, harvest.get(tier(e.getKey())));
        Set<Long> filter = Radioactivity.contexts(sc, served, TAIL);
        for (double mix : new double[] {0.2, 1}) {
          int[][] marked = harvest.get(tier(e.getKey()));
          Student plainStudent = train(vocab, prompts, n, harvest.get("clean"), marked, mix);
          Student substituted =
              train(vocab, prompts, n, harvest.get("clean"), substitute(marked, 0.25, vocab), mix);
          String[] cells = new String[3];
          Student[] who = {plainStudent, substituted, plainStudent};
          for (int c = 0; c < 3; c++) {
            List<int[]> text =
                c == 2
                    ? who[c].writeMixed(cleanStudent, prompts, n, suspectTexts, 100, 7_000L)
                    : who[c].write(prompts, n, suspectTexts, 100, 7_000L);
            double[] curve = new double[SUSPECT_TOKENS.length];
            for (int k = 0; k < SUSPECT_TOKENS.length; k++) {
              curve[k] =
                  Radioactivity.test(sc, firstTokens(text, SUSPECT_TOKENS[k]), TAIL, true, filter)
                      .log10PValue();
            }
            cells[c] =
                needed(curve) + String.format(Locale.ROOT, " (%.1f)", curve[curve.length - 1]);
          }
          md.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | %s | %s | %s |%n",
                  e.getKey(),
                  pct(mix),
                  cells[0],
                  cells[1],
                  cells[2]));
        }
      }

      // Control: the clean student under 100 keys never used.
      Student clean = train(vocab, prompts, n, harvest.get("clean"), harvest.get("clean"), 0);
      List<int[]> cleanText =
          firstTokens(clean.write(prompts, n, suspectTexts, 100, 7_000L), 10_000);
      md.append(
          "\n**Control.** The clean student (0% watermarked), 10,000 suspect tokens, tested under 100 random keys per scheme: the p-values must be uniform on (0, 1).\n\n");
      md.append(
          "| scheme | de-duplicated | p < 0.01 | p < 0.05 | p-values in tenths [0, 0.1), [0.1, 0.2), … | KS distance to uniform |\n|---|---|---|---|---|---|\n");
      for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
        for (boolean dedup : new boolean[] {true, false}) {
          double[] ps = new double[100];
          for (int k = 0; k < 100; k++) {
            byte[] m = new byte[16];
            new SplittableRandom(1_000 + k).nextBytes(m);
            WatermarkKey random = WatermarkKey.of("quality", m);
            ps[k] =
                Radioactivity.test(scorer(e.getValue(), random), cleanText, TAIL, dedup, null)
                    .pValue();
          }
          Arrays.sort(ps);
          int[] bins = new int[10];
          int below1 = 0;
          int below5 = 0;
          double ks = 0;
          for (int k = 0; k < 100; k++) {
            bins[Math.min(9, (int) (ps[k] * 10))]++;
            below1 += ps[k] < 0.01 ? 1 : 0;
            below5 += ps[k] < 0.05 ? 1 : 0;
            ks =
                Math.max(
                    ks, Math.max(Math.abs((k + 1) / 100.0 - ps[k]), Math.abs(k / 100.0 - ps[k])));
          }
          md.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | %d | %d | %s | %.3f |%n",
                  e.getKey(),
                  dedup ? "yes" : "no",
                  below1,
                  below5,
                  Arrays.toString(bins),
                  ks));
        }
      }
      md.append(
          "\n(With 100 keys, a KS distance above 0.136 rejects uniformity at 5%; 1 p-value below 0.01"
              + " is expected, and up to 4 happen by chance 2% of the time.)\n");

      XYChart chart =
          new XYChartBuilder()
              .width(900)
              .height(560)
              .title(
                  "Radioactivity: log10 p-value against suspect tokens (filtered, de-duplicated)")
              .xAxisTitle("suspect tokens")
              .yAxisTitle("log10 p-value")
              .build();
      chart.getStyler().setXAxisLogarithmic(true);
      double[] x = Arrays.stream(SUSPECT_TOKENS).asDoubleStream().toArray();
      curves.forEach(
          (name, y) ->
              chart.addSeries(name, x, Arrays.stream(y).map(v -> Math.max(v, -60)).toArray()));
      BitmapEncoder.saveBitmap(
          chart, outDir.resolve("radioactivity").toString(), BitmapEncoder.BitmapFormat.PNG);
      md.append("\n![log10 p against suspect tokens](radioactivity.png)\n");
      String report =
          String.format(
              Locale.ROOT, "%s%n(%d s in all)%n", md, (System.nanoTime() - t0) / 1_000_000_000L);
      out.print(report);
      Files.writeString(outDir.resolve("RESULTS.md"), report);
    }
    return 0;
  }

  /** The bundled model as an open-weights suspect: its arg-max at every position of a text. */
  static Radioactivity.Suspect onnxSuspect(OnnxCausalLm model) {
    return text -> {
      int[] out = new int[text.length];
      try (OnnxCausalLm.Decoder d = model.newDecoder()) {
        float[] logits = d.prefill(new int[] {text[0]});
        for (int i = 1; i < text.length; i++) {
          out[i] = argmax(logits);
          if (i + 1 < text.length) {
            logits = d.next(text[i]);
          }
        }
      } catch (ai.onnxruntime.OrtException e) {
        throw new IllegalStateException(e);
      }
      return out;
    };
  }

  static int argmax(float[] l) {
    int best = 0;
    for (int i = 1; i < l.length; i++) {
      if (l[i] > l[best]) {
        best = i;
      }
    }
    return best;
  }

  static String tier(String scheme) {
    return scheme.replaceAll("[^a-z0-9]+", "-").replaceAll("-+$", "");
  }

  static String pct(double mix) {
    return mix == 0
        ? "0%"
        : (mix * 100 == Math.rint(mix * 100) ? (int) (mix * 100) + "%" : mix * 100 + "%");
  }

  static String needed(double[] log10p) {
    for (int k = 0; k < log10p.length; k++) {
      if (log10p[k] <= -6) {
        return String.format(Locale.ROOT, "%,d", SUSPECT_TOKENS[k]);
      }
    }
    return "not reached by "
        + String.format(Locale.ROOT, "%,d", SUSPECT_TOKENS[SUSPECT_TOKENS.length - 1]);
  }

  /** Each output with the last {@link #TAIL} tokens of its prompt in front (the context). */
  static List<int[]> withTails(int[][] prompts, int offset, int[][] outputs) {
    List<int[]> l = new ArrayList<>();
    for (int p = 0; p < outputs.length; p++) {
      int[] pr = prompts[offset + p];
      int[] t = new int[TAIL + outputs[p].length];
      System.arraycopy(pr, pr.length - TAIL, t, 0, TAIL);
      System.arraycopy(outputs[p], 0, t, TAIL, outputs[p].length);
      l.add(t);
    }
    return l;
  }

  /** The first {@code tokens} generated tokens of the texts (whole texts, the last one cut). */
  static List<int[]> firstTokens(List<int[]> texts, int tokens) {
    List<int[]> l = new ArrayList<>();
    int left = tokens;
    for (int[] t : texts) {
      if (left <= 0) {
        break;
      }
      int take = Math.min(t.length - TAIL, left);
      l.add(Arrays.copyOf(t, TAIL + take));
      left -= take;
    }
    return l;
  }

  /** The outputs with a share of their tokens replaced by uniformly random ones (seeded). */
  static int[][] substitute(int[][] outputs, double share, int vocab) {
    int[][] r = new int[outputs.length][];
    for (int p = 0; p < outputs.length; p++) {
      SplittableRandom rnd = new SplittableRandom(31L * p + 5);
      r[p] = outputs[p].clone();
      for (int i = 0; i < r[p].length; i++) {
        if (rnd.nextDouble() < share) {
          r[p][i] = rnd.nextInt(vocab);
        }
      }
    }
    return r;
  }

  static Student train(
      int vocab, int[][] prompts, int n, int[][] clean, int[][] marked, double mix) {
    Student s = new Student(vocab);
    // A fixed, spread-out subset of prompts take the watermarked answer.
    int marks = (int) Math.round(mix * n);
    for (int p = 0; p < n; p++) {
      boolean wm = marks > 0 && (long) p * marks / n != (long) (p + 1) * marks / n;
      s.train(prompts[p], wm ? marked[p] : clean[p]);
    }
    return s;
  }

  /**
   * An interpolated trigram student that can write: each of its three components is a list of the
   * successors seen after a context (with repeats), so sampling picks a component by its weight
   * (among those whose context was seen) and then a successor uniformly: O(1) per token.
   */
  static final class Student {
    private final int vocab;
    private final Map<Long, IntList> tri = new HashMap<>();
    private final Map<Integer, IntList> bi = new HashMap<>();
    private final IntList uni = new IntList();
    private final int[] uniCount;

    Student(int vocab) {
      this.vocab = vocab;
      this.uniCount = new int[vocab];
    }

    void train(int[] prompt, int[] output) {
      int prev2 = prompt[prompt.length - 2];
      int prev = prompt[prompt.length - 1];
      for (int t : output) {
        tri.computeIfAbsent(((long) prev2 << 32) | prev, k -> new IntList()).add(t);
        bi.computeIfAbsent(prev, k -> new IntList()).add(t);
        uni.add(t);
        uniCount[t]++;
        prev2 = prev;
        prev = t;
      }
    }

    int sample(int prev2, int prev, SplittableRandom r) {
      IntList t = tri.get(((long) prev2 << 32) | prev);
      IntList b = bi.get(prev);
      double wt = t == null ? 0 : 0.5;
      double wb = b == null ? 0 : 0.3;
      double u = r.nextDouble() * (wt + wb + 0.2);
      if (u < wt) {
        return t.get(r.nextInt(t.size()));
      }
      if (u < wt + wb) {
        return b.get(r.nextInt(b.size()));
      }
      // Add-one unigram: a seen token by its count, or any token.
      int k = r.nextInt(uni.size() + vocab);
      return k < uni.size() ? uni.get(k) : k - uni.size();
    }

    /** As {@link #write}, each token from {@code other} (if given) instead with probability 1/2. */
    List<int[]> writeMixed(
        @org.jspecify.annotations.Nullable Student other,
        int[][] prompts,
        int offset,
        int count,
        int len,
        long seed) {
      List<int[]> l = new ArrayList<>();
      for (int p = 0; p < count; p++) {
        SplittableRandom r = new SplittableRandom(seed + p);
        int[] pr = prompts[offset + p];
        int[] t = new int[TAIL + len];
        System.arraycopy(pr, pr.length - TAIL, t, 0, TAIL);
        for (int i = TAIL; i < t.length; i++) {
          Student s = other == null || r.nextBoolean() ? this : other;
          t[i] = s.sample(t[i - 2], t[i - 1], r);
        }
        l.add(t);
      }
      return l;
    }

    /** The arg-max of the interpolated distribution after every prefix of a text (i >= 2). */
    int[] argmaxes(int[] text) {
      int[] out = new int[text.length];
      double[] p = new double[vocab];
      for (int i = 2; i < text.length; i++) {
        IntList t = tri.get(((long) text[i - 2] << 32) | text[i - 1]);
        IntList b = bi.get(text[i - 1]);
        double wt = t == null ? 0 : 0.5;
        double wb = b == null ? 0 : 0.3;
        double z = wt + wb + 0.2;
        double uw = 0.2 / z / (uni.size() + vocab);
        for (int v = 0; v < vocab; v++) {
          p[v] = uw * (uniCount[v] + 1);
        }
        if (t != null) {
          for (int k = 0; k < t.size(); k++) {
            p[t.get(k)] += wt / z / t.size();
          }
        }
        if (b != null) {
          for (int k = 0; k < b.size(); k++) {
            p[b.get(k)] += wb / z / b.size();
          }
        }
        int best = 0;
        for (int v = 1; v < vocab; v++) {
          if (p[v] > p[best]) {
            best = v;
          }
        }
        out[i] = best;
      }
      return out;
    }

    /** Continuations of prompts {@code offset ..}, each with its prompt's last tokens in front. */
    List<int[]> write(int[][] prompts, int offset, int count, int len, long seed) {
      return writeMixed(null, prompts, offset, count, len, seed);
    }
  }

  /** A growable int list. */
  static final class IntList {
    private int[] a = new int[4];
    private int n;

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    int get(int i) {
      return a[i];
    }

    int size() {
      return n;
    }
  }

  /**
   * The test a model owner runs on a suspect, against {@code --key-id} under {@code --scheme}:
   *
   * <ul>
   *   <li>{@code --suspect FILE}: the suspect's texts, one per line (black box);
   *   <li>{@code --suspect URL}: an OpenAI-compatible endpoint ({@code --suspect-key}, {@code
   *       --suspect-model}); it continues {@code --prompts} of the campaign prompts we choose, and
   *       its answers are tested (black box);
   *   <li>{@code --suspect-onnx DIR} with {@code --served FILE}: a model we can run (the bundled
   *       model's format: {@code model.onnx} and {@code config.json}) reads the texts we served,
   *       one per line, and its own arg-max predictions are tested (open weights).
   * </ul>
   */
  static int suspect(Args a, PrintStream out, PrintStream err) throws Exception {
    WatermarkKeys keys = Keys.load(a.has("keys") ? a.get("keys", "") : null, err);
    String id = a.get("key-id", "demo-2026");
    WatermarkKey key =
        keys.get(id)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "`--key-id` was '" + id + "' but the keys hold " + keys.ids()));
    String scheme = a.get("scheme", "kgw");
    WatermarkSpec spec =
        switch (scheme) {
          case "kgw" -> KgwSettings.builder().keyId(id).gamma(0.25).delta(2.0).build();
          case "gumbel" -> new GumbelSettings(id, 1);
          default ->
              throw new IllegalArgumentException(
                  "`--scheme` was '" + scheme + "' but it must be kgw or gumbel");
        };
    double alpha = a.getDouble("alpha", 1e-6, 1e-300, 0.5);
    Radioactivity.Scorer scorer = scorer(spec, key);
    Radioactivity.Result r;
    String mode;
    String target = a.get("suspect", "");
    try (BundledText text = BundledText.bundled()) {
      if (a.has("suspect-onnx")) {
        mode = "open-weights";
        Path dir = Path.of(a.get("suspect-onnx", ""));
        if (!a.has("served")) {
          throw new IllegalArgumentException(
              "`--suspect-onnx` needs `--served FILE`: the texts we served, one per line");
        }
        List<int[]> served = lines(text, Path.of(a.get("served", "")));
        try (OnnxCausalLm suspect =
            OnnxCausalLm.load(
                Files.readAllBytes(dir.resolve("model.onnx")),
                dev.moat.onnxruntime.ModelConfig.parse(
                    Files.readAllBytes(dir.resolve("config.json"))),
                1)) {
          r = Radioactivity.openWeights(scorer, onnxSuspect(suspect), served, 0);
        }
      } else if (target.startsWith("http://") || target.startsWith("https://")) {
        mode = "black-box endpoint";
        int count = a.getInt("prompts", 200, 1, 100_000);
        List<int[]> answers = new ArrayList<>();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int p = 0; p < count; p++) {
          com.fasterxml.jackson.databind.node.ObjectNode body =
              new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
          body.put("model", a.get("suspect-model", "moat-tiny"));
          body.put("prompt", dev.moat.examples.sim.Prompts.campaignPrompt(500_000 + p));
          body.put("max_tokens", a.getInt("tokens", 100, 1, 4096));
          body.put("seed", p); // reproducible where the suspect honours seeds
          java.net.http.HttpResponse<String> resp =
              http.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(target.replaceAll("/+$", "") + "/completions"))
                      .header("Authorization", "Bearer " + a.get("suspect-key", ""))
                      .header("Content-Type", "application/json")
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
          if (resp.statusCode() != 200) {
            throw new IllegalStateException(
                "the suspect endpoint answered " + resp.statusCode() + ": " + resp.body());
          }
          String t =
              new com.fasterxml.jackson.databind.ObjectMapper()
                  .readTree(resp.body())
                  .path("choices")
                  .path(0)
                  .path("text")
                  .asText();
          answers.add(text.encode(t));
        }
        r = Radioactivity.test(scorer, answers, 0, true, null);
      } else {
        mode = "black-box file";
        r = Radioactivity.test(scorer, lines(text, Path.of(target)), 0, true, null);
      }
    }
    out.printf(
        Locale.ROOT,
        "{\"mode\": \"%s\", \"scheme\": \"%s\", \"key_id\": \"%s\", \"tokens\": %d,"
            + " \"tuples_scored\": %d, \"score\": %.1f, \"p_value\": %.3e, \"log10_p_value\": %.2f,"
            + " \"alpha\": %.1e, \"trained_on_our_output\": %s}%n",
        mode,
        scheme,
        id,
        r.tokens(),
        r.scored(),
        r.score(),
        r.pValue(),
        r.log10PValue(),
        alpha,
        r.detected(alpha));
    return 0;
  }

  private static List<int[]> lines(BundledText text, Path file) throws java.io.IOException {
    List<int[]> texts = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        texts.add(text.encode(line.replace("\\n", "\n")));
      }
    }
    return texts;
  }
}
