package dev.moat.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.EvidenceCommand.Texts;
import dev.moat.examples.cli.UsageException;
import dev.moat.forensics.GreenMass;
import dev.moat.forensics.GreenMassWrongKeys;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.research.RadioactivitySetup;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The open-weights part of {@code ./moat evidence}: the green-mass test ({@link GreenMass}) of a
 * suspect model's next-token distributions at the texts we served, under each left-hash KGW key
 * tested, plain and (with a reference model) referenced and weighted, each with its wrong-key
 * control. The averaged distributions go into the report's directory (gzip, little-endian float32,
 * one row of {@code vocab} entries per context), so that {@code
 * examples/verify/moat_green_mass_v1.py} recomputes every figure from them and the revealed key;
 * the models' SHA-256 let anyone holding the weights recompute the distributions themselves.
 *
 * <p>Not thread-safe: one report's run.
 */
final class EvidenceOpenWeights {
  static final String SUSPECT_FILE = "green-mass-suspect.f32.gz";
  static final String DIFFERENCE_FILE = "green-mass-difference.f32.gz";
  static final String CSV_FILE = "green-mass-wrong-keys.csv";

  /** One green-mass test: a key's test of one statistic, with its wrong-key control. */
  static final class MassTest {
    final String id;
    final Claim claim;
    final GreenMass.Statistic statistic;
    final GreenMass.Result result;
    final GreenMassWrongKeys wrongKeys;
    double holmLog10;
    double adjustedLog10;

    MassTest(
        String id,
        Claim claim,
        GreenMass.Statistic statistic,
        GreenMass.Result result,
        GreenMassWrongKeys wrongKeys) {
      this.id = id;
      this.claim = claim;
      this.statistic = statistic;
      this.result = result;
      this.wrongKeys = wrongKeys;
    }
  }

  /** A model that read the texts: where it was read from and its files' SHA-256. */
  record Model(String path, String modelSha256, String configSha256) {}

  final Model suspect;
  final @Nullable Model reference;
  final GreenMass.Collected collected;
  final int maxContexts;
  final List<MassTest> tests;

  private EvidenceOpenWeights(
      Model suspect,
      @Nullable Model reference,
      GreenMass.Collected collected,
      int maxContexts,
      List<MassTest> tests) {
    this.suspect = suspect;
    this.reference = reference;
    this.collected = collected;
    this.maxContexts = maxContexts;
    this.tests = tests;
  }

