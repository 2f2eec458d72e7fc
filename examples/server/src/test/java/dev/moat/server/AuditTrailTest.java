package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The audit ring: bounded, newest first, and each record as given (who, what, before, after). */
class AuditTrailTest {
  @Test
  void keepsTheMostRecentRecordsNewestFirst() {
    AuditTrail t =
        new AuditTrail(3, Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    for (int i = 0; i < 5; i++) {
      t.record(
          "ann", "policy.edit", "tiers.free.budget", IntNode.valueOf(i), IntNode.valueOf(i + 1));
    }
    JsonNode r = t.recent(10);
    assertEquals(3, r.size());
    assertEquals(4, r.get(0).get("before").asInt());
    assertEquals(2, r.get(2).get("before").asInt());
    assertEquals("ann", r.get(0).get("actor").asText());
    assertEquals("2026-12-01T00:00:00Z", r.get(0).get("at").asText());
    assertEquals(2, t.recent(2).size());
    assertThrows(IllegalArgumentException.class, () -> new AuditTrail(0, Clock.systemUTC()));
  }
}
