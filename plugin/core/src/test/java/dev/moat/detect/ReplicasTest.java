package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three replicas behind round-robin sharing one link store (the embedded one here; Redis in {@code
 * RedisReplicasTest}): a campaign spread over them is caught about as fast as by one detector that
 * sees everything, because the group evidence lives in the shared buckets.
 */
class ReplicasTest {
  @Test
  void aCampaignSpreadOverReplicasIsCaughtAboutAsFast() {
    List<TraceRecord> trace = ReplicaHarness.campaign(41);
    long alone = ReplicaHarness.alone(trace, "bot-");
    LocalLinkStore shared = LocalLinkStore.standard();
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.flagged("person-"));
    long spread = fleet.servedBeforeFlag("bot-");
    System.out.println(
        "served before the flags: alone " + alone + ", over three replicas " + spread);
    // Each replica needs its own hits into the campaign's templates: somewhat slower, not 3x.
    assertTrue(spread <= 1.5 * alone + 20, "alone " + alone + ", over three replicas " + spread);
  }
}
