package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./moat serve --bench-waves}, shortened (3 rounds of waves of 2 streams, 1 s of warm-up) on
 * the bundled model over real HTTP: every wave's requests served at its configuration's level with
 * no error, every request generating exactly 32 tokens whatever the watermark does to the
 * end-of-sequence token ({@code ignore_eos}), each configuration once per round in a shuffled
 * order, and the per-wave file written. (Its figures are the benchmark's; this checks that it
 * measures what it says.)
 */
class WaveBenchTest {
  @TempDir Path dir;

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  private static WatermarkKeys keys() {
    return WatermarkKeys.of(
        WatermarkKey.ofHex("demo-2026", HEX), WatermarkKey.ofHex("demo-noise-2026", HEX + "01"));
  }

  @Test
  void everyConfigurationRunsOnceARoundWithTheSameWork() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int rounds = 3;
    int clients = 2;
    int status =
        WaveBench.run(
            dir,
            keys(),
            2,
            rounds,
            clients,
            1,
            ServeBench.CONFIGS,
            BenchServers.Model.BUNDLED,
            new PrintStream(b, true, StandardCharsets.UTF_8));
    String out = b.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, out);
    for (String row :
        new String[] {"| Moat off |", "| level 0 |", "| level 1 |", "| level 2 |", "| level 3 |"}) {
      List<String> lines = out.lines().filter(l -> l.startsWith(row)).toList();
      assertEquals(3, lines.size(), out); // throughput, CPU per token, the split
      String[] cells = lines.get(0).split("\\|", 0);
      assertEquals(String.valueOf(rounds * clients), cells[7].strip(), "requests: " + lines.get(0));
      assertEquals("0", cells[8].strip(), "errors: " + lines.get(0));
      assertEquals("0", cells[9].strip(), "wrong level: " + lines.get(0));
      String[] split = lines.get(2).split("\\|", 0);
      assertEquals("32.00", split[5].strip(), "tokens per request: " + lines.get(2));
    }
    List<String> csv = Files.readAllLines(dir.resolve("waves.csv"));
    assertEquals(1 + rounds * 5, csv.size(), csv.toString());
    for (int r = 0; r < rounds; r++) {
      java.util.Set<String> configs = new java.util.HashSet<>();
      for (int w = 0; w < 5; w++) {
        String[] f = csv.get(1 + r * 5 + w).split(",", 0);
        assertEquals(String.valueOf(r), f[0]);
        configs.add(f[1]);
        assertEquals(String.valueOf(clients * WaveBench.MAX_TOKENS), f[3], csv.get(1 + r * 5 + w));
        assertEquals("0", f[5]);
      }
      assertEquals(java.util.Set.of("off", "level0", "level1", "level2", "level3"), configs);
    }
  }

  @Test
  void offAndOneLevelSpendEveryWaveOnThatPairAndCheckOnlyItsGoal() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int rounds = 4;
    int status =
        WaveBench.run(
            dir,
            keys(),
            2,
            rounds,
            1,
            1,
            ServeCommand.benchLevels("off,0"),
            BenchServers.Model.BUNDLED,
            new PrintStream(b, true, StandardCharsets.UTF_8));
    String out = b.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, out);
    assertTrue(out.contains("rounds of 2 waves (Moat off, level 0;"), out);
    assertEquals(3, out.lines().filter(l -> l.startsWith("| level 0 |")).count(), out);
    assertEquals(0, out.lines().filter(l -> l.startsWith("| level 2 |")).count(), out);
    assertTrue(out.contains("level 0 >= 99% of Moat off:"), out);
    assertTrue(out.contains("level 0 CPU per token <="), out);
    assertTrue(!out.contains("level 2 >= 95%"), out);
    List<String> csv = Files.readAllLines(dir.resolve("waves.csv"));
    assertEquals(1 + rounds * 2, csv.size(), csv.toString());
    for (int r = 0; r < rounds; r++) {
      String a = csv.get(1 + 2 * r).split(",", 0)[1];
      String c = csv.get(2 + 2 * r).split(",", 0)[1];
      assertEquals(java.util.Set.of("off", "level0"), java.util.Set.of(a, c), csv.toString());
    }
  }

  @Test
  void benchLevelsAreCheckedWithWhatIsAllowed() {
    assertArrayEquals(new int[] {-1, 0}, ServeCommand.benchLevels("off,0"));
    assertArrayEquals(new int[] {2, -1, 3}, ServeCommand.benchLevels("2, off,3"));
    for (String bad : new String[] {"0", "off", "off,off,0", "off,0,0", "off,4", "off,", "", "x"}) {
      dev.moat.examples.cli.UsageException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              dev.moat.examples.cli.UsageException.class, () -> ServeCommand.benchLevels(bad));
      assertTrue(
          e.getMessage().startsWith("--bench-levels was '" + bad + "' but it must be off and"),
          e.getMessage());
    }
  }

  @Test
  void roundsAreShuffledWithTheFixedSeed() {
    SplittableRandom a = new SplittableRandom(ServeBench.ORDER_SEED);
    SplittableRandom c = new SplittableRandom(ServeBench.ORDER_SEED);
    boolean moved = false;
    for (int r = 0; r < 20; r++) {
      int[] round = ServeBench.shuffled(ServeBench.CONFIGS, a);
      assertArrayEquals(round, ServeBench.shuffled(ServeBench.CONFIGS, c));
      int[] sorted = round.clone();
      java.util.Arrays.sort(sorted);
      assertArrayEquals(ServeBench.CONFIGS, sorted);
      moved |= !java.util.Arrays.equals(round, ServeBench.CONFIGS);
    }
    assertTrue(moved);
  }

  @Test
  void meanIntervalIsStudentsT() {
    // 1, 2, 3, 4: mean 2.5, sd 1.291, t(3) 3.182: half-width 3.182 * 1.291 / 2 = 2.054.
    double[] ci = WaveReport.meanInterval(new double[] {1, 2, 3, 4});
    assertEquals(2.5, ci[0], 1e-12);
    assertEquals(2.5 - 2.0540, ci[1], 1e-3);
    assertEquals(2.5 + 2.0540, ci[2], 1e-3);
  }
}
