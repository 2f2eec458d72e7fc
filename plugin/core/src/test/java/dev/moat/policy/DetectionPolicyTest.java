package dev.moat.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DetectionPolicyTest {
  private static Policy parse(String yaml) {
    return PolicyLoader.parse(yaml, true, "test.yaml", null);
  }

  @Test
  void readsTheDetectionSection() {
    Policy p =
        parse(
            """
            version: 1
            tiers:
              free: {}
              internal: {}
            detection:
              threshold: 0.8
              refresh_tokens: 16
              exempt_tiers: [internal]
            """);
    assertEquals(new DetectionSettings(0.8, 16, Set.of("internal")), p.detection());
    assertEquals(DetectionSettings.DEFAULT, parse("version: 1\ntiers: {free: {}}\n").detection());
    Policy q =
        parse(
            "version: 1\ntiers: {free: {}}\ndetection: {watch_budget: 0.005, decay_hours: 168}\n");
    assertEquals(new DetectionSettings(-1, 32, Set.of(), 0.005, 168), q.detection());
  }

  @Test
  void watchBudgetAndDecayAreCheckedWithOneMessage() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                parse(
                    """
                    version: 1
                    tiers: {free: {}}
                    detection: {watch_budget: 0.9, decay_hours: 0}
                    """));
    assertTrue(
        e.getMessage()
            .contains("`detection.watch_budget` was '0.9' but it must be a share in (0, 0.5]"),
        e.getMessage());
    assertTrue(
        e.getMessage()
            .contains("`detection.decay_hours` was '0' but it must be hours from 1/60 to 8760"),
        e.getMessage());
    IllegalArgumentException c =
        assertThrows(
            IllegalArgumentException.class, () -> new DetectionSettings(-1, 32, Set.of(), 0.9, 72));
    assertEquals(
        "`detection.watch_budget` was '0.9' but it must be a share in (0, 0.5]", c.getMessage());
  }

  @Test
  void everyProblemIsNamedAndNothingIsHalfApplied() {
    PolicyException e =
        assertThrows(
            PolicyException.class,
            () ->
                parse(
                    """
                    version: 1
                    tiers: {free: {}}
                    detection:
                      threshold: 1.2
                      refresh_tokens: 0
                      exempt_tiers: [gold]
                      treshold: 3
                    """));
    String m = e.getMessage();
    assertTrue(m.contains("detection.threshold"), m);
    assertTrue(m.contains("detection.refresh_tokens"), m);
    assertTrue(m.contains("detection.exempt_tiers[0]") && m.contains("gold"), m);
    assertTrue(m.contains("detection.treshold"), m);
    assertThrows(
        PolicyException.class, () -> parse("version: 1\ntiers: {free: {}}\ndetection: 3\n"));
    assertThrows(IllegalArgumentException.class, () -> new DetectionSettings(2, 32, Set.of()));
  }

  @Test
  void policiesDifferingOnlyInDetectionAreNotEqual() {
    Policy a = parse("version: 1\ntiers: {free: {}}\n");
    Policy b = a.withDetection(new DetectionSettings(0.7, 32, Set.of()));
    assertTrue(!a.equals(b));
    assertEquals(0.7, b.detection().threshold());
  }
}
