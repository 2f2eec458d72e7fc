package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat evidence} end to end on a tiny setup: the bundled model behind Moat answers 10
 * campaign prompts under a KGW tier (the suspect: a model that is the watermarked one) and under an
 * unprotected tier (the clean control), and 10 more under KGW (the text we served, for the filtered
 * test); the key's commitments are recorded with {@code ./moat keys commit} first. The report is
 * then checked by the independent Python verifier, which must pass, and must fail on a tampered
 * count, a tampered sample and a wrong key. No file written may hold the key. Leaves the report in
 * {@code examples/target/evidence/}.
 *
 * <p>The verifier needs {@code python3}: skipped where it is missing, except under CI ({@code CI}
 * set), where that is a failure.
 */
class EvidenceCommandTest {
  static final String HEX = "3c1f0e9a7b5d4c2e8f6a1b3d5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e";
  static final int PROMPTS = 10;
  static final int TOKENS = 56;
  static final Path VERIFIER = Path.of("../verify/moat_evidence_v1.py");

  /** Tampered copies: 2 wrong keys recomputed per control are enough to fail (20 by default). */
  static final String[] QUICK = {"--wrong-key-sample", "2"};

  @TempDir static Path dir;
  static Path keys;
  static Path commitments;
  static Path report;
  static MoatCliTest.Run evidence;

