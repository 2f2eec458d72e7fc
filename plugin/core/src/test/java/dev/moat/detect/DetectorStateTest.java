package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart in the middle of a campaign: the restored detector goes on as if it had not stopped.
 */
class DetectorStateTest {
  @TempDir Path dir;

  @Test
  void aRestoredDetectorGoesOnExactlyAsTheOriginal() throws Exception {
    List<TraceRecord> trace = new ArrayList<>(DetectorTest.traffic(31, 40, 120, true));
    int half = trace.size() / 2;
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      trace.subList(0, half).forEach(a::observe);
      long flaggedBefore = a.verdicts().filter(Verdict::flagged).count();
      assertTrue(flaggedBefore > 10, "flagged before the restart: " + flaggedBefore);
      a.snapshot(file);
      assertEquals(a.accounts(), b.restore(file));
      assertEquals(same(a.verdict("bot-3")), same(b.verdict("bot-3")));
      for (TraceRecord r : trace.subList(half, trace.size())) {
        Verdict va = a.observe(r);
        Verdict vb = b.observe(r);
        // Everything but the linked-accounts sample, which the store keeps apart (not written).
        assertEquals(same(va), same(vb), r.account() + " at " + r.ts());
      }
      assertEquals(40, b.verdicts().filter(Verdict::flagged).count());
    }
  }

  static List<Object> same(Verdict v) {
    return List.of(
        v.account(),
        v.score(),
        v.level(),
        v.flaggedAt(),
        String.valueOf(v.group()),
        v.requests(),
        v.requestsBeforeFlag(),
        v.reasons(),
        v.samplePrompts());
  }

  @Test
  void aDamagedOrForeignFileChangesNothingAndSaysWhy() throws Exception {
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build()) {
      DetectorTest.traffic(32, 10, 10, true).forEach(a::observe);
      a.snapshot(file);
      byte[] whole = Files.readAllBytes(file);
      Path cut = dir.resolve("cut.state");
      Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
      Path foreign = dir.resolve("foreign.state");
      try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(foreign))) {
        out.write("not a detector state at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      try (Detector b = Detector.builder().build()) {
        IOException e = assertThrows(IOException.class, () -> b.restore(cut));
        assertTrue(
            e.getMessage().contains("truncated") || e.getMessage().contains("damaged"),
            e.getMessage());
        e = assertThrows(IOException.class, () -> b.restore(foreign));
        assertTrue(e.getMessage().contains("not a Moat detector state"), e.getMessage());
        assertThrows(IOException.class, () -> b.restore(dir.resolve("missing.state")));
        assertEquals(0, b.accounts(), "nothing installed");
        b.restore(file);
        assertThrows(IllegalStateException.class, () -> b.restore(file));
      }
    }
  }
}
