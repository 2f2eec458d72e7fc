package dev.moat.research;

import static dev.moat.research.RadioactivitySetup.MIXES;
import static dev.moat.research.RadioactivitySetup.SUSPECT_TOKENS;
import static dev.moat.research.RadioactivitySetup.TAIL;
import static dev.moat.research.RadioactivitySetup.held;
import static dev.moat.research.RadioactivitySetup.onnxSuspect;
import static dev.moat.research.RadioactivitySetup.scorer;
import static dev.moat.research.RadioactivitySetup.tier;

import dev.moat.forensics.Radioactivity;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The radioactivity experiment's steps after the harvest, each a part of the report: students
 * ({@link TrigramStudent}s) trained on mixes of watermarked and clean answers and tested black box
 * and with open weights; a model never trained on the harvest tested with open weights; removal
 * attacks on the inherited watermark; and the control (the clean student under keys never used).
 *
 * <p>Not thread-safe: one run's steps, one after the other.
 */
public final class RadioactivityExperiment {
  private final int vocab;
  private final int[][] prompts;
  private final int n;
  private final int suspectTexts;
  private final WatermarkKey key;
  private final Map<String, WatermarkSpec> schemes;
  private final Map<String, int[][]> harvest;

  /**
   * An experiment on {@code harvest} (answers to prompts {@code 0 .. n}, by harvest name); the
   * students write continuations of {@code suspectTexts} prompts from {@code n} on.
   */
  public RadioactivityExperiment(
      int vocab,
      int[][] prompts,
      int n,
      int suspectTexts,
      WatermarkKey key,
      Map<String, WatermarkSpec> schemes,
      Map<String, int[][]> harvest) {
    this.vocab = vocab;
    this.prompts = prompts;
    this.n = n;
    this.suspectTexts = suspectTexts;
    this.key = key;
    this.schemes = schemes;
    this.harvest = harvest;
  }