  @BeforeAll
  static void makeTheReport() throws Exception {
    WatermarkKey key = WatermarkKey.ofHex("owner", HEX);
    keys = dir.resolve("owner.keys");
    Files.writeString(keys, "owner=" + HEX + "\n");
    List<String> prompts = new ArrayList<>();
    for (int p = 0; p < 2 * PROMPTS; p++) {
      prompts.add(dev.moat.research.sim.Prompts.campaignPrompt(p));
    }
    List<String> marked = new ArrayList<>();
    List<String> clean = new ArrayList<>();
    try (BundledAnswers answers = new BundledAnswers(key)) {
      for (int p = 0; p < 2 * PROMPTS; p++) {
        for (String tier : p < PROMPTS ? List.of("free", "clean") : List.of("free")) {
          String answer = answers.answer(prompts.get(p), tier, 7_000L + p, TOKENS);
          (tier.equals("clean") ? clean : marked).add(answer);
        }
      }
    }
    Path suspect = dir.resolve("suspect.txt");
    Files.write(suspect, marked.subList(0, PROMPTS));
    Path served = dir.resolve("served.txt");
    Files.write(served, marked.subList(PROMPTS, 2 * PROMPTS));
    Path control = dir.resolve("control.txt");
    Files.write(control, clean);
    Path promptFile = dir.resolve("prompts.txt");
    Files.write(
        promptFile, prompts.subList(0, PROMPTS).stream().map(x -> x.replace("\n", "\\n")).toList());
    // The commitments, recorded when the key was made.
    MoatCliTest.Run commit =
        MoatCliTest.run(
            "keys",
            "commit",
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--scheme",
            "kgw,gumbel");
    assertEquals(0, commit.status(), commit.err());
    commitments = dir.resolve("commitments.jsonl");
    Files.writeString(commitments, commit.out());
    report = dir.resolve("report");
    evidence =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--prompts",
            promptFile.toString(),
            "--control",
            control.toString(),
            "--served",
            served.toString(),
            "--keys",
            keys.toString(),
            "--commitments",
            commitments.toString(),
            "--wrong-keys",
            "1000",
            "--out",
            report.toString());
    assertEquals(0, evidence.status(), evidence.err());
    Path kept = Path.of("../target/evidence");
    Files.createDirectories(kept);
    try (Stream<Path> old = Files.list(kept)) {
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    try (Stream<Path> files = Files.list(report)) {
      for (Path f : files.toList()) {
        Files.copy(f, kept.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void theReportHoldsTheFindingTheControlsAndTheCommitments() throws Exception {
    assertEquals(0, evidence.status(), evidence.err());
    JsonNode line = new ObjectMapper().readTree(evidence.out());
    assertEquals("T1", line.get("primary_test").asText());
    assertTrue(line.get("trained_on_our_output").asBoolean(), evidence.out());
    JsonNode ev = new ObjectMapper().readTree(report.resolve("evidence.json").toFile());
    // Four tests: KGW and Gumbel, each on all text and filtered to our served contexts.
    assertEquals(4, ev.get("tests").size());
    assertEquals("moat-kgw-v1", ev.get("tests").get(0).get("parameters").get("scheme").asText());
    assertTrue(ev.get("tests").get(0).get("filtered").asBoolean() == false);
    assertEquals("moat-gumbel-v2", ev.get("tests").get(2).get("parameters").get("scheme").asText());
    JsonNode t1 = ev.get("tests").get(0);
    assertTrue(t1.get("log10_p").asDouble() < -6, t1.toString());
    assertTrue(t1.get("tuples").asInt() > 300, t1.toString());
    // The clean control is not accused; no wrong key reaches the true key's score.
    assertTrue(t1.get("control").get("log10_p").asDouble() > -3, t1.toString());
    JsonNode c1 = ev.get("controls").get(0);
    assertEquals(0, c1.get("at_least").asInt(), c1.toString());
    assertEquals(1.0 / 1001, c1.get("empirical_p").asDouble(), 1e-15);
    assertTrue(c1.get("ks_p").asDouble() > 1e-3, "wrong keys' p-values uniform: " + c1);
    // Holm over the key's four tests: the smallest p-value times 4.
    assertEquals(
        t1.get("log10_p").asDouble() + Math.log10(4), t1.get("adjusted_log10_p").asDouble(), 1e-9);
    assertFalse(ev.get("public_demo_key").asBoolean());
    for (JsonNode c : ev.get("commitments")) {
      assertTrue(c.get("recorded_before_this_report").asBoolean());
    }
    String md = Files.readString(report.resolve("report.md"));
    for (String s :
        List.of(
            "## Finding",
            "## Key commitment",
            "## Method",
            "## Results",
            "## Wrong-key control",
            "## No-dedup ablation",
            "## Samples",
            "## Reproduce",
            "./moat evidence --suspect",
            "python3 examples/verify/moat_evidence_v1.py",
            "./moat keys commit --keys KEYS_FILE --key-id owner --scheme kgw --gamma 0.25",
            "![Histogram of the wrong keys' p-values](null-pvalues.png)",
            ev.get("commitments").get(0).get("commitment").asText())) {
      assertTrue(md.contains(s), "report.md lacks: " + s);
    }
    for (String f : List.of("null-pvalues.png", "null-qq.png")) {
      byte[] png = Files.readAllBytes(report.resolve(f));
      assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f);
    }
  }

  /** The key, in raw bytes, hex (either case) or Base64 (either alphabet), is in no file. */
  @Test
  void theKeyIsInNoFileWritten() throws Exception {
    assertEquals(0, evidence.status(), evidence.err());
    byte[] raw = HexFormat.of().parseHex(HEX);
    List<byte[]> forms = new ArrayList<>();
    forms.add(raw);
    for (String s :
        List.of(
            HEX,
            HEX.toUpperCase(java.util.Locale.ROOT),
            Base64.getEncoder().encodeToString(raw),
            Base64.getEncoder().withoutPadding().encodeToString(raw),
            Base64.getUrlEncoder().withoutPadding().encodeToString(raw),
            // Half the key is still a leak.
            HEX.substring(0, 32),
            HEX.substring(32))) {
      forms.add(s.getBytes(StandardCharsets.US_ASCII));
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(report)) {
      files = s.toList();
    }
    assertTrue(files.size() >= 9, files.toString());
    for (Path f : files) {
      byte[] data = Files.readAllBytes(f);
      for (byte[] form : forms) {
        assertFalse(
            indexOf(data, form) >= 0,
            f.getFileName()
                + " holds the key ("
                + new String(form, StandardCharsets.ISO_8859_1)
                + ")");
      }
    }
    assertFalse(evidence.out().contains(HEX) || evidence.err().contains(HEX));
  }

  @Test
  void theIndependentVerifierPassesItAndCatchesTampering() throws Exception {
    assertEquals(0, evidence.status(), evidence.err());
    String python = python();
    JsonNode t1 =
        new ObjectMapper().readTree(report.resolve("evidence.json").toFile()).get("tests").get(0);

    // A changed count in the report's results table.
    Path counted = copy("counted");
    Path md = counted.resolve("report.md");
    String row = "| " + t1.get("tuples").asText() + " | " + t1.get("score").asInt() + " |";
    String text = Files.readString(md);
    assertTrue(text.contains(row), row);
    Files.writeString(
        md,
        text.replace(
            row, "| " + t1.get("tuples").asText() + " | " + (t1.get("score").asInt() + 7) + " |"));

    // A changed count in evidence.json (its hash, listed in report.md, changes too).
    Path json = copy("json");
    Path ev = json.resolve("evidence.json");
    Files.writeString(
        ev,
        Files.readString(ev)
            .replaceFirst(
                "\"tuples\" : " + t1.get("tuples").asText(),
                "\"tuples\" : " + (t1.get("tuples").asInt() - 1)));

    // A sample's token changed, and the listed hashes updated to match: the recomputation, not
    // only the hashes, must catch it.
    Path sampled = copy("sampled");
    Path samples = sampled.resolve("samples.jsonl");
    String before = sha256(samples);
    String first = Files.readAllLines(samples).get(0);
    String changed = first.replaceFirst("\"ids\":\\[(\\d+),(\\d+)", "\"ids\":[$2,$1");
    assertNotEquals(first, changed);
    Files.writeString(samples, Files.readString(samples).replace(first, changed));
    Path sampledJson = sampled.resolve("evidence.json");
    String jsonBefore = sha256(sampledJson);
    Files.writeString(sampledJson, Files.readString(sampledJson).replace(before, sha256(samples)));
    Path sampledMd = sampled.resolve("report.md");
    Files.writeString(
        sampledMd,
        Files.readString(sampledMd)
            .replace(before, sha256(samples))
            .replace(jsonBefore, sha256(sampledJson)));

    // The wrong key: same id, other material.
    Path wrong = dir.resolve("wrong.keys");
    Files.writeString(wrong, "owner=" + HEX.replace('3', '4') + "\n");

    // The five runs in parallel; tampered copies recompute 2 wrong keys per control, not 20.
    Process good = start(python, report, keys);
    Process p1 = start(python, counted, keys, QUICK);
    Process p2 = start(python, json, keys, QUICK);
    Process p3 = start(python, sampled, keys, QUICK);
    Process p4 = start(python, report, wrong, QUICK);
    Verified ok = finish(good);
    assertEquals(0, ok.status(), ok.out());
    assertTrue(ok.out().contains("VERIFIED: all"), ok.out());
    Verified tampered = finish(p1);
    assertNotEquals(0, tampered.status(), tampered.out());
    assertTrue(tampered.out().contains("FAIL  report.md T1: key owner,"), tampered.out());
    Verified jsonTampered = finish(p2);
    assertNotEquals(0, jsonTampered.status(), jsonTampered.out());
    assertTrue(jsonTampered.out().contains("FAIL  T1: "), jsonTampered.out());
    assertTrue(
        jsonTampered.out().contains("FAIL  report.md: SHA-256 of evidence.json"),
        jsonTampered.out());
    Verified sampleTampered = finish(p3);
    assertNotEquals(0, sampleTampered.status(), sampleTampered.out());
    assertFalse(
        sampleTampered.out().contains("FAIL  evidence.json: SHA-256"), sampleTampered.out());
    assertTrue(
        sampleTampered.out().contains("FAIL  suspect: token ids are the tokenizer's encoding"),
        sampleTampered.out());
    Verified wrongKey = finish(p4);
    assertNotEquals(0, wrongKey.status(), wrongKey.out());
    assertTrue(wrongKey.out().contains("FAIL  key 'owner' opens commitment"), wrongKey.out());
  }

  @Test
  void aKeyThatDoesNotOpenTheRecordedCommitmentIsRefused() throws Exception {
    Path other = dir.resolve("other.keys");
    Files.writeString(other, "owner=" + HEX.replace('a', 'b') + "\n");
    MoatCliTest.Run r =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            dir.resolve("suspect.txt").toString(),
            "--keys",
            other.toString(),
            "--commitments",
            commitments.toString(),
            "--out",
            dir.resolve("refused").toString());
    assertEquals(2, r.status(), r.err());
    String hex =
        new ObjectMapper()
            .readTree(Files.readAllLines(commitments).get(0))
            .get("commitment")
            .asText();
    assertEquals(
        "moat evidence: the key 'owner' in the keys does not open the commitment "
            + hex
            + " recorded in "
            + commitments
            + " line 1: a different key, parameters or version was committed\n",
        r.err());
    assertFalse(Files.exists(dir.resolve("refused")));
    MoatCliTest.Run both =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            dir.resolve("suspect.txt").toString(),
            "--commitments",
            commitments.toString(),
            "--gamma",
            "0.5",
            "--out",
            dir.resolve("refused").toString());
    assertEquals(2, both.status());
    assertEquals(
        "moat evidence: --gamma cannot be combined with --commitments: the committed parameters"
            + " are the ones tested\n",
        both.err());
  }

  /**
   * Without recorded commitments the keys and scheme come from the options and the commitments are
   * computed for the report, which says so; the public demo keys are named as worthless; two keys
   * scanned double each p-value (Bonferroni), and the verifier agrees.
   */
  @Test
  void withoutRecordedCommitmentsTheReportSaysSoAndWarnsOfTheDemoKey() throws Exception {
    Path out = dir.resolve("demo-report");
    MoatCliTest.Run r =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            dir.resolve("suspect.txt").toString(),
            "--key-id",
            "demo-2026,demo-noise-2026",
            "--scheme",
            "kgw",
            "--gamma",
            "0.5",
            "--wrong-keys",
            "100",
            "--out",
            out.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.err().contains("public demo key"), r.err());
    String md = Files.readString(out.resolve("report.md"));
    assertTrue(md.contains("**Warning: the key used is Moat's public demo key.**"), md);
    assertTrue(md.contains("computed for this report (no recorded commitment given)"), md);
    JsonNode ev = new ObjectMapper().readTree(out.resolve("evidence.json").toFile());
    assertTrue(ev.get("public_demo_key").asBoolean());
    assertEquals("0.5", ev.get("tests").get(0).get("parameters").get("gamma").asText());
    assertEquals(2, ev.get("tests").size()); // no --served: one test per key
    assertEquals(2, ev.get("claim").get("keys_scanned").asInt());
    for (JsonNode t : ev.get("tests")) {
      assertEquals(
          Math.min(0, t.get("log10_p").asDouble() + Math.log10(2)),
          t.get("adjusted_log10_p").asDouble(),
          1e-12,
          t.toString());
    }
    assertEquals(100, ev.get("wrong_keys").get("count").asInt());
    // The suspect was marked with another key: not detected under the demo keys.
    assertFalse(ev.get("claim").get("detected").asBoolean(), ev.get("claim").toString());
    Verified v =
        finish(
            start(
                python(),
                out,
                Path.of("src/main/resources/dev/moat/examples/demo-keys.properties"),
                QUICK));
    assertEquals(0, v.status(), v.out());
    assertTrue(v.out().contains("adjusted for 2 key(s)"), v.out());
  }

