package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The charts' ring and what it renders: rates, gauges, ratios with gaps, the window. */
class ChartHistoryTest {
  private static ChartHistory.Sample at(long ms, Map<String, Double> v) {
    return new ChartHistory.Sample(ms, v);
  }

  private static JsonNode chart(ObjectNode json, String id) {
    for (JsonNode c : json.get("charts")) {
      if (c.get("id").asText().equals(id)) {
        return c;
      }
    }
    throw new AssertionError("no chart " + id + " in " + json);
  }

  private static List<String> values(JsonNode chart, String series) {
    for (JsonNode s : chart.get("series")) {
      if (s.get("name").asText().equals(series)) {
        List<String> out = new ArrayList<>();
        s.get("values").forEach(v -> out.add(v.isNull() ? "null" : Double.toString(v.asDouble())));
        return out;
      }
    }
    throw new AssertionError("no series " + series + " in " + chart);
  }

  @Test
  void ratesGaugesAndRatiosBetweenConsecutiveSamples() {
    ChartHistory h = new ChartHistory(10);
    h.add(
        at(
            10_000,
            Map.of(
                "served/tier/free", 0.0,
                "served/level/0", 0.0,
                "queue", 3.0,
                "moat_ns", 0.0,
                "step_ns", 0.0)));
    // Two seconds later: 8 requests (4/s), the queue at 1, Moat 2 ms of 40 ms of steps (5%).
    h.add(
        at(
            12_000,
            Map.of(
                "served/tier/free", 8.0,
                "served/level/0", 6.0,
                "served/level/2", 2.0,
                "queue", 1.0,
                "moat_ns", 2e6,
                "step_ns", 4e7)));
    // One second later: nothing generated: no share (a gap, not a zero); a tier added by a reload.
    h.add(
        at(
            13_000,
            Map.of(
                "served/tier/free", 8.0,
                "served/tier/pro", 3.0,
                "served/level/0", 9.0,
                "served/level/2", 2.0,
                "queue", 0.0,
                "moat_ns", 2e6,
                "step_ns", 4e7)));
    ObjectNode j = h.json();
    List<Double> t = new ArrayList<>();
    j.get("t").forEach(x -> t.add(x.asDouble()));
    assertEquals(List.of(12.0, 13.0), t);
    JsonNode tiers = chart(j, "requests_tier");
    assertEquals(List.of("4.0", "0.0"), values(tiers, "free"));
    assertEquals(List.of("0.0", "3.0"), values(tiers, "pro"), "absent from a sample: zero");
    List<String> tierNames = new ArrayList<>();
    tiers.get("series").forEach(x -> tierNames.add(x.get("name").asText()));
    assertEquals(List.of("free", "pro"), tierNames);
    JsonNode levels = chart(j, "requests_level");
    assertEquals("0", levels.get("series").get(0).get("name").asText());
    assertEquals(List.of("3.0", "3.0"), values(levels, "0"));
    assertEquals(List.of("1.0", "0.0"), values(levels, "2"));
    assertEquals(List.of("1.0", "0.0"), values(chart(j, "queue"), "delay queue"));
    assertEquals(List.of("5.0", "null"), values(chart(j, "moat_share"), "Moat / model"));
    // No fleet key in any sample: no fleet chart.
    j.get("charts").forEach(c -> assertTrue(!c.get("id").asText().equals("fleet"), c.toString()));
  }

  @Test
  void theRingKeepsTheLastWindowOfSamples() {
    ChartHistory h = new ChartHistory(4);
    for (int i = 0; i < 10; i++) {
      h.add(at(1000L * i, Map.of("rejected", (double) i * i, "degraded", i % 2.0)));
    }
    List<Long> kept = h.samples().stream().map(ChartHistory.Sample::atMillis).toList();
    assertEquals(List.of(6000L, 7000L, 8000L, 9000L), kept);
    ObjectNode j = h.json();
    // 429s: 36, 49, 64, 81 → 13, 15, 17 a second.
    assertEquals(List.of("13.0", "15.0", "17.0"), values(chart(j, "shaping"), "429"));
    assertEquals(List.of("1.0", "0.0", "1.0"), values(chart(j, "fleet"), "degraded"));
    assertThrows(IllegalArgumentException.class, () -> new ChartHistory(1));
  }
}
