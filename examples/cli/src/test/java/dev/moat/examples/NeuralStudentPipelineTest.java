package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The neural-student experiment ({@code examples/forensics/students}) end to end on its tiny grid:
 * the bundled model behind Moat writes a harvest ({@code radioactivity --export-harvest}), PyTorch
 * trains three students on it (a clean one, a fully watermarked one, and one fine-tuned from a
 * clean base), each writes its texts and is exported to ONNX, and Moat's own commands test each one
 * ({@code evidence} with 100 wrong keys and the clean student as control, {@code radioactivity
 * --suspect-onnx}); then the adversary's scrubs run on the watermarked one. Students this small
 * learn nothing: the test checks the pipeline (every step ran, on the data it should have), not
 * detection, which the experiment's report measures.
 *
 * <p>Needs Debian's {@code /usr/bin/python3} with torch, onnx and regex ({@code .ci/run} installs
 * them): skipped where they are missing, except under CI ({@code CI} set), where that is a failure.
 */
class NeuralStudentPipelineTest {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path EXPERIMENT = Path.of("../forensics/students/experiment.py");

  @TempDir Path work;

  @Test
  void tinyGridRunsEndToEnd() throws Exception {
    torchOrSkip();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String moat =
        String.join(
            " ",
            java,
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path").replace(" ", "\\ "),
            MoatCli.class.getName());
    Run r = tiny("run", moat);
    assertEquals(0, r.status(), r.out());
    ObjectMapper json = new ObjectMapper();
    JsonNode manifest = json.readTree(work.resolve("harvest/manifest.json").toFile());
    assertEquals(20, manifest.get("prompts").asInt());
    assertEquals("lefthash", manifest.at("/schemes/kgw-h-1/seeding").asText());
    assertFalse(manifest.toString().contains("71756c69"), "the manifest never holds the key");
    List<JsonNode> rows = new ArrayList<>();
    List<JsonNode> gumbel = new ArrayList<>();
    for (String line : Files.readAllLines(work.resolve("results.jsonl"))) {
      JsonNode row = json.readTree(line);
      (row.get("tested_for").asText().equals("gumbel-h-1") ? gumbel : rows).add(row);
    }
    assertEquals(4, rows.size(), rows.toString());
    // The clean student is tested under Gumbel too, open weights without the green-mass tests
    // (KGW's): run stopped there before 2026-12-06, passing Gumbel a reference it refuses.
    assertEquals(1, gumbel.size(), gumbel.toString());
    JsonNode g = gumbel.get(0);
    assertEquals(0, g.get("rho").asDouble(), g.toString());
    assertEquals(100, g.at("/evidence/wrong_keys").asInt(), g.toString());
    assertEquals("open-weights", g.at("/open_weights/mode").asText(), g.toString());
    assertTrue(g.at("/open_weights/tuples_scored").asInt() > 0, g.toString());
    // The grid's students in order: clean, fully watermarked, fine-tuned fully watermarked, and
    // one on the ADF-style fingerprint's harvest (exported apart, tested by the KGW test).
    int[] watermarked = {0, 16, 10, 16};
    String[] kinds = {"scratch", "scratch", "finetune", "scratch"};
    String[] tested = {"kgw-h-1", "kgw-h-1", "kgw-h-1", "adf-style-fingerprint-h-1-detected"};
    JsonNode adf = json.readTree(work.resolve("harvest-adf/manifest.json").toFile());
    assertEquals(
        "adf-style fingerprint", adf.at("/schemes/" + tested[3] + "/generated_by").asText());
    for (int i = 0; i < 4; i++) {
      JsonNode row = rows.get(i);
      assertEquals(kinds[i], row.get("kind").asText(), row.toString());
      assertEquals(tested[i], row.get("tested_for").asText());
      assertEquals(watermarked[i], row.get("watermarked_answers").asInt(), row.toString());
      JsonNode e = row.get("evidence");
      assertEquals(100, e.get("wrong_keys").asInt(), e.toString());
      double ks = e.get("ks_p").asDouble();
      assertTrue(ks >= 0 && ks <= 1, e.toString());
      assertTrue(e.get("tuples").asInt() > 100, e.toString());
      assertEquals("open-weights", row.at("/open_weights/mode").asText(), row.toString());
      assertTrue(row.at("/open_weights/tuples_scored").asInt() > 0, row.toString());
      // The green-mass tests ride on the same pass: plain, and referenced against the teacher.
      assertTrue(row.at("/open_weights/green_mass/contexts").asInt() > 0, row.toString());
      assertEquals(100, row.at("/open_weights/green_mass/wrong_keys").asInt(), row.toString());
      assertTrue(row.at("/open_weights/green_mass_referenced/variance").asDouble() > 0);
      // Against the clean replica: only the scratch student with a rho = 0 twin has one.
      assertEquals(
          i == 1, row.at("/open_weights_replica/green_mass_referenced").isObject(), row.toString());
      double ppl = row.get("heldout_perplexity").asDouble();
      assertTrue(ppl > 1 && Double.isFinite(ppl), row.toString());
      // The first student is the control of the others.
      assertEquals(i > 0, !e.get("control_log10_p").isNull(), e.toString());
    }
    assertTrue(Files.exists(work.resolve("scratch-kgw-h-1-rho1-seed1/onnx/model.onnx")));
    // The adversary: two green-list estimates (8 and 16 answers), a bias scrub with each, a
    // student trained on answers rewritten away from the second estimate, and a clean
    // fine-tune; each scrubbed student tested like the others.
    Run adv = tiny("adversary", moat);
    assertEquals(0, adv.status(), adv.out());
    List<String> scrubs = Files.readAllLines(work.resolve("adversary.jsonl"));
    assertEquals(4, scrubs.size(), scrubs.toString());
    for (String line : scrubs) {
      JsonNode s = json.readTree(line);
      assertEquals(100, s.at("/evidence/wrong_keys").asInt(), line);
      assertTrue(s.get("perplexity").asDouble() > 1, line);
      if (s.get("scrub").asText().equals("bias")) {
        double p = s.at("/estimate/precision").asDouble();
        double b = s.at("/estimate/balanced_accuracy").asDouble();
        assertTrue(p >= 0 && p <= 1 && b >= 0 && b <= 1, line);
        assertTrue(s.at("/estimate/contexts_estimated").asInt() > 0, line);
      }
      if (s.get("scrub").asText().equals("rewrite")) {
        double share = s.at("/estimate/replaced_share").asDouble(-1);
        assertTrue(share > 0 && share < 1, line); // some estimated-green tokens were replaced
        assertTrue(Files.exists(work.resolve("scratch-kgw-h-1-rho1-seed1/scrubbed-rewrite.pt")));
      }
    }
    Path report = work.resolve("STUDENTS.md");
    Run rep =
        run(
            PYTHON.toString(),
            EXPERIMENT.toString(),
            "report",
            "--work",
            work.toString(),
            "--out",
            report.toString());
    assertEquals(0, rep.status(), rep.out());
    String md = Files.readString(report);
    assertTrue(md.contains("| finetune | kgw-h-1 | 1 | 1 | kgw-h-1 |"), md);
  }

  /** {@code experiment.py SUB --grid tiny} in this test's directory, Moat run by {@code moat}. */
  private Run tiny(String sub, String moat) throws Exception {
    return run(
        PYTHON.toString(),
        EXPERIMENT.toString(),
        sub,
        "--grid",
        "tiny",
        "--work",
        work.toString(),
        "--moat",
        moat);
  }

  record Run(int status, String out) {}

  static Run run(String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OPT_OUT_TRACKING", "true");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(600, TimeUnit.SECONDS), "finished");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static void torchOrSkip() throws Exception {
    boolean ok =
        new File(PYTHON.toString()).canExecute()
            && run(PYTHON.toString(), "-c", "import torch, onnx, regex").status() == 0;
    if (!ok) {
      if (System.getenv("CI") != null) {
        throw new IllegalStateException(
            "/usr/bin/python3 lacks torch, onnx or regex; CI must install them (.ci/run)");
      }
      Assumptions.abort("no torch for /usr/bin/python3 here (CI installs it)");
    }
  }
}