  @Test
  void keysNewWritesAKeyThatOpensTheCommitmentItPrints() throws Exception {
    Path file = dir.resolve("new.keys");
    MoatCliTest.Run r =
        MoatCliTest.run("keys", "new", "--key-id", "k2027", "--out", file.toString());
    assertEquals(0, r.status(), r.err());
    WatermarkKey key = WatermarkKeys.fromFile(file).get("k2027").orElseThrow();
    JsonNode c = new ObjectMapper().readTree(r.out());
    dev.moat.key.KeyCommitment recorded =
        EvidenceClaims.parseCommitment(r.out().strip(), "keys new output");
    assertTrue(recorded.opensWith(key), c.toString());
    String material =
        Files.readString(file)
            .lines()
            .filter(l -> l.startsWith("k2027="))
            .findFirst()
            .orElseThrow();
    assertFalse(r.out().contains(material.substring(6)) || r.err().contains(material.substring(6)));
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(
          "rw-------",
          java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(file)));
    }
    // A second key goes into the same file; the same id again is refused.
    assertEquals(
        0, MoatCliTest.run("keys", "new", "--key-id", "k2028", "--out", file.toString()).status());
    assertEquals(Set.of("k2027", "k2028"), WatermarkKeys.fromFile(file).ids());
    MoatCliTest.Run again =
        MoatCliTest.run("keys", "new", "--key-id", "k2027", "--out", file.toString());
    assertEquals(2, again.status());
    assertEquals(
        "moat keys new: --key-id was 'k2027' but " + file + " already holds a key of that id\n",
        again.err());
    MoatCliTest.Run bad = MoatCliTest.run("keys", "rotate");
    assertEquals(2, bad.status());
  }

  /**
   * A campaign group's answers, marked under {@code group_keys} with the group's own key, are
   * proven with that key by id ({@code owner/g-5}): its commitment is recorded from the tier's key
   * file, the report finds the watermark, and the verifier, given only the tier's key file, derives
   * the group's key itself and passes. The tier's own key does not find it.
   */
  @Test
  void aGroupsHarvestIsProvenWithTheGroupsKeyDerivedFromTheTierKey() throws Exception {
    WatermarkKey key = WatermarkKey.ofHex("owner", HEX);
    List<String> marked = new ArrayList<>();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled();
        Moat moat =
            Moat.builder()
                .policy(
                    Policy.of(
                        "group-keys",
                        TierPolicy.of(
                            "free",
                            new dev.moat.watermark.GroupKeyed(
                                KgwSettings.builder()
                                    .keyId("owner")
                                    .gamma(0.25)
                                    .delta(2.0)
                                    .build()),
                            Set.of())))
                .keys(WatermarkKeys.of(key))
                .audit(x -> {})
                .build()) {
      OnnxGenerator gen = new OnnxGenerator(model);
      for (int p = 0; p < PROMPTS; p++) {
        String prompt = dev.moat.research.sim.Prompts.campaignPrompt(p);
        int[] ids = text.encode(prompt, model.config().bosTokenId());
        RequestContext ctx =
            RequestContext.builder()
                .account("campaign-" + p)
                .tier("free")
                .vocabSize(model.config().vocabSize())
                .prompt(prompt, ids)
                .specialTokens(model.config().eosTokenId())
                .probing(1, "g-5")
                .sampling(
                    SamplingParams.builder()
                        .temperature(1f)
                        .seed(9_000L + p)
                        .maxTokens(TOKENS)
                        .build())
                .build();
        marked.add(
            text.decode(gen.generate(ids, moat.begin(ctx), TokenSink.NONE).tokens())
                .replace("\n", "\\n"));
      }
    }
    Path suspect = dir.resolve("group-suspect.txt");
    Files.write(suspect, marked);
    MoatCliTest.Run commit =
        MoatCliTest.run(
            "keys",
            "commit",
            "--keys",
            keys.toString(),
            "--key-id",
            "owner/g-5",
            "--scheme",
            "kgw");
    assertEquals(0, commit.status(), commit.err());
    Path recorded = dir.resolve("group-commitments.jsonl");
    Files.writeString(recorded, commit.out());
    Path out = dir.resolve("group-report");
    MoatCliTest.Run r =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--keys",
            keys.toString(),
            "--commitments",
            recorded.toString(),
            "--wrong-keys",
            "100",
            "--out",
            out.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode ev = new ObjectMapper().readTree(out.resolve("evidence.json").toFile());
    assertTrue(ev.get("claim").get("detected").asBoolean(), ev.get("claim").toString());
    assertEquals("owner/g-5", ev.get("tests").get(0).get("key_id").asText());
    Verified v = finish(start(python(), out, keys, QUICK));
    assertEquals(0, v.status(), v.out());
    // The tier's own key finds nothing in the group's answers.
    Path plain = dir.resolve("group-report-tier-key");
    MoatCliTest.Run t =
        MoatCliTest.run(
            "evidence",
            "--suspect",
            suspect.toString(),
            "--keys",
            keys.toString(),
            "--key-id",
            "owner",
            "--scheme",
            "kgw",
            "--wrong-keys",
            "100",
            "--out",
            plain.toString());
    assertEquals(0, t.status(), t.err());
    JsonNode tv = new ObjectMapper().readTree(plain.resolve("evidence.json").toFile());
    assertFalse(tv.get("claim").get("detected").asBoolean(), tv.get("claim").toString());
  }

  record Verified(int status, String out) {}

  static Process start(String python, Path reportDir, Path keyFile, String... more)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                python, VERIFIER.toString(), reportDir.toString(), "--keys", keyFile.toString()));
    cmd.addAll(List.of(more));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  static Verified finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the verifier finished");
    return new Verified(p.exitValue(), out);
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** {@code python3} on the PATH; skipped if missing, failed under CI. */
  static String python() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "python3"))) {
        return Path.of(d, "python3").toString();
      }
    }
    if (System.getenv("CI") != null) {
      throw new IllegalStateException("python3 is not installed; CI must install it (.ci/run)");
    }
    Assumptions.abort("python3 is not installed here (CI installs it): the verifier is not run");
    throw new AssertionError("unreachable");
  }

  private static Path copy(String name) throws IOException {
    Path to = dir.resolve(name);
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(report)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  private static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