  /**
   * The main table: per scheme and watermarked share of the training data, the black-box test of a
   * student's writing (filtered to our output's contexts and not) and the open-weights test of its
   * arg-max; each filtered black-box curve (log10 p against suspect tokens) put into {@code
   * curves}.
   */
  public String students(Map<String, double[]> curves) {
    StringBuilder table = new StringBuilder();
    table.append(
        "| scheme | watermarked share of the training data | black box: suspect tokens to p <"
            + " 1e-6, filtered to our output's contexts | black box: unfiltered | black box: log10"
            + " p at 100,000 tokens (filtered / unfiltered) | open weights: log10 p, the student's"
            + " arg-max at our output's contexts (contexts scored) |\n|---|---|---|---|---|---|\n");
    for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
      Radioactivity.Scorer sc = scorer(e.getValue(), key);
      List<int[]> served = withTails(prompts, 0, held(harvest, tier(e.getKey())));
      Set<Long> filter = Radioactivity.contexts(sc, served, TAIL);
      for (double mix : MIXES) {
        TrigramStudent student =
            train(vocab, prompts, n, held(harvest, "clean"), held(harvest, tier(e.getKey())), mix);
        List<int[]> suspect = student.write(prompts, n, suspectTexts, 100, 7_000L);
        double[] filtered = new double[SUSPECT_TOKENS.length];
        double[] plain = new double[SUSPECT_TOKENS.length];
        for (int k = 0; k < SUSPECT_TOKENS.length; k++) {
          List<int[]> first = firstTokens(suspect, SUSPECT_TOKENS[k]);
          filtered[k] = Radioactivity.test(sc, first, TAIL, true, filter).log10PValue();
          plain[k] = Radioactivity.test(sc, first, TAIL, true, null).log10PValue();
        }
        curves.put(e.getKey() + ", " + pct(mix) + " (filtered)", filtered);
        Radioactivity.Result open = Radioactivity.openWeights(sc, student::argmaxes, served, TAIL);
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
    return table.toString();
  }

  /**
   * The open-weights rows for a model never trained on the harvest (the bundled model itself, run
   * as {@code model}), reading 150 of each scheme's watermarked answers.
   */
  public String untrained(OnnxCausalLm model) {
    StringBuilder onnx = new StringBuilder();
    for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
      Radioactivity.Scorer sc = scorer(e.getValue(), key);
      List<int[]> served = withTails(prompts, 0, held(harvest, tier(e.getKey())));
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
    return onnx.toString();
  }

  /**
   * The removal-attacks part: substitution before training and dilution at inference, against no
   * attack.
   */
  public String removalAttacks() {
    StringBuilder md = new StringBuilder();
    md.append(
        "\n**Removal attacks** (black box, filtered, de-duplicated; suspect tokens to p < 1e-6, and"
            + " log10 p at 100,000):\n\n- *substitution before training*: 25% of the harvest's"
            + " tokens replaced by random ones before the student learns from it (a crude,"
            + " meaning-destroying stand-in for paraphrasing: a real paraphrase keeps the text"
            + " fluent and rewrites more of it);\n- *dilution at inference*: the student samples"
            + " half of its tokens from a student trained only on clean answers (an ensemble"
            + " with a clean model).\n\n| scheme | watermarked share | no attack | substitution"
            + " 25% | dilution 50% |\n|---|---|---|---|---|\n");
    TrigramStudent cleanStudent =
        train(vocab, prompts, n, held(harvest, "clean"), held(harvest, "clean"), 0);
    for (Map.Entry<String, WatermarkSpec> e : schemes.entrySet()) {
      if (e.getKey().contains("self-hash")) {
        continue;
      }
      Radioactivity.Scorer sc = scorer(e.getValue(), key);
      List<int[]> served = withTails(prompts, 0, held(harvest, tier(e.getKey())));
      Set<Long> filter = Radioactivity.contexts(sc, served, TAIL);
      for (double mix : new double[] {0.2, 1}) {
        int[][] marked = held(harvest, tier(e.getKey()));
        TrigramStudent plainStudent = train(vocab, prompts, n, held(harvest, "clean"), marked, mix);
        TrigramStudent substituted =
            train(vocab, prompts, n, held(harvest, "clean"), substitute(marked, 0.25, vocab), mix);
        String[] cells = new String[3];
        TrigramStudent[] who = {plainStudent, substituted, plainStudent};
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
          cells[c] = needed(curve) + String.format(Locale.ROOT, " (%.1f)", curve[curve.length - 1]);
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
    return md.toString();
  }

  /** The control part: the clean student under 100 keys never used, per scheme. */
  public String control() {
    StringBuilder md = new StringBuilder();
    TrigramStudent clean =
        train(vocab, prompts, n, held(harvest, "clean"), held(harvest, "clean"), 0);
    List<int[]> cleanText = firstTokens(clean.write(prompts, n, suspectTexts, 100, 7_000L), 10_000);
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
    return md.toString();
  }

  private static String pct(double mix) {
    return mix == 0
        ? "0%"
        : (mix * 100 == Math.rint(mix * 100) ? (int) (mix * 100) + "%" : mix * 100 + "%");
  }

  private static String needed(double[] log10p) {
    for (int k = 0; k < log10p.length; k++) {
      if (log10p[k] <= -6) {
        return String.format(Locale.ROOT, "%,d", SUSPECT_TOKENS[k]);
      }
    }
    return "not reached by "
        + String.format(Locale.ROOT, "%,d", SUSPECT_TOKENS[SUSPECT_TOKENS.length - 1]);
  }

  /**
   * Each output with the last {@link RadioactivityCommand#TAIL} tokens of its prompt in front (the
   * context).
   */
  private static List<int[]> withTails(int[][] prompts, int offset, int[][] outputs) {
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
  private static List<int[]> firstTokens(List<int[]> texts, int tokens) {
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
  private static int[][] substitute(int[][] outputs, double share, int vocab) {
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

  private static TrigramStudent train(
      int vocab, int[][] prompts, int n, int[][] clean, int[][] marked, double mix) {
    TrigramStudent s = new TrigramStudent(vocab);
    // A fixed, spread-out subset of prompts take the watermarked answer.
    int marks = (int) Math.round(mix * n);
    for (int p = 0; p < n; p++) {
      boolean wm = marks > 0 && (long) p * marks / n != (long) (p + 1) * marks / n;
      s.train(prompts[p], wm ? marked[p] : clean[p]);
    }
    return s;
  }
}
