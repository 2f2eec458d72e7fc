package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.examples.EvidenceCommand.Ablation;
import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.EvidenceCommand.NullRun;
import dev.moat.examples.EvidenceCommand.Test;
import dev.moat.examples.EvidenceCommand.Texts;
import dev.moat.forensics.KolmogorovSmirnov;
import dev.moat.forensics.Radioactivity;
import dev.moat.forensics.WrongKeyControl;
import dev.moat.internal.MoatVersion;
import dev.moat.key.KeyCommitment;
import dev.moat.model.BundledModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The directory {@code ./moat evidence} writes: {@code report.md} (for people), {@code
 * evidence.json} (every figure, for {@code examples/verify/moat_evidence_v1.py}), the texts with
 * their token ids ({@code samples.jsonl}, {@code control.jsonl}, {@code served.jsonl}), every wrong
 * key's score ({@code wrong-keys.csv}), the tokenizer, and two plots of the wrong keys' p-values
 * (Java2D, through XChart, as {@code radioactivity.png} is made). Nothing written holds the key:
 * only its commitment.
 *
 * <p>Not thread-safe; one report is written by one thread.
 */
final class EvidenceReport {
  /** The version of this directory's layout, in {@code evidence.json}. */
  static final String FORMAT = "moat-evidence-v1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper LINE = new ObjectMapper();

  private final String[] argv;
  private final List<Claim> claims;
  private final Texts suspect;
  private final @Nullable Texts control;
  private final @Nullable Texts served;
  private final List<Test> tests;
  private final Ablation ablation;
  private final int keysScanned;
  private final int wrongKeys;
  private final long seed;
  private final double alpha;
  private final boolean demoKey;
  private final Map<String, String> hashes = new LinkedHashMap<>();

  EvidenceReport(
      String[] argv,
      List<Claim> claims,
      Texts suspect,
      @Nullable Texts control,
      @Nullable Texts served,
      List<Test> tests,
      Ablation ablation,
      int keysScanned,
      int wrongKeys,
      long seed,
      double alpha,
      boolean demoKey) {
    this.argv = argv.clone();
    this.claims = claims;
    this.suspect = suspect;
    this.control = control;
    this.served = served;
    this.tests = tests;
    this.ablation = ablation;
    this.keysScanned = keysScanned;
    this.wrongKeys = wrongKeys;
    this.seed = seed;
    this.alpha = alpha;
    this.demoKey = demoKey;
  }

