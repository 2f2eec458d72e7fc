package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MoatCliTest {
  record Run(int status, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        MoatCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpListsTheSubcommands() {
    Run r = run("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("demo ") && r.out().contains("detect "), r.out());
  }

  @Test
  void detectAgreesWithTheIndependentPythonImplementation() throws Exception {
    // Expected values from examples/verify/moat_kgw_v1.py (standard-library Python written from the
    // README's specification) on the demo key:
    //   --key-hex 6d6f…3236 --gamma 0.25 --h 1 --tokens 0,796,…,4000
    //   -> tokens_scored 22, green_tokens 5, z_score -0.24618298195866545
    Run r =
        run(
            "detect",
            "--tokens",
            "0,796,693,2047,1001,17,423,99,3000,12,12,12,77,401,2048,5,6,7,8,9,10,11,4000",
            "--key-id",
            "demo-2026");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(22, j.get("num_tokens_scored").intValue());
    assertEquals(5, j.get("num_green_tokens").intValue());
    assertEquals(-0.24618298195866545, j.get("z_score").doubleValue(), 1e-12);
    assertEquals(false, j.get("prediction").booleanValue());
    assertTrue(r.err().contains("public demo key"), "says it is using the demo key");
  }

  @Test
  void selfHashDetectionAgreesWithTheIndependentPythonImplementation() throws Exception {
    // examples/verify/moat_kgw_v1.py --key-hex 6d6f…3236 --gamma 0.25 --h 2 --seeding selfhash
    //   --tokens 0,796,…,4000  -> tokens_scored 21, green_tokens 8, z_score 1.3858697343671664
    Run r =
        run(
            "detect",
            "--tokens",
            "0,796,693,2047,1001,17,423,99,3000,12,12,12,77,401,2048,5,6,7,8,9,10,11,4000",
            "--key-id",
            "demo-2026",
            "--context-width",
            "2",
            "--seeding",
            "selfhash");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(21, j.get("num_tokens_scored").intValue());
    assertEquals(8, j.get("num_green_tokens").intValue());
    assertEquals(1.3858697343671664, j.get("z_score").doubleValue(), 1e-12);
    assertEquals("selfhash", j.get("seeding").asText());
    Run bad = run("detect", "--tokens", "1,2", "--seeding", "righthash");
    assertEquals(2, bad.status());
    assertEquals(
        "moat detect: --seeding was 'righthash' but it must be lefthash or selfhash\n", bad.err());
  }

  @Test
  void detectScoresACorpusAsOneBodyOfEvidence(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path corpus = dir.resolve("corpus.jsonl");
    String ids = "[0,796,693,2047,1001,17,423,99,3000,12,12,12,77,401,2048,5,6,7,8,9,10,11,4000]";
    java.nio.file.Files.writeString(corpus, ids + "\n\n" + ids + "\n" + ids + "\n");
    Run pooled = run("detect", "--corpus", corpus.toString(), "--key-id", "demo-2026");
    Run deduped =
        run("detect", "--corpus", corpus.toString(), "--key-id", "demo-2026", "--ignore-repeated");
    assertEquals(0, pooled.status(), pooled.err());
    JsonNode p = new ObjectMapper().readTree(pooled.out());
    JsonNode d = new ObjectMapper().readTree(deduped.out());
    assertEquals(3, p.get("num_texts").intValue());
    assertEquals(66, p.get("num_tokens_scored").intValue()); // 22 per text, three times
    assertEquals(15, p.get("num_green_tokens").intValue());
    // Across texts each (context, token) pair counts once; "12,12" repeats inside the text too.
    assertEquals(21, d.get("num_tokens_scored").intValue());
    java.nio.file.Files.writeString(corpus, ids + "\n[1,-2]\n");
    Run bad = run("detect", "--corpus", corpus.toString(), "--key-id", "demo-2026");
    assertEquals(2, bad.status());
    assertEquals(
        "moat detect: --corpus "
            + corpus
            + " line 2 ('[1,-2]') item 2 was '-2' but it must be a non-negative integer token id\n",
        bad.err());
  }

  @Test
  void simulateWritesATraceTheReaderAcceptsAndLabelsForEveryAccount(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path trace = dir.resolve("t.jsonl.gz");
    java.nio.file.Path labels = dir.resolve("labels.json");
    Run r =
        run(
            "simulate",
            "--scale",
            "0.01",
            "--days",
            "0.5",
            "--out",
            trace.toString(),
            "--labels",
            labels.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().startsWith("wrote "), r.out());
    long n = 0;
    java.util.List<String> problems = new java.util.ArrayList<>();
    try (dev.moat.detect.TraceReader reader =
        dev.moat.detect.TraceReader.open(trace, problems::add)) {
      while (reader.next() != null) {
        n++;
      }
    }
    assertEquals(java.util.List.of(), problems);
    assertTrue(r.out().contains(String.format("wrote %,d requests", n)), r.out());
    JsonNode l = new ObjectMapper().readTree(labels.toFile());
    assertEquals("campaign-hydra", l.get("campaign-hydra-0").asText());
    assertEquals("casual", l.get("casual-0").asText());
    java.nio.file.Path export = dir.resolve("harvest");
    Run badScheme =
        run(
            "radioactivity",
            "--export-harvest",
            export.toString(),
            "--export-schemes",
            "kgw,aaronson");
    assertEquals(2, badScheme.status());
    assertEquals(
        "moat radioactivity: --export-schemes was 'aaronson' but it must be kgw, selfhash, gumbel, adf or kgw2"
            + " (comma-separated)\n",
        badScheme.err());
    assertFalse(java.nio.file.Files.exists(export), "nothing written");
    Run bad = run("simulate", "--scenario", "chaos", "--out", trace.toString());
    assertEquals(2, bad.status());
    assertEquals(
        "moat simulate: --scenario was 'chaos' but it must be mixed, stealth or campaign\n",
        bad.err());
  }

  @Test
  void detectInHuggingFaceModeEqualsWatermarkDetector() throws Exception {
    // The "watermarked" vector of shared/anchors/hf-kgw-lefthash-vectors.json (transformers 5.17),
    // with Hugging Face's bos (vocab_size - 1) in front, which its detector drops.
    Run r =
        run(
            "detect",
            "--scheme",
            "kgw-hf",
            "--vocab-size",
            "1000",
            "--gamma",
            "0.25",
            "--hash-key",
            "15485863",
            "--tokens",
            "999,84,608,611,847,292,384,652,815,817,853,804,564,623,216,187,297,909,309,67,693,349,554,646,33,508");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(24, j.get("num_tokens_scored").intValue());
    assertEquals(20, j.get("num_green_tokens").intValue());
    assertEquals(6.599663291074444, j.get("z_score").doubleValue(), 1e-12);
  }

  @Test
  void detectTriesRetiredKeysAndCorrectsForThem(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path keys = dir.resolve("keys.txt");
    java.nio.file.Files.writeString(
        keys,
        """
        # test keys
        k2026=00112233445566778899aabbccddeeff
        demo-2026=6d6f61742d64656d6f2d6b65792d6e6f742d612d7365637265742d32303236
        """);
    // Text watermarked by the demo under its key: found when the retired key is listed second.
    Run demo =
        run("demo", "--prompt", "The Python interpreter", "--max-tokens", "80", "--tiers", "free");
    assertEquals(0, demo.status(), demo.err());
    String text =
        demo.out()
            .substring(
                demo.out().indexOf("The Python interpreter"),
                demo.out().indexOf("  policy applied"));
    Run one =
        run("detect", "--keys", keys.toString(), "--key-id", "demo-2026", "--text", text.strip());
    Run both =
        run(
            "detect",
            "--keys",
            keys.toString(),
            "--key-id",
            "k2026,demo-2026",
            "--text",
            text.strip());
    JsonNode j1 = new ObjectMapper().readTree(one.out());
    JsonNode j2 = new ObjectMapper().readTree(both.out());
    assertEquals("demo-2026", j2.get("key_id").asText());
    assertEquals(2, j2.get("keys_tried").intValue());
    assertEquals(
        j1.get("log10_p_value").doubleValue() + Math.log10(2),
        j2.get("log10_p_value").doubleValue(),
        1e-9);
    Run window =
        run(
            "detect",
            "--keys",
            keys.toString(),
            "--key-id",
            "demo-2026",
            "--window",
            "30",
            "--text",
            text.strip());
    assertEquals(
        30,
        new ObjectMapper().readTree(window.out()).get("num_tokens_scored").intValue(),
        window.err());
  }

  @Test
  void usageErrorsNameTheOptionAndValue() {
    Run unknown = run("detect", "--tokens", "1,2", "--gama", "0.3");
    assertEquals(2, unknown.status());
    assertTrue(
        unknown
            .err()
            .startsWith("moat detect: unknown option '--gama'; options: --scheme, --tokens,"),
        unknown.err());
    Run badToken = run("detect", "--tokens", "1,x,3");
    assertEquals(
        "moat detect: --tokens item 2 was 'x' but it must be a non-negative integer token id\n",
        badToken.err());
    Run badGamma = run("detect", "--tokens", "1,2", "--gamma", "1.5");
    assertTrue(
        badGamma.err().contains("--gamma was '1.5' but it must be a number in"), badGamma.err());
    Run tier = run("demo", "--tiers", "free,gold");
    assertEquals(2, tier.status());
    assertTrue(
        tier.err()
            .contains(
                "tier 'gold' is not defined by the policy; defined tiers: free, enterprise, internal"),
        tier.err());
    Run cmd = run("serve-everything");
    assertEquals(
        "moat: unknown command 'serve-everything'; commands: serve, demo, detect, quality, simulate, replay, train-detector, distill-report, radioactivity, evidence, keys, help\n",
        cmd.err());
  }

  @Test
  void demoWatermarksTheFreeTierAndNotTheInternalOne() {
    Run r = run("demo", "--prompt", "The Python interpreter", "--max-tokens", "100", "--seed", "7");
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.out()
            .contains(
                "policy applied : kgw(key=demo-2026, gamma=0.25, delta=2.0, context_width=1)"),
        r.out());
    assertTrue(r.out().contains("policy applied : nothing (unprotected tier)"), r.out());
    Matcher m = Pattern.compile("z = (-?[0-9.]+)").matcher(r.out());
    assertTrue(m.find());
    double free = Double.parseDouble(m.group(1));
    assertTrue(m.find());
    double internal = Double.parseDouble(m.group(1));
    assertTrue(free > 4, "free tier z " + free);
    // The strict bar (|z| < 2 on 200 tokens) is the adapters' test; this checks the command's
    // plumbing on
    // one 100-token output, where the null z is standard normal: |z| < 3 unless something is wrong.
    assertTrue(Math.abs(internal) < 3, "internal tier z " + internal);
    assertTrue(
        r.out().contains("WATERMARKED at FPR 0.001")
            && r.out().contains("not watermarked at FPR 0.001"),
        r.out());
  }

  /** The distillation report runs end to end and reports each condition with finite figures. */
  @Test
  void distillReportMeasuresCostAndDamage() {
    Run r = run("distill-report", "--prompts", "12", "--tokens", "30", "--threads", "2");
    assertEquals(0, r.status(), r.err());
    for (String c : DistillCommand.CONDITIONS.keySet()) {
      String line =
          r.out().lines().filter(l -> l.startsWith("| " + c + " |")).findFirst().orElseThrow();
      String[] cells = line.split("\\|", 0);
      double cost = Double.parseDouble(cells[2].strip());
      double damage = Double.parseDouble(cells[3].strip());
      assertTrue(cost > 1 && cost < 1e4 && damage > 1 && damage < 1e5, line);
    }
  }

  /**
   * The server's load demo end to end over real HTTP: the campaign's accounts are flagged and
   * escalated and its harvest carries the watermark; benign users are not flagged and stay at level
   * 0.
   */
  @Test
  void serveLoadShowsWhatEachPopulationSaw() {
    Run r = run("serve", "--load", "8", "--workers", "2");
    assertEquals(0, r.status(), r.err());
    String benign =
        r.out().lines().filter(l -> l.startsWith("| benign free users")).findFirst().orElseThrow();
    String campaign =
        r.out()
            .lines()
            .filter(l -> l.startsWith("| extraction campaign"))
            .findFirst()
            .orElseThrow();
    assertTrue(benign.contains("| 0 of 8 |") && benign.contains("{0="), benign);
    String[] cells = campaign.split("\\|", 0);
    int flagged = Integer.parseInt(cells[7].strip().split(" ", 0)[0]);
    assertTrue(flagged >= 20, campaign);
    assertTrue(cells[6].contains("2=") || cells[6].contains("3="), "escalated: " + campaign);
    assertTrue(
        r.out().lines().anyMatch(l -> l.startsWith("watermark on the output of the extraction")),
        r.out());
  }

  /**
   * The end-to-end benchmark over real HTTP, shortened: Moat off and levels 0 to 3, each phase's
   * requests served at the level its key's tier sets (every response's X-Moat-Level checked), no
   * errors, and the table of ratios printed. (Its figures are the benchmark's; this checks that it
   * measures what it says.)
   */
  @Test
  void serveBenchComparesEveryLevelWithMoatOff() {
    Run r = run("serve", "--bench", "5", "--clients", "6", "--workers", "2");
    assertEquals(0, r.status(), r.out() + r.err());
    for (String row :
        new String[] {"| Moat off |", "| level 0 |", "| level 1 |", "| level 2 |", "| level 3 |"}) {
      String line =
          r.out()
              .lines()
              .filter(l -> l.startsWith(row))
              .findFirst()
              .orElseThrow(() -> new AssertionError(r.out()));
      String[] cells = line.split("\\|", 0);
      assertEquals("0", cells[8].strip(), "errors: " + line);
      assertEquals("0", cells[9].strip(), "wrong level: " + line);
      assertTrue(Integer.parseInt(cells[7].strip()) > 0, "requests: " + line);
    }
    // The serving threads' CPU time per token, with its verdicts.
    assertTrue(r.out().contains("| | server CPU per token, µs"), r.out());
    assertTrue(
        r.out()
                .lines()
                .filter(l -> l.startsWith("level ") && l.contains(" CPU per token <= "))
                .count()
            == 2,
        r.out());
  }
}