  /**
   * Runs the tests where {@code --suspect-onnx} was given (else null), numbering them G1, G2, ...
   * in the claims' order (each key's plain test, then its referenced and weighted ones).
   */
  static @Nullable EvidenceOpenWeights run(
      EvidenceOptions o, List<Claim> claims, @Nullable Texts served, PrintStream err)
      throws Exception {
    Path dir = o.suspectOnnx;
    if (dir == null) {
      if (o.referenceOnnx != null) {
        throw new UsageException(
            "--reference-onnx was given without --suspect-onnx: it is the green-mass test's"
                + " reference, and that test needs the suspect's weights");
      }
      if (!o.primary.equals("black-box")) {
        throw new UsageException(
            "--primary was '" + o.primary + "' without --suspect-onnx: it must be black-box");
      }
      return null;
    }
    if (!o.primary.equals("black-box") && !o.primary.equals("green-mass")) {
      throw new UsageException(
          "--primary was '" + o.primary + "' but it must be black-box or green-mass");
    }
    if (served == null) {
      throw new UsageException(
          "--suspect-onnx needs --served FILE: the green-mass test reads the suspect's"
              + " distributions at the texts we served");
    }
    List<Claim> kgw = new ArrayList<>();
    for (Claim c : claims) {
      if (c.spec() instanceof KgwSettings k && !k.selfHash()) {
        kgw.add(c);
      }
    }
    if (kgw.isEmpty()) {
      throw new UsageException(
          "--suspect-onnx: the green-mass test takes left-hash KGW, and no key is tested under it"
              + " (the schemes tested: "
              + claims.stream().map(c -> c.commitment().parameters().get("scheme")).toList()
              + ")");
    }
    int h = EvidenceCommand.width(kgw.get(0).spec());
    for (Claim c : kgw) {
      if (EvidenceCommand.width(c.spec()) != h) {
        throw new UsageException(
            "--suspect-onnx: the green-mass test reads the served texts at one context width, and"
                + " the left-hash KGW keys tested have "
                + h
                + " and "
                + EvidenceCommand.width(c.spec())
                + "; choose keys of one width with --key-id");
      }
    }
    String ref = o.referenceOnnx;
    @Nullable Path refDir =
        ref == null
            ? null
            : ref.equals("bundled") ? dev.moat.model.BundledModel.directory() : Path.of(ref);
    GreenMass.Collected collected;
    int maxContexts;
    try (OnnxCausalLm model = GreenMassLines.load(dir, "--suspect-onnx");
        OnnxCausalLm refModel =
            refDir == null ? null : GreenMassLines.load(refDir, "--reference-onnx")) {
      int vocab = model.config().vocabSize();
      if (refModel != null && refModel.config().vocabSize() != vocab) {
        throw new UsageException(
            "--reference-onnx's vocabulary was "
                + refModel.config().vocabSize()
                + " tokens but the suspect's is "
                + vocab
                + "; they must read the same token ids");
      }
      for (int[] t : served.ids) {
        for (int id : t) {
          if (id >= vocab) {
            throw new UsageException(
                "--suspect-onnx's vocabulary was "
                    + vocab
                    + " tokens but the served texts hold token id "
                    + id
                    + "; the suspect must read our tokenizer's ids");
          }
        }
      }
      maxContexts = (int) Math.max(1, GreenMassLines.MASS_BYTES / (4L * vocab));
      err.printf(
          Locale.ROOT,
          "  green mass: the suspect%s read%s %d served texts (%d tokens)%n",
          refModel == null ? "" : " and the reference",
          refModel == null ? "s" : "",
          served.texts.size(),
          served.tokens());
      collected =
          GreenMass.collect(
              h,
              RadioactivitySetup.onnxDistributions(model),
              refModel == null ? null : RadioactivitySetup.onnxDistributions(refModel),
              served.ids,
              0,
              vocab,
              maxContexts);
    }
    List<MassTest> tests = new ArrayList<>();
    for (Claim c : kgw) {
      KgwSettings k = (KgwSettings) c.spec();
      for (GreenMass.Statistic st : GreenMass.Statistic.values()) {
        if (st != GreenMass.Statistic.PLAIN && refDir == null) {
          continue;
        }
        KgwScheme scheme = KgwScheme.of(c.key(), k);
        GreenMass.Result r = collected.test(scheme, st);
        GreenMassWrongKeys w =
            collected.wrongKeys(
                key -> KgwScheme.of(key, k), r.excess(), o.wrongKeys, o.wrongKeySeed, st);
        MassTest t = new MassTest("G" + (tests.size() + 1), c, st, r, w);
        tests.add(t);
        err.printf(
            Locale.ROOT,
            "  %s %s green mass, %s: %d contexts, z = %.2f, log10 p (bound) = %.2f, wrong keys at"
                + " least as high: %d of %d%n",
            t.id,
            c.key().id(),
            name(st),
            r.contexts(),
            r.z(),
            r.log10BoundP(),
            w.atLeast(),
            w.keys());
      }
    }
    return new EvidenceOpenWeights(
        model(dir), refDir == null ? null : model(refDir), collected, maxContexts, tests);
  }

  /**
   * The primary test under {@code --primary green-mass}: the first key's weighted test where a
   * reference read the texts, else its plain test.
   */
  MassTest primary() {
    for (MassTest t : tests) {
      if (t.statistic == GreenMass.Statistic.WEIGHTED) {
        return t;
      }
    }
    return tests.get(0);
  }

