package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.Moat;
import dev.moat.examples.MoatCliTest.Run;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's parser: {@code --help} for every command, and one shape for usage errors (an
 * unknown option, a bad or missing value, an unknown command), each exit status 2, on one line
 * naming the option, the value and what is allowed.
 */
class MoatCliUsageTest {
  private static final PrintStream NOWHERE =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  /** Every command and subcommand, as the words that name it ({@code keys new}). */
  private static List<List<String>> commands() {
    List<List<String>> all = new ArrayList<>();
    collect(MoatCli.commandLine(new String[0], NOWHERE, NOWHERE), new ArrayList<>(), all);
    return all;
  }

  private static void collect(CommandLine cl, List<String> path, List<List<String>> all) {
    cl.getSubcommands()
        .forEach(
            (name, sub) -> {
              List<String> p = new ArrayList<>(path);
              p.add(name);
              all.add(p);
              collect(sub, p, all);
            });
  }

  private static CommandLine command(List<String> path) {
    CommandLine cl = MoatCli.commandLine(new String[0], NOWHERE, NOWHERE);
    for (String name : path) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  private static Run run(List<String> path, String... more) {
    return MoatCliTest.run(Stream.concat(path.stream(), Stream.of(more)).toArray(String[]::new));
  }

  @Test
  void theCommandsAreTheOnesTheReadmesUse() {
    assertEquals(
        List.of(
            List.of("serve"),
            List.of("demo"),
            List.of("detect"),
            List.of("quality"),
            List.of("simulate"),
            List.of("replay"),
            List.of("train-detector"),
            List.of("distill-report"),
            List.of("radioactivity"),
            List.of("evidence"),
            List.of("keys"),
            List.of("keys", "new"),
            List.of("keys", "commit"),
            List.of("help")),
        commands());
  }

  @Test
  void everyCommandsHelpNamesEachOfItsOptions() {
    for (List<String> path : commands()) {
      if (path.equals(List.of("help"))) {
        continue;
      }
      Run r = run(path, "--help");
      assertEquals(0, r.status(), path + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: moat " + String.join(" ", path)), r.out());
      List<OptionSpec> options = command(path).getCommandSpec().options();
      assertTrue(options.size() > 2 || path.equals(List.of("keys")), path + " has no options");
      for (OptionSpec o : options) {
        assertTrue(r.out().contains(o.longestName()), path + " help lacks " + o.longestName());
        assertFalse(
            o.description().length == 0 || o.description()[0].isBlank(),
            path + " " + o.longestName() + " has no description");
      }
    }
    assertTrue(run(List.of("keys"), "--help").out().contains("commit  Print the commitment"));
  }

  @Test
  void theTopLevelHelpListsEveryCommandOnOneLine() {
    Run help = MoatCliTest.run("--help");
    assertEquals(0, help.status());
    for (List<String> path : commands()) {
      if (path.size() == 1) {
        String line =
            help.out()
                .lines()
                .filter(l -> l.startsWith("  " + path.get(0) + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(path + " not listed: " + help.out()));
        assertTrue(line.length() <= 80 && line.strip().length() > path.get(0).length() + 10, line);
      }
    }
    assertEquals(help.out(), MoatCliTest.run("help").out());
    Run none = MoatCliTest.run();
    assertEquals(2, none.status());
    assertEquals(help.out(), none.out());
    assertEquals("moat " + Moat.version() + "\n", MoatCliTest.run("--version").out());
    assertTrue(MoatCliTest.run("help", "detect").out().startsWith("Usage: moat detect "));
  }

  @Test
  void anUnknownOptionIsNamedWithTheOptionsAllowed() {
    for (List<String> path :
        List.of(
            List.of("serve"),
            List.of("detect"),
            List.of("replay"),
            List.of("evidence"),
            List.of("keys", "new"))) {
      Run r = run(path, "--nope=3");
      assertEquals(2, r.status(), path + ": " + r.err());
      String prefix = "moat " + String.join(" ", path) + ": unknown option '--nope'; options: ";
      assertTrue(r.err().startsWith(prefix), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      List<String> listed = List.of(r.err().strip().substring(prefix.length()).split(", ", 0));
      for (OptionSpec o : command(path).getCommandSpec().options()) {
        assertTrue(listed.contains(o.longestName()), o.longestName() + " not in " + listed);
      }
    }
    Run word = MoatCliTest.run("detect", "stray");
    assertTrue(word.err().startsWith("moat detect: unknown option 'stray'; options: "), word.err());
    Run sub = MoatCliTest.run("keys", "rotate");
    assertEquals(2, sub.status());
    assertEquals("moat keys: unknown command 'rotate'; commands: new, commit\n", sub.err());
    Run none = MoatCliTest.run("keys");
    assertEquals(2, none.status());
    assertTrue(none.err().startsWith("moat keys: a command is missing; commands: new"), none.err());
  }

  @Test
  void aBadValueIsNamedWithWhatIsAllowed(@TempDir Path dir) {
    assertUsage(
        "moat quality: --prompts was 'many' but it must be an integer in [1, 100000]",
        "quality",
        "--prompts",
        "many");
    assertUsage(
        "moat quality: --prompts was '0' but it must be an integer in [1, 100000]",
        "quality",
        "--prompts=0");
    assertUsage(
        "moat demo: --top-p was '2' but it must be a number in [1.0E-6, 1.0]",
        "demo",
        "--top-p",
        "2");
    assertUsage(
        "moat replay: --days was '0' but it must be a number in [0.01, 366.0]",
        "replay",
        "--simulate",
        "mixed",
        "--days",
        "0");
    assertUsage(
        "moat detect: --gamma was given no value but it must be a number in [1.0E-9,"
            + " 0.999999999]",
        "detect",
        "--tokens",
        "1,2",
        "--gamma");
    assertUsage("moat evidence: --suspect is missing but it is required", "evidence", "--out", "x");
    assertUsage(
        "moat serve: --moat was 'maybe' but it must be on or off", "serve", "--moat", "maybe");
    // Checked before the command runs: the server never starts, the key is never written.
    assertUsage(
        "moat serve: --port was '70000' but it must be an integer in [0, 65535]",
        "serve",
        "--port",
        "70000");
    assertUsage(
        "moat serve: --device was 'gpu' but it must be cpu, cuda or cuda:N with N from 0 to 255",
        "serve",
        "--device",
        "gpu");
    assertUsage(
        "moat serve: --bench-levels was 'off' but it must be off and at least one of 0 to 3, each"
            + " once (e.g. off,0)",
        "serve",
        "--bench-waves",
        "2",
        "--bench-levels",
        "off");
    assertUsage(
        "moat serve: --bench-levels was 'off,0' but it must be given only with --bench-waves",
        "serve",
        "--bench-levels",
        "off,0");
    Path keys = dir.resolve("k.keys");
    assertUsage(
        "moat keys new: --bytes was '8' but it must be an integer in [16, 64]",
        "keys",
        "new",
        "--key-id",
        "k",
        "--out",
        keys.toString(),
        "--bytes",
        "8");
    assertFalse(Files.exists(keys));
  }

  @Test
  void otherFailuresExitWithOne(@TempDir Path dir) {
    Path missing = dir.resolve("missing.txt");
    Run r = MoatCliTest.run("detect", "--file", missing.toString(), "--key-id", "demo-2026");
    assertEquals(1, r.status());
    assertTrue(
        r.err()
            .endsWith("moat detect: failed: java.nio.file.NoSuchFileException: " + missing + "\n"),
        r.err());
  }

  @Test
  void aServerAskedForAGpuItCannotUseDoesNotStartOnTheCpu() {
    // A -Pgpu build could start on a GPU and serve until killed: this checks the default build.
    org.junit.jupiter.api.Assumptions.assumeFalse(
        ai.onnxruntime.OrtEnvironment.getAvailableProviders()
            .contains(ai.onnxruntime.OrtProvider.CUDA));
    Run r = MoatCliTest.run("serve", "--device", "cuda:1", "--port", "0", "--admin-port", "0");
    assertEquals(1, r.status(), r.out() + r.err());
    assertTrue(
        r.err()
            .contains(
                "DeviceUnavailableException: device was 'cuda:1' but this build's ONNX Runtime has"
                    + " no CUDA execution provider"),
        r.err());
    assertFalse(r.out().contains("Moat model server on"), r.out());
  }

  @Test
  void aRepeatedOptionTakesItsLastValueAndAnAtSignIsText() throws Exception {
    Run r =
        MoatCliTest.run(
            "detect", "--tokens", "1,2,3", "--key-id=demo-2026", "--gamma", "0.5", "--gamma=0.25");
    assertEquals(0, r.status(), r.err());
    assertEquals(0.25, new ObjectMapper().readTree(r.out()).get("gamma").doubleValue());
    Run at = MoatCliTest.run("detect", "--text", "@no-such-file", "--key-id", "demo-2026");
    assertEquals(0, at.status(), at.err());
  }

  private static void assertUsage(String line, String... args) {
    Run r = MoatCliTest.run(args);
    assertEquals(2, r.status(), r.out() + r.err());
    assertTrue(r.err().endsWith(line + "\n"), r.err());
    assertEquals(line, r.err().lines().reduce((a, b) -> b).orElseThrow());
  }
}