  /** Writes the directory (created if needed; files of the same names are replaced). */
  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    texts(dir, "samples.jsonl", suspect);
    if (control != null) {
      texts(dir, "control.jsonl", control);
    }
    if (served != null) {
      texts(dir, "served.jsonl", served);
    }
    Files.copy(
        BundledModel.directory().resolve("tokenizer.json"),
        dir.resolve("tokenizer.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    hash(dir, "tokenizer.json");
    csv(dir);
    plots(dir);
    Files.writeString(dir.resolve("evidence.json"), JSON.writeValueAsString(json()) + "\n");
    hash(dir, "evidence.json");
    Files.writeString(dir.resolve("report.md"), markdown(dir));
  }

  private void texts(Path dir, String name, Texts t) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.texts.size(); i++) {
      ObjectNode o = LINE.createObjectNode();
      o.put("i", i);
      String prompt = t.prompts.get(i);
      if (prompt == null) {
        o.putNull("prompt");
      } else {
        o.put("prompt", prompt);
      }
      o.put("text", t.texts.get(i));
      ArrayNode ids = o.putArray("ids");
      for (int id : t.ids.get(i)) {
        ids.add(id);
      }
      sb.append(LINE.writeValueAsString(o)).append('\n');
    }
    Files.writeString(dir.resolve(name), sb.toString());
    hash(dir, name);
  }

  private List<NullRun> nullRuns() {
    List<NullRun> runs = new ArrayList<>();
    tests.forEach(t -> runs.add(t.wrongKeys));
    if (!ablation.nullDedup().id().equals(tests.get(0).wrongKeys.id())) {
      runs.add(ablation.nullDedup());
    }
    runs.add(ablation.nullRaw());
    return runs;
  }

  private void csv(Path dir) throws IOException {
    StringBuilder sb = new StringBuilder("control,j,tuples,score,null_p\n");
    for (NullRun r : nullRuns()) {
      double[] s = r.result().scores();
      double[] p = r.result().nullPValues();
      for (int j = 0; j < s.length; j++) {
        sb.append(r.id())
            .append(',')
            .append(j)
            .append(',')
            .append(r.result().tuples())
            .append(',')
            .append(s[j])
            .append(',')
            .append(p[j])
            .append('\n');
      }
    }
    Files.writeString(dir.resolve("wrong-keys.csv"), sb.toString());
    hash(dir, "wrong-keys.csv");
  }

  private void plots(Path dir) throws IOException {
    NullRun primary = tests.get(0).wrongKeys;
    CategoryChart hist =
        new CategoryChartBuilder()
            .width(760)
            .height(420)
            .title(
                "Wrong keys' p-values ("
                    + wrongKeys
                    + " keys; uniform: "
                    + String.format(Locale.ROOT, "%.0f", wrongKeys / 20.0)
                    + " per bin)")
            .xAxisTitle("p-value bin")
            .yAxisTitle("wrong keys")
            .build();
    List<String> bins = new ArrayList<>();
    for (int b = 0; b < 20; b++) {
      bins.add(String.format(Locale.ROOT, "%.2f", b / 20.0));
    }
    hist.addSeries(primary.id() + " (de-duplicated)", bins, counts(primary));
    hist.addSeries(
        ablation.nullRaw().id() + " (not de-duplicated)", bins, counts(ablation.nullRaw()));
    hist.getStyler().setXAxisLabelRotation(90);
    BitmapEncoder.saveBitmap(
        hist, dir.resolve("null-pvalues").toString(), BitmapEncoder.BitmapFormat.PNG);
    hash(dir, "null-pvalues.png");

    XYChart qq =
        new XYChartBuilder()
            .width(620)
            .height(560)
            .title("Wrong keys' p-values against Uniform(0, 1)")
            .xAxisTitle("uniform quantile")
            .yAxisTitle("wrong-key p-value (sorted)")
            .build();
    List<NullRun> shown = new ArrayList<>(List.of(primary));
    if (!ablation.nullDedup().id().equals(primary.id())) {
      shown.add(ablation.nullDedup());
    }
    shown.add(ablation.nullRaw());
    for (NullRun r : shown) {
      double[] p = r.result().nullPValues();
      Arrays.sort(p);
      double[] x = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        x[i] = (i + 0.5) / p.length;
      }
      qq.addSeries(r.id() + (r.dedup() ? "" : " (not de-duplicated)"), x, p)
          .setMarker(SeriesMarkers.NONE);
    }
    qq.addSeries("uniform", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE);
    qq.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    BitmapEncoder.saveBitmap(qq, dir.resolve("null-qq").toString(), BitmapEncoder.BitmapFormat.PNG);
    hash(dir, "null-qq.png");
  }

  private static List<Integer> counts(NullRun r) {
    int[] c = new int[20];
    for (double p : r.result().nullPValues()) {
      c[Math.min(19, (int) (p * 20))]++;
    }
    return Arrays.stream(c).boxed().toList();
  }

  private ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("moat_version", MoatVersion.get());
    root.put("alpha", alpha);
    root.put("public_demo_key", demoKey);
    root.put("primary_test", tests.get(0).id);
    ArrayNode commitments = root.putArray("commitments");
    for (Claim c : claims) {
      ObjectNode o = commitment(c.commitment());
      o.put("recorded_before_this_report", c.recorded());
      commitments.add(o);
    }
    ObjectNode wk = root.putObject("wrong_keys");
    wk.put("derivation", WrongKeyControl.DERIVATION);
    wk.put("seed", seed);
    wk.put("count", wrongKeys);
    ArrayNode ts = root.putArray("tests");
    for (Test t : tests) {
      ObjectNode o = ts.addObject();
      o.put("id", t.id);
      o.put("key_id", t.claim.key().id());
      o.put("commitment", t.claim.commitment().hex());
      ObjectNode p = o.putObject("parameters");
      t.claim.commitment().parameters().forEach(p::put);
      o.put("dedup", true);
      o.put("filtered", t.filtered);
      result(o, t.result);
      o.put("holm_log10_p", t.holmLog10);
      o.put("adjusted_log10_p", t.adjustedLog10);
      o.put("wrong_key_control", t.wrongKeys.id());
      if (t.control != null) {
        result(o.putObject("control"), t.control);
      } else {
        o.putNull("control");
      }
    }
    Test primary = tests.get(0);
    ObjectNode claim = root.putObject("claim");
    claim.put("test", primary.id);
    claim.put("keys_scanned", keysScanned);
    claim.put(
        "tests_for_key",
        tests.stream().filter(t -> t.claim.key().id().equals(primary.claim.key().id())).count());
    claim.put("adjusted_log10_p", primary.adjustedLog10);
    claim.put("detected", primary.adjustedLog10 <= Math.log10(alpha));
    ArrayNode controls = root.putArray("controls");
    for (NullRun r : nullRuns()) {
      ObjectNode o = controls.addObject();
      WrongKeyControl.Result w = r.result();
      o.put("id", r.id());
      o.put("key_id", r.keyId());
      o.put("text", r.text());
      o.put("dedup", r.dedup());
      o.put("filtered", r.filtered());
      ObjectNode p = o.putObject("parameters");
      r.parameters().forEach(p::put);
      o.put("keys", w.keys());
      o.put("tuples", w.tuples());
      o.put("true_score", w.trueScore());
      o.put("at_least", w.atLeast());
      o.put("empirical_p", w.empiricalP());
      o.put("ks_d", w.ks().d());
      o.put("ks_p", w.ks().pValue());
      o.put("below_0_01", w.belowAlpha(0.01));
    }
    ObjectNode ab = root.putObject("ablation");
    ab.put("test", primary.id);
    ab.put("text", ablation.text());
    result(ab.putObject("suspect_dedup"), ablation.suspectDedup());
    result(ab.putObject("suspect_no_dedup"), ablation.suspectRaw());
    if (ablation.controlDedup() != null && ablation.controlRaw() != null) {
      result(ab.putObject("control_dedup"), ablation.controlDedup());
      result(ab.putObject("control_no_dedup"), ablation.controlRaw());
    }
    ab.put("null_dedup", ablation.nullDedup().id());
    ab.put("null_no_dedup", ablation.nullRaw().id());
    ObjectNode files = root.putObject("files");
    hashes.forEach(files::put);
    return root;
  }

  private static ObjectNode commitment(KeyCommitment c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", KeyCommitment.FORMAT);
    o.put("key_id", c.keyId());
    o.put("commitment", c.hex());
    ObjectNode p = o.putObject("parameters");
    c.parameters().forEach(p::put);
    o.put("moat_version", c.moatVersion());
    return o;
  }

  private static void result(ObjectNode o, Radioactivity.Result r) {
    o.put("tokens", r.tokens());
    o.put("tuples", r.scored());
    o.put("score", r.score());
    o.put("log10_p", r.log10PValue());
  }

  // ---- report.md ----

  private String markdown(Path dir) {
    Test primary = tests.get(0);
    boolean detected = primary.adjustedLog10 <= Math.log10(alpha);
    StringBuilder md = new StringBuilder();
    md.append("# Watermark evidence report\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Made by Moat %s (`./moat evidence`, report format %s). Every figure below is recomputed"
                + " from the files in this directory and the revealed key by"
                + " `examples/verify/moat_evidence_v1.py` (Python standard library only; see"
                + " [Reproduce](#reproduce)).%n%n",
            MoatVersion.get(),
            FORMAT));
    md.append("## Finding\n\n");
    if (demoKey) {
      md.append(
          "**Warning: the key used is Moat's public demo key.** Anyone can mark text with it, so"
              + " this report proves nothing about the suspect; use your own key (`./moat keys"
              + " new`).\n\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "The primary test %s (%s, %s) gives p = %s on %d de-duplicated tuples of the suspect's"
                + " text. Adjusted for the %d test(s) run with this key (Holm) and the %d key(s)"
                + " scanned (Bonferroni): p = %s. At the false-positive rate fixed before the test,"
                + " alpha = %s, the suspect's text %s our watermark. %d of %d wrong keys scored at"
                + " least as high as the true key: empirical p = %s (it can be no smaller than 1/%d).%n%n",
            primary.id,
            primary.claim.key().id(),
            scheme(primary.claim.commitment().parameters()),
            p(primary.result.log10PValue()),
            primary.result.scored(),
            tests.stream().filter(t -> t.claim.key().id().equals(primary.claim.key().id())).count(),
            keysScanned,
            p(primary.adjustedLog10),
            p(Math.log10(alpha)),
            detected ? "**carries**" : "**does not show**",
            primary.wrongKeys.result().atLeast(),
            wrongKeys,
            p(Math.log10(primary.wrongKeys.result().empiricalP())),
            wrongKeys + 1));

    md.append("## Key commitment\n\n");
    md.append(
        "The key is not in this report or in any file beside it. Each key used is bound by a"
            + " commitment: SHA-256 over the key, its id, the scheme's parameters and the code"
            + " version, in the canonical encoding `"
            + KeyCommitment.FORMAT
            + "` (documented in `dev.moat.key.KeyCommitment`). Once the key is revealed, anyone"
            + " recomputes it; `./moat keys commit` prints it.\n\n");
    md.append("| key | commitment (SHA-256) | parameters | Moat version | recorded |\n");
    md.append("|---|---|---|---|---|\n");
    for (Claim c : claims) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | `%s` | %s | %s | %s |%n",
              c.key().id(),
              c.commitment().hex(),
              c.commitment().parameters().toString().replace("{", "").replace("}", ""),
              c.commitment().moatVersion(),
              c.recorded()
                  ? "before this report (`--commitments`); the key opens it"
                  : "computed for this report (no recorded commitment given)"));
    }
    md.append('\n');

    md.append("## Method\n\n");
    md.append(
        "- **The question.** Was the suspect trained on text we served under our watermark? A"
            + " model trained on watermarked text inherits the bias (Sander et al. 2024,"
            + " \"Watermarking Makes Language Models Radioactive\").\n"
            + "- **The texts.** The suspect's texts (`samples.jsonl`, each with the prompt we sent"
            + " where given, the text and its token ids under the bundled tokenizer,"
            + " `tokenizer.json`). The first h tokens of each text are context only.\n"
            + "- **The tuples.** Each position i >= h is the tuple (t[i-h..i), t[i]). Each distinct"
            + " tuple is scored once (de-duplication, on the tokens themselves): a model repeats"
            + " what it learned, and repeated tuples are not independent evidence.\n"
            + "- **Filtered tests**, where given, score only tuples whose context occurs in the"
            + " text we served (`served.jsonl`): where a student can have learned the bias.\n"
            + "- **The statistic.** KGW (`moat-kgw-v1`): the number of green tuples; under the null"
            + " (the suspect never saw our key) each is green with probability gamma"
            + " independently, so the p-value is the exact binomial tail P[X >= green]. Gumbel"
            + " (`moat-gumbel-v2`): the sum of -ln(1 - u) over tuples, Gamma(n, 1) under the"
            + " null, exact upper tail.\n"
            + "- **Several tests.** Holm's step-down correction across the tests run with one key"
            + " (schemes, filtered or not), then Bonferroni across the keys scanned. The primary"
            + " test, fixed by the order of the command's options before the data were scored,"
            + " decides the finding.\n"
            + String.format(
                Locale.ROOT,
                "- **Wrong-key control.** The same tuples scored under %d keys nobody used (derived"
                    + " in public: `SHA-256(\"%s\" || 0x00 || le64(%d) || le32(j))`). Empirical p ="
                    + " (1 + #{wrong keys scoring at least the true key}) / (K + 1). Their p-values"
                    + " (randomised at KGW's discrete atoms, so exactly uniform under the null) must"
                    + " be Uniform(0, 1): a one-sample Kolmogorov-Smirnov test, exact (Marsaglia,"
                    + " Tsang and Wang 2003) for n d^2 <= 7.24, their closed form beyond.%n",
                wrongKeys,
                WrongKeyControl.DERIVATION,
                seed)
            + "- **Clean control**, where given: text from a model known not to have seen our"
            + " watermark, tested the same way.\n"
            + "- **No-dedup ablation.** The primary test without de-duplication, to show why it is"
            + " not used: repeated tuples inflate the evidence.\n\n");

    md.append("## Results\n\n");
    md.append(
        "| test | key | scheme | tuples from | tokens | tuples scored | score | p | Holm p |"
            + " adjusted p | wrong keys >= | empirical p | clean control p |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Test t : tests) {
      WrongKeyControl.Result w = t.wrongKeys.result();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %d | %d | %s | %s | %s | %s | %d of %d | %s | %s |%n",
              t.id,
              t.claim.key().id(),
              scheme(t.claim.commitment().parameters()),
              t.filtered ? "contexts we served" : "all suspect text",
              t.result.tokens(),
              t.result.scored(),
              score(t.result.score()),
              p(t.result.log10PValue()),
              p(t.holmLog10),
              p(t.adjustedLog10),
              w.atLeast(),
              w.keys(),
              p(Math.log10(w.empiricalP())),
              t.control == null ? "-" : p(t.control.log10PValue())));
    }
    md.append('\n');

    md.append("## Wrong-key control\n\n");
    md.append(
        """
        | control | text | de-duplicated | keys | tuples | p <= 0.01 | KS D | KS p |
        |---|---|---|---|---|---|---|---|
        """);
    for (NullRun r : nullRuns()) {
      WrongKeyControl.Result w = r.result();
      KolmogorovSmirnov.Result ks = w.ks();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s%s | %s | %d | %d | %d | %.4f | %s |%n",
              r.id(),
              r.text(),
              r.filtered() ? " (filtered)" : "",
              r.dedup() ? "yes" : "no",
              w.keys(),
              w.tuples(),
              w.belowAlpha(0.01),
              ks.d(),
              p(ks.pValue() > 0 ? Math.log10(ks.pValue()) : Double.NEGATIVE_INFINITY)));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nUnder the null about %.0f of %d keys fall at p <= 0.01. A small KS p-value on"
                + " de-duplicated tuples would mean the analytic null does not hold for this text;"
                + " the empirical p-value stays valid either way.%n%n",
            wrongKeys / 100.0,
            wrongKeys));
    md.append("![Histogram of the wrong keys' p-values](null-pvalues.png)\n\n");
    md.append("![QQ plot of the wrong keys' p-values](null-qq.png)\n\n");

    md.append("## No-dedup ablation\n\n");
    md.append(
        """
        The primary test's p-value with and without de-duplication, under the true key:

        | text | de-duplicated: tuples | p | not de-duplicated: tuples | p |
        |---|---|---|---|---|
        """);
    md.append(ablationRow("suspect", ablation.suspectDedup(), ablation.suspectRaw()));
    if (ablation.controlDedup() != null && ablation.controlRaw() != null) {
      md.append(ablationRow("clean control", ablation.controlDedup(), ablation.controlRaw()));
    }
    WrongKeyControl.Result nd = ablation.nullDedup().result();
    WrongKeyControl.Result nr = ablation.nullRaw().result();
    md.append(
        String.format(
            Locale.ROOT,
            "%nOn the %s text, wrong keys (which it cannot carry) reach p <= 0.01 %d times of %d"
                + " with de-duplication and %d times without (KS D %.4f against %.4f); %d of its"
                + " %d scored positions repeat an earlier tuple. The more a text repeats itself,"
                + " the more counting repeated tuples again looks like evidence.%n%n",
            ablation.text().equals("control") ? "clean control's" : "suspect's",
            nd.belowAlpha(0.01),
            nd.keys(),
            nr.belowAlpha(0.01),
            nd.ks().d(),
            nr.ks().d(),
            nr.tuples() - nd.tuples(),
            nr.tuples()));

    md.append("## Samples\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%d suspect texts, %d tokens, in `samples.jsonl`%s. %s%s%n%n",
            suspect.texts.size(),
            suspect.tokens(),
            suspect.prompts.stream().anyMatch(x -> x != null)
                ? ", each with the prompt we sent"
                : " (no prompts were given)",
            control == null
                ? "No clean control was given."
                : "Clean control: " + control.texts.size() + " texts in `control.jsonl`.",
            served == null
                ? ""
                : " Our served text: " + served.texts.size() + " texts in `served.jsonl`."));
    for (int i = 0; i < Math.min(3, suspect.texts.size()); i++) {
      String prompt = suspect.prompts.get(i);
      md.append(String.format(Locale.ROOT, "Sample %d", i));
      if (prompt != null) {
        md.append(" — prompt:\n\n").append(quote(prompt)).append("\nanswer:");
      }
      md.append("\n\n").append(quote(suspect.texts.get(i))).append('\n');
    }

    md.append("## Reproduce\n\n");
    md.append(
        "Run where the report was made (paths as given), with the same key file. The first"
            + " command recomputes this directory; the second checks it independently of Moat's"
            + " code; the third prints each key's commitment.\n\n```bash\n");
    md.append(command(argv)).append('\n');
    md.append(
        "python3 examples/verify/moat_evidence_v1.py "
            + shell(dir.toString())
            + " --keys KEYS_FILE\n");
    for (Claim c : claims) {
      md.append("./moat keys commit --keys KEYS_FILE --key-id ")
          .append(c.key().id())
          .append(' ')
          .append(schemeOptions(c.commitment().parameters()))
          .append('\n');
    }
    md.append("```\n\n");
    md.append("## Files\n\n| file | SHA-256 |\n|---|---|\n");
    hashes.forEach((f, h) -> md.append("| `").append(f).append("` | `").append(h).append("` |\n"));
    return md.toString();
  }

  private static String ablationRow(
      String name, Radioactivity.Result dedup, Radioactivity.Result raw) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %s | %d | %s |%n",
        name,
        dedup.scored(),
        p(dedup.log10PValue()),
        raw.scored(),
        p(raw.log10PValue()));
  }

  private static String quote(String text) {
    StringBuilder sb = new StringBuilder();
    for (String l : text.split("\n", -1)) {
      sb.append("> ").append(l.replace("|", "\\|")).append('\n');
    }
    return sb.toString();
  }

  /** The scheme as the table shows it. */
  static String scheme(Map<String, String> p) {
    String s = p.getOrDefault("scheme", "?");
    if (s.equals("moat-kgw-v1")) {
      return String.format(
          Locale.ROOT,
          "%s gamma=%s h=%s %s",
          s,
          p.get("gamma"),
          p.get("context_width"),
          p.get("seeding"));
    }
    return s + " h=" + p.get("context_width");
  }

  private static String schemeOptions(Map<String, String> p) {
    if ("moat-kgw-v1".equals(p.get("scheme"))) {
      return "--scheme kgw --gamma "
          + p.get("gamma")
          + " --delta "
          + p.get("delta")
          + " --context-width "
          + p.get("context_width")
          + " --seeding "
          + p.get("seeding");
    }
    return "--scheme gumbel --context-width " + p.get("context_width");
  }

  /**
   * A p-value from its log10, as {@code m.mmme-N} (so that values far below 1e-300 print), {@code
   * 1} or {@code 0}. The verifier reads it back as log10(m) + N.
   */
  static String p(double log10) {
    if (log10 == Double.NEGATIVE_INFINITY) {
      return "0";
    }
    if (log10 >= 0) {
      return "1";
    }
    double e = Math.floor(log10);
    String m = String.format(Locale.ROOT, "%.3f", Math.pow(10, log10 - e));
    if (m.equals("10.000")) {
      m = "1.000";
      e += 1;
    }
    return m + "e" + (long) e;
  }

  private static String score(double s) {
    return s == Math.rint(s) && Math.abs(s) < 1e15
        ? Long.toString((long) s)
        : String.format(Locale.ROOT, "%.4f", s);
  }

  private static String command(String[] argv) {
    StringBuilder sb = new StringBuilder("./moat");
    for (String a : argv) {
      sb.append(' ').append(shell(a));
    }
    return sb.toString();
  }

  private static String shell(String s) {
    return s.matches("[A-Za-z0-9._/=:,@+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }

  private void hash(Path dir, String name) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      hashes.put(name, HexFormat.of().formatHex(sha.digest(Files.readAllBytes(dir.resolve(name)))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
