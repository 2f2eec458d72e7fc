package dev.moat.examples;

import dev.moat.examples.cli.UsageException;
import dev.moat.forensics.Multiplicity;
import dev.moat.forensics.Radioactivity;
import dev.moat.forensics.SuspectTuples;
import dev.moat.forensics.WrongKeyControl;
import dev.moat.key.KeyCommitment;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.research.RadioactivitySetup;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ./moat evidence}: the radioactivity test as a report a third party can check. It tests a
 * suspect's texts against one or more committed keys and schemes, adds the controls (a wrong-key
 * control with its KS test, a clean control, the no-dedup ablation) and the corrections for the
 * tests run (Holm across schemes and settings, Bonferroni across keys), and writes {@link
 * EvidenceReport}'s directory: the report, its plots and every data file needed to recompute it,
 * never the key. {@code examples/verify/moat_evidence_v1.py} recomputes it from the directory and
 * the revealed key.
 *
 * <p>Not thread-safe; each run holds its own state.
 */
@Command(
    name = "evidence",
    description = {
      "A report a third party can check that a suspect carries our watermark.",
      "The test per committed key and scheme with Holm and Bonferroni corrections, a wrong-key"
          + " control, a clean control, the no-dedup ablation, the samples and the commands; never"
          + " the key.",
      "examples/verify/moat_evidence_v1.py checks it from the revealed key."
    })
final class EvidenceCommand implements Callable<Integer> {
  @Mixin EvidenceOptions options = new EvidenceOptions();

  private final String[] argv;
  private final PrintStream out;
  private final PrintStream err;

  /** {@code argv}: the command line, recorded in the report. */
  EvidenceCommand(String[] argv, PrintStream out, PrintStream err) {
    this.argv = argv.clone();
    this.out = out;
    this.err = err;
  }

  /** A key and the scheme it is tested under, with the commitment that ties them together. */
  record Claim(WatermarkKey key, WatermarkSpec spec, KeyCommitment commitment, boolean recorded) {}

  /** Texts read from a file (one per line, {@code \n} for line breaks) and their token ids. */
  static final class Texts {
    final String name;
    final List<String> texts = new ArrayList<>();
    final List<int[]> ids = new ArrayList<>();
    final List<@Nullable String> prompts = new ArrayList<>();

    Texts(String name) {
      this.name = name;
    }

    long tokens() {
      return ids.stream().mapToLong(t -> t.length).sum();
    }
  }

  /** One test of the family: a claim on the suspect, de-duplicated, filtered or not. */
  static final class Test {
    final String id;
    final Claim claim;
    final boolean filtered;
    final Radioactivity.Result result;
    final Radioactivity.@Nullable Result control;
    final NullRun wrongKeys;
    double holmLog10;
    double adjustedLog10;

    Test(
        String id,
        Claim claim,
        boolean filtered,
        Radioactivity.Result result,
        Radioactivity.@Nullable Result control,
        NullRun wrongKeys) {
      this.id = id;
      this.claim = claim;
      this.filtered = filtered;
      this.result = result;
      this.control = control;
      this.wrongKeys = wrongKeys;
    }
  }

  /** A wrong-key control: which text, which tuples, which scheme, and its result. */
  record NullRun(
      String id,
      String keyId,
      String text,
      boolean dedup,
      boolean filtered,
      Map<String, String> parameters,
      WrongKeyControl.Result result) {}

  /** The no-dedup ablation of the primary test. */
  record Ablation(
      String text,
      Radioactivity.Result suspectDedup,
      Radioactivity.Result suspectRaw,
      Radioactivity.@Nullable Result controlDedup,
      Radioactivity.@Nullable Result controlRaw,
      NullRun nullDedup,
      NullRun nullRaw) {}

