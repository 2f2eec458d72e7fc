package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.Moat;
import dev.moat.examples.EvidenceCommand.Ablation;
import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.EvidenceCommand.NullRun;
import dev.moat.examples.EvidenceCommand.Test;
import dev.moat.examples.EvidenceCommand.Texts;
import dev.moat.forensics.Radioactivity;
import dev.moat.forensics.WrongKeyControl;
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

  // Read by EvidenceMarkdown, which writes report.md from them.
  final String[] argv;
  final List<Claim> claims;
  final Texts suspect;
  final @Nullable Texts control;
  final @Nullable Texts served;
  final List<Test> tests;
  final Ablation ablation;
  final int keysScanned;
  final int wrongKeys;
  final long seed;
  final double alpha;
  final boolean demoKey;
  final EvidenceOpenWeights.@Nullable MassTest massPrimary;
  final @Nullable EvidenceOpenWeights open;
  final Map<String, String> hashes = new LinkedHashMap<>();

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
      boolean demoKey,
      @Nullable EvidenceOpenWeights open,
      boolean massIsPrimary) {
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
    this.open = open;
    this.massPrimary = massIsPrimary && open != null ? open.primary() : null;
  }

  /** The primary test. */
  EvidencePrimary primary() {
    return EvidencePrimary.of(this);
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
    if (open != null) {
      open.write(dir, name -> hash(dir, name));
    }
    plots(dir);
    Files.writeString(dir.resolve("evidence.json"), JSON.writeValueAsString(json()) + "\n");
    hash(dir, "evidence.json");
    Files.writeString(dir.resolve("report.md"), EvidenceMarkdown.of(this, dir));
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

  /** The wrong-key controls: each test's, then the ablation's not already among them. */
  List<NullRun> nullRuns() {
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
    root.put("moat_version", Moat.version());
    root.put("alpha", alpha);
    root.put("public_demo_key", demoKey);
    EvidencePrimary primary = primary();
    root.put("primary_test", primary.id());
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
    ObjectNode claim = root.putObject("claim");
    claim.put("test", primary.id());
    claim.put("keys_scanned", keysScanned);
    claim.put("tests_for_key", primary.family());
    claim.put("adjusted_log10_p", primary.adjusted());
    claim.put("detected", primary.adjusted() <= Math.log10(alpha));
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
    ab.put("test", tests.get(0).id);
    ab.put("text", ablation.text());
    result(ab.putObject("suspect_dedup"), ablation.suspectDedup());
    result(ab.putObject("suspect_no_dedup"), ablation.suspectRaw());
    if (ablation.controlDedup() != null && ablation.controlRaw() != null) {
      result(ab.putObject("control_dedup"), ablation.controlDedup());
      result(ab.putObject("control_no_dedup"), ablation.controlRaw());
    }
    ab.put("null_dedup", ablation.nullDedup().id());
    ab.put("null_no_dedup", ablation.nullRaw().id());
    if (open != null) {
      open.json(root.putObject("open_weights"));
    } else {
      root.putNull("open_weights");
    }
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
