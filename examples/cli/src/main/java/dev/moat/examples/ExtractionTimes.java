package dev.moat.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.examples.cli.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code replay --extraction FILE}: which requests of a trace's mixed accounts (resellers: genuine
 * resold traffic and a minority of extraction requests) were extraction requests, as a generator
 * that knows says. A JSON object from account to its extraction requests' times: an array, or an
 * object whose {@code ts} field is one; each time an RFC 3339 string or epoch milliseconds.
 *
 * <p>Stateless; thread-safe.
 */
final class ExtractionTimes {
  private ExtractionTimes() {}

  static Map<String, List<Long>> read(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    if (root == null || !root.isObject()) {
      throw new UsageException(
          "--extraction " + file + " must be a JSON object mapping account to its times");
    }
    Map<String, List<Long>> times = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      JsonNode v = e.getValue();
      JsonNode array = v.isObject() ? v.get("ts") : v;
      if (array == null || !array.isArray()) {
        throw new UsageException(
            "--extraction "
                + file
                + ": account '"
                + e.getKey()
                + "' must map to an array of times or an object with a 'ts' array");
      }
      List<Long> ts = new ArrayList<>(array.size());
      for (JsonNode t : array) {
        ts.add(time(file, e.getKey(), t));
      }
      times.put(e.getKey(), ts);
    }
    return times;
  }

  private static long time(Path file, String account, JsonNode t) {
    if (t.isIntegralNumber()) {
      return t.asLong();
    }
    if (t.isTextual()) {
      try {
        return OffsetDateTime.parse(t.asText().replace(' ', 'T')).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        // the message below
      }
    }
    throw new UsageException(
        "--extraction "
            + file
            + ": account '"
            + account
            + "' has time "
            + t
            + " but each must be an RFC 3339 time or epoch milliseconds");
  }
}