  @Override
  public Integer call() throws Exception {
    Path dir = options.out;
    Path suspectFile = options.suspect;
    int wrongKeys = options.wrongKeys;
    long seed = options.wrongKeySeed;
    double alpha = options.alpha;
    if (options.commitments != null && !options.schemes.given().isEmpty()) {
      throw new UsageException(
          options.schemes.given().get(0)
              + " cannot be combined with --commitments: the committed parameters are the ones"
              + " tested");
    }
    WatermarkKeys keys = options.keysOption.load(err);
    List<Claim> claims = EvidenceClaims.claims(options, keys);
    Texts suspect;
    @Nullable Texts control = null;
    @Nullable Texts served = null;
    try (BundledText tok = BundledText.bundled()) {
      suspect = read(tok, "suspect", suspectFile);
      if (options.prompts != null) {
        Path pf = options.prompts;
        List<String> prompts = new ArrayList<>();
        for (String line : lines(pf)) {
          if (!line.isBlank()) {
            prompts.add(line.replace("\\n", "\n"));
          }
        }
        if (prompts.size() != suspect.texts.size()) {
          throw new UsageException(
              "--prompts "
                  + pf
                  + " has "
                  + prompts.size()
                  + " prompts but --suspect has "
                  + suspect.texts.size()
                  + " texts: it must have one prompt per suspect text, in the same order");
        }
        suspect.prompts.clear();
        suspect.prompts.addAll(prompts);
      }
      if (options.control != null) {
        control = read(tok, "control", options.control);
      }
      if (options.served != null) {
        served = read(tok, "served", options.served);
      }
    }
    if (suspect.texts.isEmpty()) {
      throw new UsageException("--suspect " + suspectFile + " holds no texts");
    }
    err.printf(
        Locale.ROOT,
        "moat evidence: %d suspect texts (%d tokens), %d test(s) per key, %d key(s), %d wrong"
            + " keys each%n",
        suspect.texts.size(),
        suspect.tokens(),
        served == null ? 1 : 2,
        claims.stream().map(c -> c.key().id()).distinct().count(),
        wrongKeys);

    // The open-weights tests first: their options are checked before anything is scored.
    EvidenceOpenWeights open = EvidenceOpenWeights.run(options, claims, served, err);

    // The family of tests, in the order the options gave them: the first is the primary test.
    Map<String, SuspectTuples> tuples = new HashMap<>();
    List<Test> tests = new ArrayList<>();
    for (Claim c : claims) {
      for (boolean filtered :
          served == null ? new boolean[] {false} : new boolean[] {false, true}) {
        int h = width(c.spec());
        SuspectTuples.@Nullable Contexts filter =
            filtered && served != null ? SuspectTuples.Contexts.of(served.ids, h) : null;
        SuspectTuples t =
            tuples.computeIfAbsent(
                "suspect/" + h + "/" + filtered,
                k -> SuspectTuples.of(suspect.ids, h, true, filter));
        Radioactivity.Scorer scorer = RadioactivitySetup.scorer(c.spec(), c.key());
        Radioactivity.Result r = t.test(scorer);
        Radioactivity.Result ctrl =
            control == null ? null : SuspectTuples.of(control.ids, h, true, filter).test(scorer);
        String id = "T" + (tests.size() + 1);
        NullRun wrong =
            new NullRun(
                id,
                c.key().id(),
                "suspect",
                true,
                filtered,
                c.commitment().parameters(),
                WrongKeyControl.run(
                    k -> RadioactivitySetup.scorer(c.spec(), k), t, r.score(), wrongKeys, seed));
        tests.add(new Test(id, c, filtered, r, ctrl, wrong));
        err.printf(
            Locale.ROOT,
            "  %s %s %s%s: %d tuples, log10 p = %.2f, wrong keys at least as high: %d of %d%n",
            id,
            c.key().id(),
            c.commitment().parameters().get("scheme"),
            filtered ? " (filtered)" : "",
            r.scored(),
            r.log10PValue(),
            wrong.result().atLeast(),
            wrongKeys);
      }
    }
    // Holm within each key's family (its black-box tests, then its green-mass tests), then
    // Bonferroni across the keys scanned.
    Set<String> keyIds = new LinkedHashSet<>();
    tests.forEach(t -> keyIds.add(t.claim.key().id()));
    List<EvidenceOpenWeights.MassTest> mass = open == null ? List.of() : open.tests;
    for (String k : keyIds) {
      List<Test> family = tests.stream().filter(t -> t.claim.key().id().equals(k)).toList();
      List<EvidenceOpenWeights.MassTest> massFamily =
          mass.stream().filter(t -> t.claim.key().id().equals(k)).toList();
      double[] ps = new double[family.size() + massFamily.size()];
      for (int i = 0; i < ps.length; i++) {
        ps[i] =
            i < family.size()
                ? family.get(i).result.log10PValue()
                : massFamily.get(i - family.size()).result.log10BoundP();
      }
      double[] holm = Multiplicity.holmLog10(ps);
      for (int i = 0; i < holm.length; i++) {
        double adjusted = Multiplicity.bonferroniLog10(holm[i], keyIds.size());
        if (i < family.size()) {
          family.get(i).holmLog10 = holm[i];
          family.get(i).adjustedLog10 = adjusted;
        } else {
          massFamily.get(i - family.size()).holmLog10 = holm[i];
          massFamily.get(i - family.size()).adjustedLog10 = adjusted;
        }
      }
    }
    Ablation ablation = ablation(tests.get(0), suspect, control, served, wrongKeys, seed);

    EvidenceReport report =
        new EvidenceReport(
            argv,
            claims,
            suspect,
            control,
            served,
            tests,
            ablation,
            keyIds.size(),
            wrongKeys,
            seed,
            alpha,
            usesDemoKey(claims),
            open,
            options.primary.equals("green-mass"));
    report.write(dir);
    EvidencePrimary primary = report.primary();
    out.printf(
        Locale.ROOT,
        "{\"report\": \"%s\", \"primary_test\": \"%s\", \"log10_p\": %.3f,"
            + " \"adjusted_log10_p\": %.3f, \"empirical_p\": %.6f, \"alpha\": %.1e,"
            + " \"trained_on_our_output\": %s}%n",
        dir.resolve("report.md").toString().replace("\\", "/").replace("\"", "'"),
        primary.id(),
        primary.log10(),
        primary.adjusted(),
        primary.empiricalP(),
        alpha,
        primary.adjusted() <= Math.log10(alpha));
    return 0;
  }

