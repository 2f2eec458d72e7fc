package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.key.WatermarkKey;
import dev.moat.model.BundledModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat evidence --suspect-onnx}: the green-mass test of a suspect's weights in the report,
 * and the independent verifier recomputing it. The suspect whose answer is known: the bundled model
 * plus a logit bias of +0.5 on our green lists at the served contexts ({@code
 * examples/forensics/fixtures/make_green_student.py}, what a student that learned the watermark
 * there would carry); the bundled model itself, which never learned it, is the reference and, in a
 * second report, the suspect that must not be accused. Leaves the first report in {@code
 * examples/target/evidence-open-weights/}.
 *
 * <p>Needs Debian's {@code /usr/bin/python3} with onnx and numpy for the fixture, and {@code
 * python3} for the verifier: skipped where missing, except under CI ({@code CI} set), where that is
 * a failure.
 */
class EvidenceOpenWeightsTest {
  static final String HEX = EvidenceCommandTest.HEX;
  static final int PROMPTS = 8;
  static final int TOKENS = 48;
  static final Path FIXTURE = Path.of("../forensics/fixtures/make_green_student.py");

  @TempDir static Path dir;
  static Path keys;
  static Path suspect;
  static Path served;
  static Path student;
  static Path report;
  static MoatCliTest.Run evidence;

  @BeforeAll
  static void makeTheStudentAndTheReport() throws Exception {
    onnxOrSkip();
    keys = dir.resolve("owner.keys");
    Files.writeString(keys, "owner=" + HEX + "\n");
    List<String> marked = new ArrayList<>();
    List<String> clean = new ArrayList<>();
    List<int[]> markedIds = new ArrayList<>();
    try (BundledAnswers answers = new BundledAnswers(WatermarkKey.ofHex("owner", HEX))) {
      for (int p = 0; p < PROMPTS; p++) {
        String prompt = dev.moat.research.sim.Prompts.campaignPrompt(100 + p);
        marked.add(answers.answer(prompt, "free", 9_000L + p, TOKENS));
        clean.add(answers.answer(prompt, "clean", 9_000L + p, TOKENS));
        markedIds.add(answers.ids(marked.get(p)));
      }
    }
    suspect = dir.resolve("suspect.txt");
    Files.write(suspect, clean);
    served = dir.resolve("served.txt");
    Files.write(served, marked);
    Path ids = dir.resolve("served.ids");
    Files.write(
        ids,
        markedIds.stream()
            .map(t -> Arrays.stream(t).mapToObj(Integer::toString).collect(Collectors.joining(",")))
            .toList());
    student = dir.resolve("student");
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                FIXTURE.toString(),
                "--model",
                BundledModel.directory().toString(),
                "--ids",
                ids.toString(),
                "--key-hex",
                HEX,
                "--gamma",
                "0.25",
                "--delta",
                "0.5",
                "--out",
                student.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    report = dir.resolve("report");
    evidence =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--served",
            served.toString(),
            "--suspect-onnx",
            student.toString(),
            "--reference-onnx",
            "bundled",
            "--primary",
            "green-mass",
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--scheme",
            "kgw",
            "--wrong-keys",
            "200",
            "--out",
            report.toString());
    // Kept for reading: examples/target/evidence-open-weights/.
    Path kept = Path.of("../target/evidence-open-weights");
    Files.createDirectories(kept);
    try (Stream<Path> old = Files.list(kept)) {
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    if (Files.isDirectory(report)) {
      try (Stream<Path> files = Files.list(report)) {
        for (Path f : files.toList()) {
          Files.copy(f, kept.resolve(f.getFileName()));
        }
      }
    }
  }

