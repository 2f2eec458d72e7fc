package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.detect.MlpModel;
import dev.moat.examples.MoatCliTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
  @TempDir Path dir;

  private static List<JsonNode> lines(Path file) throws Exception {
    ObjectMapper m = new ObjectMapper();
    List<JsonNode> out = new java.util.ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      if (!l.isBlank()) {
        out.add(m.readTree(l));
      }
    }
    return out;
  }

  /** Simulates with {@code generator} and replays it; returns population -> {accounts, flagged}. */
  private Map<String, int[]> replayed(String name, String... simulate) throws Exception {
    Path trace = dir.resolve(name + ".jsonl.gz");
    Path labels = dir.resolve(name + "-labels.json");
    List<String> args = new java.util.ArrayList<>(List.of(simulate));
    args.addAll(List.of("--out", trace.toString(), "--labels", labels.toString()));
    Run sim = MoatCliTest.run(args.toArray(String[]::new));
    assertEquals(0, sim.status(), sim.err());
    return replayFile(name, trace, labels);
  }

  /** Replays {@code trace} with its labels; returns population -> {accounts, flagged}. */
  private Map<String, int[]> replayFile(String name, Path trace, Path labels) throws Exception {
    Path verdicts = dir.resolve(name + "-v.jsonl");
    Run r =
        MoatCliTest.run(
            "replay",
            "--trace",
            trace.toString(),
            "--labels",
            labels.toString(),
            "--out",
            verdicts.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.out().contains("replayed ") && r.out().contains("0 malformed lines skipped"), r.out());
    JsonNode l = new ObjectMapper().readTree(labels.toFile());
    Map<String, int[]> byPop = new HashMap<>(); // accounts, flagged at any time
    Set<String> seen = new HashSet<>();
    long[] ever = new long[2]; // flagged at some time, flagged at the end
    for (JsonNode n : lines(verdicts)) {
      for (String f :
          List.of(
              "account",
              "flagged",
              "level",
              "first_flagged_ts",
              "score",
              "group",
              "requests_seen",
              "requests_before_flag")) {
        assertTrue(n.has(f), f + " in " + n);
      }
      assertTrue(seen.add(n.get("account").asText()), "one line per account");
      boolean everFlagged = !n.get("first_flagged_ts").isNull();
      boolean flagged = n.get("flagged").asBoolean();
      assertEquals(flagged, n.get("level").asText().equals("flag"), n.toString());
      assertTrue(everFlagged || !flagged, "flagged now means flagged once: " + n);
      if (everFlagged) {
        assertTrue(n.get("requests_before_flag").asLong() < n.get("requests_seen").asLong());
      } else {
        assertEquals(n.get("requests_seen").asLong(), n.get("requests_before_flag").asLong());
      }
      if (!n.get("level").asText().equals("none")) {
        assertTrue(n.get("reasons").size() > 0, n.toString());
      }
      int[] c = byPop.computeIfAbsent(l.get(n.get("account").asText()).asText(), k -> new int[2]);
      c[0]++;
      c[1] += everFlagged ? 1 : 0;
      ever[0] += everFlagged ? 1 : 0;
      ever[1] += flagged ? 1 : 0;
    }
    String line =
        String.format(
            Locale.ROOT,
            "flagged %,d accounts at some time, %,d at the trace's end",
            ever[0],
            ever[1]);
    assertTrue(r.out().contains(line), line + " in " + r.out());
    return byPop;
  }

  private static void benignWithin(Map<String, int[]> byPop, double overall, double each) {
    int benign = 0;
    int benignFlagged = 0;
    for (Map.Entry<String, int[]> e : byPop.entrySet()) {
      int[] c = e.getValue();
      if (!e.getKey().startsWith("campaign")) {
        benign += c[0];
        benignFlagged += c[1];
        assertTrue(
            c[1] <= Math.max(1, each * c[0]), e.getKey() + " flagged " + c[1] + " of " + c[0]);
      }
    }
    assertTrue(
        benignFlagged <= overall * benign, "benign flagged " + benignFlagged + " of " + benign);
  }

  /**
   * The project's first simulator (the one the bundled per-account model was trained on), two days
   * of held-out seed 1: no benign account flagged, and the templated campaign on young accounts
   * caught through coordination (all 200 of its accounts in two days, 1.4% of its requests served
   * before the flag, measured on 2026-11-30; the paraphrasing campaigns on aged accounts are not,
   * see the plugin README's detection section).
   */
  @Test
  void replaysATraceFromTheFirstSimulator() throws Exception {
    Map<String, int[]> byPop =
        replayed("a", "simulate", "--scenario", "mixed", "--seed", "1", "--days", "2");
    benignWithin(byPop, 0.002, 0.01);
    int[] hydra = byPop.get("campaign-hydra");
    assertTrue(hydra[1] >= 0.95 * hydra[0], "hydra flagged " + hydra[1] + " of " + hydra[0]);
  }

  /**
   * The second, independently written generator ({@code --generator usage}), seed 1 of its small
   * mix: classes, hackathons, an agent product, eval runners and a viral prompt among the benign;
   * hydra, stealth, slow-drip and resellers among the campaigns. Measured 2026-11-30: benign 0 of
   * 1,420, campaigns 96.6% (340 of 352). The detector's rules were adjusted while looking at this
   * generator's seeds 1 and 2: this guards them, it is not evidence of generalisation.
   */
  @Test
  void replaysATraceFromTheSecondGenerator() throws Exception {
    Map<String, int[]> byPop =
        replayed("b", "simulate", "--generator", "usage", "--scenario", "small", "--seed", "1");
    benignWithin(byPop, 0.01, 0.02);
    int campaign = 0;
    int flagged = 0;
    for (Map.Entry<String, int[]> e : byPop.entrySet()) {
      if (e.getKey().startsWith("campaign")) {
        campaign += e.getValue()[0];
        flagged += e.getValue()[1];
      }
    }
    assertTrue(flagged >= 0.85 * campaign, "campaign flagged " + flagged + " of " + campaign);
  }

  /**
   * The third generator ({@code examples/research/generator3}, Python, written on 2026-12-03 by a
   * helper that saw none of the detector or the other generators), a small world (seed 4, a tenth
   * of its scale, three days): a trace written by another program, every line read, no benign
   * account flagged, hydra caught. Its seeds 1-3 at full scale were replayed once, before anything
   * was changed for them (plugin README): benign 0 of 52,370, hydra 99.9%, stealth and slow-drip
   * not caught (its paraphraser shares no skeleton across accounts), so this guards only what held.
   */
  @Test
  void replaysATraceFromTheThirdGenerator() throws Exception {
    Path trace = dir.resolve("g3.jsonl");
    Path labels = dir.resolve("g3-labels.json");
    Process p =
        new ProcessBuilder(
                EvidenceCommandTest.python(),
                "../research/generator3/traffic.py",
                "--seed",
                "4",
                "--scale",
                "0.1",
                "--days",
                "3",
                "--out",
                trace.toString(),
                "--labels",
                labels.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), log);
    Map<String, int[]> byPop = replayFile("g3", trace, labels);
    benignWithin(byPop, 0.0, 0.0);
    int[] hydra = byPop.get("campaign-hydra");
    assertTrue(hydra[1] >= 0.9 * hydra[0], "hydra flagged " + hydra[1] + " of " + hydra[0]);
  }

  /**
   * Traces from elsewhere often lack the optional fields (account age, client, temperature, turns,
   * tier). Without them no benign account may be flagged (a model once flagged 89% of them). What
   * is lost is recall: without ages the young-accounts view reads tenure in the deployment, after a
   * day's warm-up (plugin README, detection section).
   */
  @Test
  void withoutOptionalFieldsNoBenignAccountIsFlagged() throws Exception {
    Path verdicts = dir.resolve("bare.jsonl");
    Run r =
        MoatCliTest.run(
            "replay",
            "--simulate",
            "mixed",
            "--seed",
            "3",
            "--days",
            "2",
            "--strip-metadata",
            "--out",
            verdicts.toString());
    assertEquals(0, r.status(), r.err());
    int benign = 0;
    int benignFlagged = 0;
    for (JsonNode n : lines(verdicts)) {
      if (!n.get("account").asText().startsWith("campaign")) {
        benign++;
        benignFlagged += n.get("first_flagged_ts").isNull() ? 0 : 1;
      }
    }
    assertTrue(benign > 2000);
    assertTrue(benignFlagged <= 0.002 * benign, benignFlagged + " of " + benign);
  }

  /** Malformed lines are named with their line number, skipped and counted; the rest goes on. */
  @Test
  void malformedLinesAreReportedAndCounted() throws Exception {
    Path trace = dir.resolve("bad.jsonl");
    Files.writeString(
        trace,
        """
        {"ts":"2026-04-22T00:00:00Z","account":"a","prompt":"hello there"}
        {"ts":"2026-04-22T00:00:01Z","account":"b"}
        not json
        {"ts":"2026-04-22T00:00:02Z","account":"a","prompt":"again","max_tokens":-3}
        {"ts":"2026-04-22T00:00:03Z","account":"a","prompt":"and again"}
        """);
    Run r =
        MoatCliTest.run(
            "replay", "--trace", trace.toString(), "--out", dir.resolve("v").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("replayed 2 requests from 1 accounts"), r.out());
    assertTrue(r.out().contains("3 malformed lines skipped"), r.out());
    assertTrue(r.err().contains("line 2: `prompt`"), r.err());
    assertTrue(r.err().contains("line 3:"), r.err());
    assertTrue(r.err().contains("line 4: `max_tokens` was '-3'"), r.err());
    Run both = MoatCliTest.run("replay", "--out", "x");
    assertEquals(2, both.status());
    assertTrue(both.err().contains("give one of --trace FILE or --simulate SCENARIO"), both.err());
  }

  /**
   * A trace's mixed accounts: the share of their extraction requests served before the flag, from
   * the times a generator gives (strings or epoch milliseconds); a bad file is refused by name.
   */
  @Test
  void extractionTimesOfATraceAreCountedPerPopulation() throws Exception {
    Path trace = dir.resolve("mixed.jsonl");
    Files.writeString(
        trace,
        """
        {"ts":"2026-04-22T00:00:00Z","account":"r1","prompt":"resold chat"}
        {"ts":"2026-04-22T00:00:01Z","account":"r1","prompt":"extract a plan"}
        {"ts":"2026-04-22T00:00:02Z","account":"r2","prompt":"extract a trace"}
        {"ts":"2026-04-22T00:00:03Z","account":"u","prompt":"hello"}
        """);
    Path labels = dir.resolve("labels.json");
    Files.writeString(
        labels, "{\"r1\":\"campaign-reseller\",\"r2\":\"campaign-reseller\",\"u\":\"casual\"}");
    Path extraction = dir.resolve("extraction.json");
    Files.writeString(
        extraction,
        "{\"r1\":{\"extraction_requests\":1,\"ts\":[\"2026-04-22T00:00:01Z\"]},"
            + "\"r2\":[1776816002000]}");
    String[] common = {
      "replay",
      "--trace",
      trace.toString(),
      "--labels",
      labels.toString(),
      "--out",
      dir.resolve("v").toString()
    };
    Run r = MoatCliTest.run(concat(common, "--extraction", extraction.toString()));
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.out()
            .contains(
                "extraction requests served before the flag: campaign-reseller 2 of 2 (100.00%);"),
        r.out());
    Files.writeString(extraction, "{\"r1\":[\"yesterday\"]}");
    Run bad = MoatCliTest.run(concat(common, "--extraction", extraction.toString()));
    assertEquals(2, bad.status());
    assertTrue(
        bad.err().contains("account 'r1' has time \"yesterday\" but each must be an RFC 3339"),
        bad.err());
  }

  /**
   * Detection is online: replaying the first half of a trace flags exactly the accounts that the
   * whole trace's replay had flagged by then, at the same times and after the same number of
   * requests (nothing is decided with hindsight, at the end of a replay or from later traffic).
   */
  @Test
  void aReplayOfAPrefixFlagsTheSameAccountsAtTheSameTimes() throws Exception {
    Path trace = dir.resolve("t.jsonl");
    Run sim =
        MoatCliTest.run(
            "simulate",
            "--scenario",
            "mixed",
            "--seed",
            "3",
            "--days",
            "2",
            "--out",
            trace.toString());
    assertEquals(0, sim.status(), sim.err());
    List<String> all = Files.readAllLines(trace);
    List<String> head = all.subList(0, all.size() / 2);
    Path prefix = dir.resolve("prefix.jsonl");
    Files.write(prefix, head);
    // The prefix ends at this time; a flag at it could need a line of the same instant cut off.
    String end = new ObjectMapper().readTree(head.get(head.size() - 1)).get("ts").asText();
    Path whole = dir.resolve("whole-v.jsonl");
    Path part = dir.resolve("prefix-v.jsonl");
    for (String[] a :
        List.of(
            new String[] {trace.toString(), whole.toString()},
            new String[] {prefix.toString(), part.toString()})) {
      Run r = MoatCliTest.run("replay", "--trace", a[0], "--out", a[1]);
      assertEquals(0, r.status(), r.err());
    }
    Map<String, JsonNode> byAccount = new HashMap<>();
    for (JsonNode n : lines(whole)) {
      byAccount.put(n.get("account").asText(), n);
    }
    int flaggedInPrefix = 0;
    Set<String> flaggedEarly = new HashSet<>();
    for (JsonNode n : lines(whole)) {
      String ts = n.get("first_flagged_ts").asText("");
      if (!n.get("first_flagged_ts").isNull()
          && java.time.Instant.parse(ts).isBefore(java.time.Instant.parse(end))) {
        flaggedEarly.add(n.get("account").asText());
      }
    }
    for (JsonNode p : lines(part)) {
      if (p.get("first_flagged_ts").isNull()) {
        assertTrue(
            !flaggedEarly.contains(p.get("account").asText()),
            "flagged by then in the whole replay: " + p);
        continue;
      }
      flaggedInPrefix++;
      JsonNode w = byAccount.get(p.get("account").asText());
      assertEquals(p.get("first_flagged_ts"), w.get("first_flagged_ts"), p + " / " + w);
      assertEquals(p.get("requests_before_flag"), w.get("requests_before_flag"), p + " / " + w);
      assertEquals(p.get("group"), w.get("group"), p + " / " + w);
    }
    assertTrue(flaggedInPrefix > 20, "flagged in the prefix: " + flaggedInPrefix);
    assertTrue(
        flaggedInPrefix >= flaggedEarly.size(), flaggedInPrefix + " < " + flaggedEarly.size());
  }

  /** The same traffic scored by ONNX Runtime flags the same accounts. */
  @Test
  void onnxRuntimeScoringFlagsTheSameAccounts() throws Exception {
    Path java = dir.resolve("java.jsonl");
    Path onnx = dir.resolve("onnx.jsonl");
    String[] common = {"replay", "--simulate", "mixed", "--seed", "9", "--days", "2"};
    Run a = MoatCliTest.run(concat(common, "--out", java.toString()));
    Run b = MoatCliTest.run(concat(common, "--onnx", "--out", onnx.toString()));
    assertEquals(0, a.status(), a.err());
    assertEquals(0, b.status(), b.err());
    List<JsonNode> x = lines(java);
    List<JsonNode> y = lines(onnx);
    assertEquals(x.size(), y.size());
    int flagged = 0;
    for (int i = 0; i < x.size(); i++) {
      assertEquals(x.get(i).get("account"), y.get(i).get("account"));
      assertEquals(x.get(i).get("flagged"), y.get(i).get("flagged"), x.get(i).toString());
      assertEquals(x.get(i).get("level"), y.get(i).get("level"), x.get(i).toString());
      assertEquals(x.get(i).get("score").asDouble(), y.get(i).get("score").asDouble(), 1e-5);
      flagged += x.get(i).get("flagged").asBoolean() ? 1 : 0;
    }
    assertTrue(flagged > 50, "flagged " + flagged);
  }

  /** Training writes a model the plugin loads and its ONNX export. */
  @Test
  void trainDetectorWritesBothModels() throws Exception {
    Path model = dir.resolve("m.json");
    Path onnx = dir.resolve("m.onnx");
    Run r =
        MoatCliTest.run(
            "train-detector",
            "--train-seeds",
            "5",
            "--validation-seed",
            "6",
            "--days",
            "1",
            "--epochs",
            "3",
            "--out-model",
            model.toString(),
            "--out-onnx",
            onnx.toString());
    assertEquals(0, r.status(), r.err());
    MlpModel m = MlpModel.load(model);
    assertTrue(m.threshold() >= 0.5f && m.threshold() < 1f);
    assertTrue(Files.size(onnx) > 1000);
    assertTrue(r.out().contains("validation at threshold"), r.out());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