  /** A statistic's name in the report and in {@code evidence.json}. */
  static String name(GreenMass.Statistic s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  private static Model model(Path dir) throws IOException {
    return new Model(
        dir.toString().replace('\\', '/'),
        sha256(dir.resolve("model.onnx")),
        sha256(dir.resolve("config.json")));
  }

  /** Writes the distributions and the wrong keys' figures; {@code hash} records each file. */
  void write(Path dir, Consumer<String> hash) throws IOException {
    floats(dir.resolve(SUSPECT_FILE), collected::distribution);
    hash.accept(SUSPECT_FILE);
    if (collected.hasReference()) {
      floats(
          dir.resolve(DIFFERENCE_FILE),
          c -> java.util.Objects.requireNonNull(collected.difference(c)));
      hash.accept(DIFFERENCE_FILE);
    }
    StringBuilder sb = new StringBuilder("test,j,excess,normal_p\n");
    for (MassTest t : tests) {
      double[] e = t.wrongKeys.excesses();
      double[] p = t.wrongKeys.pValues();
      for (int j = 0; j < e.length; j++) {
        sb.append(t.id).append(',').append(j).append(',').append(e[j]).append(',').append(p[j]);
        sb.append('\n');
      }
    }
    Files.writeString(dir.resolve(CSV_FILE), sb.toString());
    hash.accept(CSV_FILE);
  }

  private void floats(Path file, IntFunction<float[]> rows) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 * collected.vocab()).order(ByteOrder.LITTLE_ENDIAN);
    try (OutputStream out =
        new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), 1 << 16)) {
      for (int c = 0; c < collected.contexts(); c++) {
        b.clear();
        b.asFloatBuffer().put(rows.apply(c));
        out.write(b.array());
      }
    }
  }

  /** {@code evidence.json}'s {@code open_weights} object. */
  void json(ObjectNode o) {
    model(o.putObject("suspect_model"), suspect);
    if (reference != null) {
      model(o.putObject("reference_model"), reference);
    } else {
      o.putNull("reference_model");
    }
    o.put("text", "served");
    o.put("context_width", collected.contextWidth());
    o.put("vocab", collected.vocab());
    o.put("max_contexts", maxContexts);
    o.put("distributions", SUSPECT_FILE);
    if (collected.hasReference()) {
      o.put("differences", DIFFERENCE_FILE);
    } else {
      o.putNull("differences");
    }
    o.put("wrong_keys_file", CSV_FILE);
    ArrayNode ctx = o.putArray("contexts");
    for (int c = 0; c < collected.contexts(); c++) {
      ArrayNode a = ctx.addArray();
      for (int x : collected.context(c)) {
        a.add(x);
      }
    }
    ArrayNode counts = o.putArray("texts_per_context");
    for (int c = 0; c < collected.contexts(); c++) {
      counts.add(collected.count(c));
    }
    ArrayNode ts = o.putArray("tests");
    for (MassTest t : tests) {
      ObjectNode j = ts.addObject();
      GreenMass.Result r = t.result;
      j.put("id", t.id);
      j.put("key_id", t.claim.key().id());
      j.put("commitment", t.claim.commitment().hex());
      ObjectNode p = j.putObject("parameters");
      t.claim.commitment().parameters().forEach(p::put);
      j.put("statistic", name(t.statistic));
      j.put("tokens", r.tokens());
      j.put("positions", r.positions());
      j.put("contexts", r.contexts());
      j.put("contexts_dropped", r.contextsDropped());
      j.put("gamma", r.gamma());
      j.put("green_share", r.greenShare());
      j.put("excess", r.excess());
      j.put("variance", r.variance());
      j.put("z", r.z());
      j.put("log10_p_normal", r.log10NormalP());
      j.put("log10_p", r.log10BoundP());
      j.put("bound_lambda", r.boundLambda());
      j.put("holm_log10_p", t.holmLog10);
      j.put("adjusted_log10_p", t.adjustedLog10);
      GreenMassWrongKeys w = t.wrongKeys;
      ObjectNode wk = j.putObject("wrong_keys");
      wk.put("keys", w.keys());
      wk.put("at_least", w.atLeast());
      wk.put("empirical_p", w.empiricalP());
      wk.put("ks_d", w.ks().d());
      wk.put("ks_p", w.ks().pValue());
      wk.put("below_0_001", w.belowMilli());
    }
  }

  private static void model(ObjectNode o, Model m) {
    o.put("path", m.path());
    o.put("model_onnx_sha256", m.modelSha256());
    o.put("config_json_sha256", m.configSha256());
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