  @Test
  void theGreenMassTestFindsTheStudentAndDecidesTheFinding() throws Exception {
    assertEquals(0, evidence.status(), evidence.err());
    JsonNode line = new ObjectMapper().readTree(evidence.out());
    assertEquals("G3", line.get("primary_test").asText(), evidence.out());
    assertTrue(line.get("trained_on_our_output").asBoolean(), evidence.out());
    JsonNode ev = new ObjectMapper().readTree(report.resolve("evidence.json").toFile());
    JsonNode ow = ev.get("open_weights");
    JsonNode g1 = ow.get("tests").get(0);
    JsonNode g2 = ow.get("tests").get(1);
    JsonNode g3 = ow.get("tests").get(2);
    assertEquals("plain", g1.get("statistic").asText());
    assertEquals("referenced", g2.get("statistic").asText());
    assertEquals("weighted", g3.get("statistic").asText());
    // +0.5 nats on every green token moves about g(1-g)(e^0.5 - 1) ~ 12% of a context's mass
    // towards green: both tests see it, the referenced one (no chance overlap) far more clearly.
    assertTrue(g1.get("log10_p").asDouble() < -6, g1.toString());
    assertTrue(g2.get("log10_p").asDouble() < g1.get("log10_p").asDouble(), g2.toString());
    assertTrue(g2.get("green_share").asDouble() > 0.05, g2.toString());
    assertEquals(0, g2.at("/wrong_keys/at_least").asInt(), g2.toString());
    assertTrue(g1.at("/wrong_keys/ks_p").asDouble() > 1e-3, "wrong keys uniform: " + g1);
    assertTrue(g3.get("log10_p").asDouble() < -6, g3.toString());
    assertEquals(0, g3.at("/wrong_keys/at_least").asInt(), g3.toString());
    // The black-box tests on the suspect's (clean) text, all of it and filtered to our served
    // contexts, find nothing; the key's family is those two and the three green-mass tests.
    JsonNode t1 = ev.get("tests").get(0);
    assertTrue(t1.get("log10_p").asDouble() > -3, t1.toString());
    assertEquals(5, ev.at("/claim/tests_for_key").asInt());
    assertEquals("G3", ev.at("/claim/test").asText());
    // Holm over the key's five tests: the i-th smallest p-value times (5 - i), never below the
    // one before it.
    List<JsonNode> family = new ArrayList<>();
    ev.get("tests").forEach(family::add);
    ow.get("tests").forEach(family::add);
    family.sort(java.util.Comparator.comparingDouble(t -> t.get("log10_p").asDouble()));
    double running = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < family.size(); i++) {
      JsonNode t = family.get(i);
      running = Math.max(running, Math.min(0, t.get("log10_p").asDouble() + Math.log10(5 - i)));
      assertEquals(running, t.get("adjusted_log10_p").asDouble(), 1e-9, t.toString());
    }
    assertEquals(
        ow.at("/suspect_model/model_onnx_sha256").asText(),
        EvidenceCommandTest.sha256(student.resolve("model.onnx")));
    String md = Files.readString(report.resolve("report.md"));
    assertTrue(md.contains("## Open weights: the green-mass test"), md);
    assertTrue(md.contains("the suspect's model **carries** our watermark"), md);
  }

  @Test
  void theVerifierRecomputesItAndCatchesAChangedDistribution() throws Exception {
    assertEquals(0, evidence.status(), evidence.err());
    String python = EvidenceCommandTest.python();
    // One probability of one context changed, every hash that lists the file updated to match.
    Path changed = dir.resolve("changed");
    Files.createDirectories(changed);
    try (Stream<Path> files = Files.list(report)) {
      for (Path f : files.toList()) {
        Files.copy(f, changed.resolve(f.getFileName()));
      }
    }
    Path rows = changed.resolve(EvidenceOpenWeights.SUSPECT_FILE);
    String before = EvidenceCommandTest.sha256(rows);
    byte[] raw;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(rows))) {
      raw = in.readAllBytes();
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(40, b.getFloat(40) + 0.01f);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(raw);
    }
    Files.write(rows, gz.toByteArray());
    Path json = changed.resolve("evidence.json");
    String jsonBefore = EvidenceCommandTest.sha256(json);
    Files.writeString(
        json, Files.readString(json).replace(before, EvidenceCommandTest.sha256(rows)));
    Path md = changed.resolve("report.md");
    Files.writeString(
        md,
        Files.readString(md)
            .replace(before, EvidenceCommandTest.sha256(rows))
            .replace(jsonBefore, EvidenceCommandTest.sha256(json)));

    Process good = EvidenceCommandTest.start(python, report, keys);
    Process bad = EvidenceCommandTest.start(python, changed, keys, EvidenceCommandTest.QUICK);
    EvidenceCommandTest.Verified ok = EvidenceCommandTest.finish(good);
    assertEquals(0, ok.status(), ok.out());
    assertTrue(ok.out().contains("ok    G3: Chernoff's bound at lambda"), ok.out());
    assertTrue(ok.out().contains("ok    G3: wrong keys' T recomputed for 3 keys"), ok.out());
    assertTrue(ok.out().contains("ok    report.md finding: primary p and contexts"), ok.out());
    EvidenceCommandTest.Verified tampered = EvidenceCommandTest.finish(bad);
    assertNotEquals(0, tampered.status(), tampered.out());
    assertTrue(tampered.out().contains("FAIL  G1: T = "), tampered.out());
    assertFalse(tampered.out().contains("FAIL  evidence.json: SHA-256"), tampered.out());
  }

  /** The bundled model as the suspect of its own watermarked output learned nothing. */
  @Test
  void aModelThatNeverLearnedTheKeyIsNotAccused() throws Exception {
    Path out = dir.resolve("clean-report");
    MoatCliTest.Run r =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--served",
            served.toString(),
            "--suspect-onnx",
            BundledModel.directory().toString(),
            "--primary",
            "green-mass",
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--scheme",
            "kgw",
            "--wrong-keys",
            "200",
            "--out",
            out.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode ev = new ObjectMapper().readTree(out.resolve("evidence.json").toFile());
    JsonNode g1 = ev.at("/open_weights/tests/0");
    assertEquals("G1", ev.at("/claim/test").asText());
    assertFalse(ev.at("/claim/detected").asBoolean(), g1.toString());
    assertTrue(g1.get("log10_p").asDouble() > -3, g1.toString());
    assertTrue(g1.at("/wrong_keys/ks_p").asDouble() > 1e-3, g1.toString());
    assertTrue(ev.at("/open_weights/differences").isNull());
  }

  @Test
  void badOptionsAreRefusedBeforeAnythingIsScored() {
    MoatCliTest.Run noServed =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--suspect-onnx",
            student.toString(),
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--out",
            dir.resolve("refused").toString());
    assertEquals(2, noServed.status(), noServed.err());
    assertTrue(noServed.err().contains("--suspect-onnx needs --served FILE"), noServed.err());
    MoatCliTest.Run gumbel =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--served",
            served.toString(),
            "--suspect-onnx",
            student.toString(),
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--scheme",
            "gumbel",
            "--out",
            dir.resolve("refused").toString());
    assertEquals(2, gumbel.status(), gumbel.err());
    assertTrue(gumbel.err().contains("the green-mass test takes left-hash KGW"), gumbel.err());
    MoatCliTest.Run primary =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--primary",
            "green-mass",
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--out",
            dir.resolve("refused").toString());
    assertEquals(2, primary.status(), primary.err());
    assertTrue(primary.err().contains("--primary was 'green-mass' without --suspect-onnx"));
    assertFalse(Files.exists(dir.resolve("refused")));
  }

  /** Debian's python3 with onnx and numpy: skipped where missing, a failure under CI. */
  static void onnxOrSkip() throws IOException, InterruptedException {
    boolean ok = Files.isExecutable(Path.of("/usr/bin/python3"));
    if (ok) {
      Process p =
          new ProcessBuilder("/usr/bin/python3", "-c", "import onnx, numpy")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
    if (!ok && System.getenv("CI") != null) {
      throw new IllegalStateException(
          "/usr/bin/python3 with onnx and numpy is missing; CI must install python3-onnx");
    }
    Assumptions.assumeTrue(ok, "/usr/bin/python3 with onnx and numpy is not installed here");
  }
}
