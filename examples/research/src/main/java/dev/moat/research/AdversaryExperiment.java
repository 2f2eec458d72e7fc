package dev.moat.research;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.forensics.Radioactivity;
import dev.moat.key.WatermarkKey;
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
import java.util.ArrayList;
import java.util.Arrays;
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
public final class AdversaryExperiment {
  static final int TAIL = RadioactivitySetup.TAIL;
  static final int GROUPS = 8;
  static final double BIAS = 2.5;

  /** The attacker's threshold: a pair is called green at this many standard errors. */
  static final double Z = 2;

  /**
   * One configuration of the defence ({@code id} as {@code --schemes} names it, {@code name} as the
   * tables do): the tier's watermark and how many group keys it uses (1: one key for all).
   */
  public record Config(String id, String name, WatermarkSpec spec, int groups) {
    boolean kgw() {
      WatermarkSpec s = spec instanceof GroupKeyed g ? g.base() : spec;
      return s instanceof KgwSettings;
    }
  }

  /** The configurations the experiment compares, in the report's order. */
  public static List<Config> configs() {
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
  private final StudentWriter writer;

  /**
   * {@code teacher} answers {@code prompts} under {@code key}, up to {@code len} tokens; the last
   * {@code suspectPrompts} are the students' prompts; {@code eval} answers are kept for evaluation.
   */
  public AdversaryExperiment(
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
    this.writer = new StudentWriter(vocab, prompts, suspectPrompts);
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
  public int[][] harvest(@Nullable Config c, int n, int threads) throws Exception {
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

  /** The attacker's context width: the scheme's, up to 2 (a partial context beyond that). */
  static int attackerWidth(Config c) {
    WatermarkSpec s = c.spec() instanceof GroupKeyed g ? g.base() : c.spec();
    int h = s instanceof KgwSettings k ? k.contextWidth() : ((GumbelSettings) s).contextWidth();
    return Math.min(2, h);
  }

  /** Recovery, students and scrubs for one configuration; rows appended to the report. */
  public void evaluate(
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
      GreenEstimate[] est = estimates(c, marked, clean, n);
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
  private GreenEstimate[] estimates(Config c, int[][] marked, int[][] clean, int n) {
    if (c.groups() <= 1) {
      return new GreenEstimate[] {new GreenEstimate(attackerWidth(c), marked, clean, n, 1, 0)};
    }
    GreenEstimate[] e = new GreenEstimate[c.groups()];
    for (int g = 0; g < e.length; g++) {
      e[g] = new GreenEstimate(attackerWidth(c), marked, clean, n, c.groups(), g);
    }
    return e;
  }

  /** The estimate that applies to answer {@code i}. */
  private static GreenEstimate of(GreenEstimate[] est, int i) {
    return est[i % est.length];
  }

  private String recoveryCell(Config c, GreenEstimate[] est, List<int[]> evalMarked, int nMax) {
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
      GreenEstimate e = of(est, i);
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
    return RadioactivitySetup.scorer(s, k);
  }

  /**
   * Scrub (a): every harvest token the attacker estimates green is replaced by a draw from the
   * reference model at that point of the rewritten text that it estimates red (up to 32 draws; else
   * the token stays).
   */
  private List<int[]> rewrite(List<int[]> harvest, GreenEstimate[] est, int n) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] t = harvest.get(i).clone();
      GreenEstimate e = of(est, i);
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
      GreenEstimate @Nullable [] est,
      List<int[]> harvest,
      double base,
      List<int[]> evalClean) {
    List<int[]> suspect = writer.write(student, est);
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
        est == null ? student.perplexity(evalClean, TAIL) : writer.biased(student, est, evalClean);
    return Double.isNaN(base)
        ? String.format(Locale.ROOT, "%.1f (perplexity %.0f)", log10p, ppl)
        : String.format(Locale.ROOT, "%.1f (%+.0f%%)", log10p, 100 * (ppl / base - 1));
  }
}
