package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.policy.PolicyException;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyReloadTest {
  static final String V1 =
      """
      version: 1
      tiers:
        free: {watermark: {scheme: kgw, key: k1, delta: 2.0}}
        internal: {}
      """;
  static final String V2 =
      """
      version: 1
      tiers:
        free: {watermark: {scheme: kgw, key: k1, delta: 3.5}}
        internal: {}
        trial: {watermark: {scheme: kgw, key: k1}}
      """;

  static void write(Path file, String text, long stampMillis) throws IOException {
    Files.writeString(file, text);
    Files.setLastModifiedTime(file, FileTime.fromMillis(stampMillis));
  }

  static void awaitTier(Moat moat, String tier, boolean present) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (moat.policy().tierNames().contains(tier) != present) {
      assertTrue(System.nanoTime() < deadline, "policy reload did not happen within 10 s");
      Thread.sleep(10);
    }
  }

  @Test
  void changesAreAppliedAtomicallyAndRunningRequestsKeepTheirPolicy(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    write(file, V1, 1_000_000);
    try (Moat moat =
        Moat.builder()
            .policyFile(file, Duration.ofMillis(20))
            .keys(WatermarkKeys.of(MoatTest.KEY))
            .build()) {
      MoatRequest running = moat.begin(MoatTest.ctx("free").build());
      write(file, V2, 2_000_000);
      awaitTier(moat, "trial", true);
      assertEquals(
          3.5, ((KgwSettings) moat.policy().tier("free").watermark().orElseThrow()).delta());
      // The running request finishes under the policy it started with.
      assertEquals(
          List.of("kgw(key=k1, gamma=0.25, delta=2.0, context_width=1)"),
          running.appliedProtections());
      MoatTest.generate(running, 5);
      assertEquals(
          List.of("kgw(key=k1, gamma=0.25, delta=3.5, context_width=1)"),
          moat.begin(MoatTest.ctx("free").build()).appliedProtections());
    }
  }

  @Test
  void aBrokenPolicyIsRejectedWholeAndTheOldOneStays(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    write(file, V1, 1_000_000);
    try (Moat moat =
        Moat.builder()
            .policyFile(file, Duration.ofMillis(20))
            .keys(WatermarkKeys.of(MoatTest.KEY))
            .build()) {
      // Valid tiers next to a broken one: nothing of it may be applied.
      write(
          file,
          V2.replace(
              "trial: {watermark: {scheme: kgw, key: k1}}",
              "trial: {watermark: {scheme: kgw, key: k2}}"),
          2_000_000);
      PolicyException e = assertThrows(PolicyException.class, moat::reloadPolicy);
      assertEquals(
          List.of(
              "`tiers.trial.watermark.key` was 'k2' but no watermark key has that id; known key ids: [k1]"),
          e.problems());
      Thread.sleep(200); // several reload periods
      assertEquals(
          2.0, ((KgwSettings) moat.policy().tier("free").watermark().orElseThrow()).delta());
      assertTrue(!moat.policy().tierNames().contains("trial"));
      // Fixing the file is picked up.
      write(file, V2, 3_000_000);
      awaitTier(moat, "trial", true);
    }
  }

  /**
   * A policy file that is briefly missing (an editor or a config-map swap replaces it) must not
   * stop hot reload: the policy in force stays, and the file is picked up when it is back. Before
   * the fix the reload task threw a NullPointerException on the missing file, and a scheduled task
   * that throws is never run again.
   */
  @Test
  void aMissingFileKeepsThePolicyAndReloadResumesWhenItIsBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    write(file, V1, 1_000_000);
    try (Moat moat =
        Moat.builder()
            .policyFile(file, Duration.ofMillis(20))
            .keys(WatermarkKeys.of(MoatTest.KEY))
            .build()) {
      Files.delete(file);
      Thread.sleep(200); // several reload periods with no file
      assertEquals(
          2.0, ((KgwSettings) moat.policy().tier("free").watermark().orElseThrow()).delta());
      write(file, V2, 2_000_000);
      awaitTier(moat, "trial", true);
    }
  }
}