  /** Whether any key tested is one of the public demo keys (then the report proves nothing). */
  private static boolean usesDemoKey(List<Claim> claims) throws IOException {
    WatermarkKeys demo = Keys.demo();
    return claims.stream()
        .anyMatch(c -> demo.get(c.key().id()).map(k -> k.equals(c.key())).orElse(false));
  }

  /** The ablation: the primary test without de-duplication, on the clean control if given. */
  private static Ablation ablation(
      Test primary,
      Texts suspect,
      @Nullable Texts control,
      @Nullable Texts served,
      int wrongKeys,
      long seed) {
    Claim c = primary.claim;
    int h = width(c.spec());
    SuspectTuples.@Nullable Contexts filter =
        primary.filtered && served != null ? SuspectTuples.Contexts.of(served.ids, h) : null;
    Radioactivity.Scorer scorer = RadioactivitySetup.scorer(c.spec(), c.key());
    SuspectTuples suspectRaw = SuspectTuples.of(suspect.ids, h, false, filter);
    Texts on = control != null ? control : suspect;
    SuspectTuples dedup = SuspectTuples.of(on.ids, h, true, filter);
    SuspectTuples raw = SuspectTuples.of(on.ids, h, false, filter);
    java.util.function.Function<WatermarkKey, Radioactivity.Scorer> scorers =
        k -> RadioactivitySetup.scorer(c.spec(), k);
    NullRun nullDedup =
        control == null
            ? primary.wrongKeys
            : new NullRun(
                primary.id + "/control",
                c.key().id(),
                "control",
                true,
                primary.filtered,
                c.commitment().parameters(),
                WrongKeyControl.run(scorers, dedup, dedup.score(scorer), wrongKeys, seed));
    NullRun nullRaw =
        new NullRun(
            primary.id + "/" + on.name + "/no-dedup",
            c.key().id(),
            on.name,
            false,
            primary.filtered,
            c.commitment().parameters(),
            WrongKeyControl.run(scorers, raw, raw.score(scorer), wrongKeys, seed));
    return new Ablation(
        on.name,
        primary.result,
        suspectRaw.test(scorer),
        control == null ? null : dedup.test(scorer),
        control == null ? null : raw.test(scorer),
        nullDedup,
        nullRaw);
  }

  static int width(WatermarkSpec spec) {
    if (spec instanceof KgwSettings k) {
      return k.contextWidth();
    }
    if (spec instanceof GumbelSettings g) {
      return g.contextWidth();
    }
    throw new IllegalArgumentException("no evidence test for " + spec);
  }

  private static Texts read(BundledText tok, String name, Path file) throws IOException {
    Texts t = new Texts(name);
    for (String line : lines(file)) {
      if (line.isBlank()) {
        continue;
      }
      String text = line.replace("\\n", "\n");
      t.texts.add(text);
      t.ids.add(tok.encode(text));
      t.prompts.add(null);
    }
    return t;
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }
}
