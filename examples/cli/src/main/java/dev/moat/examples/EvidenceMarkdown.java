package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.examples.EvidenceCommand.Ablation;
import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.EvidenceCommand.NullRun;
import dev.moat.examples.EvidenceCommand.Test;
import dev.moat.examples.EvidenceCommand.Texts;
import dev.moat.forensics.GreenMass;
import dev.moat.forensics.KolmogorovSmirnov;
import dev.moat.forensics.Radioactivity;
import dev.moat.forensics.WrongKeyControl;
import dev.moat.key.KeyCommitment;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code report.md}, the part of {@link EvidenceReport}'s directory written for people: the
 * finding, the key commitments, the method, every test's figures, the controls, the samples and the
 * commands that reproduce it.
 *
 * <p>Stateless; thread-safe.
 */
final class EvidenceMarkdown {
  private EvidenceMarkdown() {}

  /** The report's text; the files it lists are those {@code report} has hashed so far. */
  static String of(EvidenceReport report, Path dir) {
    // The report's figures, under the names the text below reads them by.
    String[] argv = report.argv;
    List<Claim> claims = report.claims;
    Texts suspect = report.suspect;
    @Nullable Texts control = report.control;
    @Nullable Texts served = report.served;
    List<Test> tests = report.tests;
    Ablation ablation = report.ablation;
    int keysScanned = report.keysScanned;
    int wrongKeys = report.wrongKeys;
    long seed = report.seed;
    double alpha = report.alpha;
    boolean demoKey = report.demoKey;
    EvidencePrimary primary = report.primary();
    boolean detected = primary.adjusted() <= Math.log10(alpha);
    StringBuilder md = new StringBuilder();
    md.append("# Watermark evidence report\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Made by Moat %s (`./moat evidence`, report format %s). Every figure below is recomputed"
                + " from the files in this directory and the revealed key by"
                + " `examples/verify/moat_evidence_v1.py` (Python standard library only; see"
                + " [Reproduce](#reproduce)).%n%n",
            Moat.version(),
            EvidenceReport.FORMAT));
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
            "The primary test %s (%s, %s) gives p = %s %s. Adjusted for the %d test(s) run with"
                + " this key (Holm) and the %d key(s) scanned (Bonferroni): p = %s. At the"
                + " false-positive rate fixed before the test, alpha = %s, the suspect's %s %s our"
                + " watermark. %d of %d wrong keys scored at least as high as the true key:"
                + " empirical p = %s (it can be no smaller than 1/%d).%n%n",
            primary.id(),
            primary.claim().key().id(),
            scheme(primary.claim().commitment().parameters()),
            p(primary.log10()),
            report.massPrimary == null
                ? "on " + primary.units() + " de-duplicated tuples of the suspect's text"
                : "at "
                    + primary.units()
                    + " contexts of the text we served (the green-mass test of the suspect's"
                    + " weights"
                    + (report.massPrimary.statistic == GreenMass.Statistic.PLAIN
                        ? ")"
                        : ", "
                            + EvidenceOpenWeights.name(report.massPrimary.statistic)
                            + ", against the reference model)"),
            primary.family(),
            keysScanned,
            p(primary.adjusted()),
            p(Math.log10(alpha)),
            report.massPrimary == null ? "text" : "model",
            detected ? "**carries**" : "**does not show**",
            primary.atLeast(),
            primary.keys(),
            p(Math.log10(primary.empiricalP())),
            primary.keys() + 1));

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
            + " (schemes, filtered or not, and the green-mass tests where the suspect's weights"
            + " were read), then Bonferroni across the keys scanned. The primary test, fixed by"
            + " the command's options before the data were scored (the first key's first test,"
            + " or with `--primary green-mass` its green-mass test), decides the finding.\n"
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
    for (NullRun r : report.nullRuns()) {
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
    if (report.open != null) {
      md.append(EvidenceMassMarkdown.section(report.open, wrongKeys));
    }

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
    report.hashes.forEach(
        (f, h) -> md.append("| `").append(f).append("` | `").append(h).append("` |\n"));
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
}
