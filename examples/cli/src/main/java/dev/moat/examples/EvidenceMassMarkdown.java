package dev.moat.examples;

import static dev.moat.examples.EvidenceMarkdown.p;
import static dev.moat.examples.EvidenceMarkdown.scheme;

import dev.moat.examples.EvidenceOpenWeights.MassTest;
import dev.moat.forensics.GreenMass;
import dev.moat.forensics.GreenMassWrongKeys;
import java.util.Locale;

/**
 * The green-mass section of {@code report.md} ({@link EvidenceOpenWeights}): what the suspect model
 * read, the statistic, where its inputs are, and one row per test.
 *
 * <p>Stateless; thread-safe.
 */
final class EvidenceMassMarkdown {
  private EvidenceMassMarkdown() {}

  static String section(EvidenceOpenWeights open, int wrongKeys) {
    StringBuilder md = new StringBuilder("## Open weights: the green-mass test\n\n");
    GreenMass.Result first = open.tests.get(0).result;
    EvidenceOpenWeights.Model ref = open.reference;
    md.append(
        String.format(
            Locale.ROOT,
            "The suspect model (`%s`: `model.onnx` SHA-256 `%s`, `config.json` SHA-256 `%s`) read"
                + " the text we served (`served.jsonl`)%s. At the first occurrence of each"
                + " watermark context in each text (a later one could be copied from the text"
                + " itself), its next-token distribution was taken, and the distributions at one"
                + " context averaged into P_c: %d contexts from %d positions of %d tokens (%d first"
                + " occurrences past the limit of %d contexts not scored).%n%n",
            open.suspect.path(),
            open.suspect.modelSha256(),
            open.suspect.configSha256(),
            ref == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    ", and so did the reference model (`%s`: `model.onnx` SHA-256 `%s`, `config.json`"
                        + " SHA-256 `%s`), a model that never saw the key",
                    ref.path(),
                    ref.modelSha256(),
                    ref.configSha256()),
            first.contexts(),
            first.positions(),
            first.tokens(),
            first.contextsDropped(),
            open.maxContexts));
    md.append(
        "- **The statistic.** T = sum over contexts c and tokens v of a_c(v) (green_c(v) - g),"
            + " where a_c = P_c (plain), P_c - Q_c (referenced: Q the reference's averaged"
            + " distribution at the same positions) or sqrt(n_c) (P_c - Q_c) (weighted: n_c the"
            + " number of texts in which c was scored, `open_weights.texts_per_context`; a student"
            + " learns the green lists of the contexts it saw often), and g the scheme's exact"
            + " green fraction. Whether c occurs in a text is settled before its own green list is"
            + " used there, so n_c, like P and Q, is independent of it. Under"
            + " the null (the model never saw our key) each green_c(v) is an independent"
            + " Bernoulli(g) draw of the keyed hash, independent of a, so T has mean 0 and"
            + " variance V = g (1 - g) sum a_c(v)^2.\n"
            + "- **The p-value** is Chernoff's bound: exp(min over lambda >= 0 of -lambda T + sum"
            + " psi(lambda a_c(v))), psi(s) = log(1 - g + g e^s) - g s, the Bernoulli terms' exact"
            + " moment generating function; no approximation. Every lambda gives a valid bound:"
            + " the table states the lambda used, at which the verifier evaluates it in one"
            + " pass. The normal tail of z = T / sqrt(V) is shown beside it.\n"
            + "- **What the bound assumes.** Each row's weights are independent of that row's own"
            + " green list. The rows are coupled through the served text (a context's"
            + " distribution is read after tokens that other contexts' green lists chose), which"
            + " the bound treats as independent; the wrong keys, whose green lists chose none of"
            + " the text, cannot show that coupling.\n"
            + String.format(
                Locale.ROOT,
                "- **Wrong keys.** The same averaged distributions scored under the report's %d"
                    + " wrong keys (`%s`: each key's T and normal p-value); empirical p = (1 +"
                    + " #{T_j >= T}) / (K + 1), and a KS test that their p-values are"
                    + " uniform.%n",
                wrongKeys,
                EvidenceOpenWeights.CSV_FILE)
            + String.format(
                Locale.ROOT,
                "- **The inputs**, for the verifier: `%s`%s, gzip, little-endian float32, one row"
                    + " of %d entries (the vocabulary) per context, in the order of"
                    + " `evidence.json`'s `open_weights.contexts` (which the served texts"
                    + " determine). That the rows are the suspect's distributions rests on the"
                    + " models' hashes above: anyone holding the weights recomputes them.%n%n",
                EvidenceOpenWeights.SUSPECT_FILE,
                ref == null
                    ? ""
                    : " and `"
                        + EvidenceOpenWeights.DIFFERENCE_FILE
                        + "` (P_c - Q_c, whose rows the weighted test multiplies by sqrt(n_c) in double precision)",
                open.collected.vocab()));
    md.append(
        "| test | key | scheme | distribution | contexts | green share | T | V | z | p (bound) |"
            + " lambda | Holm p | adjusted p | wrong keys >= | empirical p | wrong keys' KS p |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (MassTest t : open.tests) {
      GreenMass.Result r = t.result;
      GreenMassWrongKeys w = t.wrongKeys;
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %d | %.6f | %.6f | %.6e | %.3f | %s | %.6e | %s | %s | %d of"
                  + " %d | %s | %.4f |%n",
              t.id,
              t.claim.key().id(),
              scheme(t.claim.commitment().parameters()),
              switch (t.statistic) {
                case PLAIN -> "suspect";
                case REFERENCED -> "suspect - reference";
                case WEIGHTED -> "sqrt(n) (suspect - reference)";
              },
              r.contexts(),
              r.greenShare(),
              r.excess(),
              r.variance(),
              r.z(),
              p(r.log10BoundP()),
              r.boundLambda(),
              p(t.holmLog10),
              p(t.adjustedLog10),
              w.atLeast(),
              w.keys(),
              p(Math.log10(w.empiricalP())),
              w.ks().pValue()));
    }
    md.append(
        "\nGreen share: the mean over contexts of the suspect's green mass over its total (g under"
            + " the null), or for the referenced test the mean difference of the two models' green"
            + " masses (0 under the null).\n\n");
    return md.toString();
  }
}
