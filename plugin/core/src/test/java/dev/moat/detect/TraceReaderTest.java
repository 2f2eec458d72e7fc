package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {
  static final String GOOD =
      "{\"ts\":\"2026-04-22T03:14:15.926Z\",\"account\":\"acct-1\","
          + "\"account_created\":\"2026-04-01T00:00:00Z\",\"tier\":\"free\","
          + "\"client\":\"203.0.113.0/24\",\"conversation\":\"c9\",\"turn\":2,"
          + "\"system\":\"You are a coding assistant.\",\"prompt\":\"Write a parser\","
          + "\"max_tokens\":4096,\"temperature\":0.7,\"top_logprobs\":5,\"output_tokens\":812,"
          + "\"unknown_field\":{\"nested\":[1,2,3]}}";

  @Test
  void readsEveryFieldAndIgnoresUnknownOnes() throws Exception {
    List<String> problems = new ArrayList<>();
    try (TraceReader r = reader(GOOD + "\n", problems)) {
      TraceRecord t = r.next();
      assertEquals(Instant.parse("2026-04-22T03:14:15.926Z").toEpochMilli(), t.ts());
      assertEquals("acct-1", t.account());
      assertEquals(Instant.parse("2026-04-01T00:00:00Z").toEpochMilli(), t.accountCreated());
      assertEquals("free", t.tier());
      assertEquals("203.0.113.0/24", t.client());
      assertEquals("c9", t.conversation());
      assertEquals(2, t.turn());
      assertEquals("You are a coding assistant.", t.system());
      assertEquals("Write a parser", t.prompt());
      assertEquals(4096, t.maxTokens());
      assertEquals(0.7, t.temperature());
      assertEquals(5, t.topLogprobs());
      assertEquals(812, t.outputTokens());
      assertNull(r.next());
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void optionalFieldsDefault() throws Exception {
    try (TraceReader r =
        reader("{\"ts\":\"2026-04-22T00:00:00Z\",\"account\":\"a\",\"prompt\":\"hi\"}\n", null)) {
      TraceRecord t = r.next();
      assertEquals(-1, t.accountCreated());
      assertEquals("", t.tier());
      assertNull(t.client());
      assertNull(t.system());
      assertEquals(-1, t.temperature());
      assertEquals(0, t.topLogprobs());
      assertEquals(-1, t.turn(), "no turn given: not a first turn (TurnBaseTest)");
    }
  }

  /**
   * Traces written by other tools: null for a field not given (Python's {@code json.dumps} of a
   * None), integers written as floats, RFC 3339's space separator, a date for the account's
   * creation. Before 2026-12-03 each of these lines was skipped as malformed, so a trace writing
   * {@code "system": null} on every line lost every line.
   */
  @Test
  void otherWritersShapesReadAsTheFormatMeansThem() throws Exception {
    List<String> lines =
        List.of(
            "{\"ts\":\"2026-04-22T00:00:00Z\",\"account\":\"a\",\"prompt\":\"hi\",\"tier\":null,"
                + "\"max_tokens\":null,\"temperature\":null,\"system\":null,\"client\":null,"
                + "\"turn\":null,\"account_created\":null,\"conversation\":null,"
                + "\"top_logprobs\":null,\"output_tokens\":null}",
            "{\"ts\":\"2026-04-22 00:00:01.5Z\",\"account\":\"b\",\"prompt\":\"x\","
                + "\"max_tokens\":4096.0,\"turn\":2.00,\"output_tokens\":1.2e2}",
            "{\"ts\":\"2026-04-22 02:00:02.25+02:00\",\"account\":\"c\",\"prompt\":\"x\","
                + "\"account_created\":\"2026-04-01\"}",
            "{\"ts\":\"2026-04-22t00:00:03z\",\"account\":\"d\",\"prompt\":\"x\","
                + "\"account_created\":\"2026-04-01 12:00:00Z\"}",
            "{\"ts\":\"2026-04-22T00:00:04Z\",\"account\":\"e\",\"prompt\":\"x\","
                + "\"max_tokens\":4096.5}",
            "{\"ts\":\"2026-04-22T00:00:05Z\",\"account\":\"f\",\"prompt\":\"x\","
                + "\"account_created\":\"2026-02-30\"}",
            "{\"ts\":\"2026-04-22\",\"account\":\"g\",\"prompt\":\"x\"}");
    String trace = String.join("\n", lines);
    List<String> problems = new ArrayList<>();
    List<TraceRecord> got = new ArrayList<>();
    try (TraceReader r = reader(trace, problems)) {
      for (TraceRecord t = r.next(); t != null; t = r.next()) {
        got.add(t);
      }
    }
    long day = java.time.Instant.parse("2026-04-22T00:00:00Z").toEpochMilli();
    assertEquals(
        new TraceRecord(day, "a", -1, "", null, null, -1, null, "hi", 0, -1, 0, 0), got.get(0));
    assertEquals(
        new TraceRecord(day + 1500, "b", -1, "", null, null, 2, null, "x", 4096, -1, 0, 120),
        got.get(1));
    long april1 = java.time.Instant.parse("2026-04-01T00:00:00Z").toEpochMilli();
    assertEquals(day + 2250, got.get(2).ts());
    assertEquals(april1, got.get(2).accountCreated());
    assertEquals(day + 3000, got.get(3).ts());
    assertEquals(april1 + 12 * 3_600_000L, got.get(3).accountCreated());
    assertEquals(4, got.size());
    assertEquals(
        List.of(
            "t line 5: `max_tokens` was '4096.5' but it must be a non-negative integer",
            "t line 6: `account_created` was '2026-02-30' but it must be an RFC 3339 time such as"
                + " 2026-04-22T03:14:15.926Z or a date such as 2026-04-22",
            "t line 7: `ts` was '2026-04-22' but it must be an RFC 3339 time such as"
                + " 2026-04-22T03:14:15.926Z"),
        problems);
  }

  /** Each malformed line is reported with its number, field, value and rule, and skipped. */
  @Test
  void malformedLinesAreReportedAndSkippedNothingElseIsLost() throws Exception {
    String trace =
        String.join(
            "\n",
            GOOD,
            "not json",
            "{\"ts\":\"yesterday\",\"account\":\"a\",\"prompt\":\"x\"}",
            "{\"ts\":\"2026-04-22T03:14:16Z\",\"prompt\":\"x\"}",
            "{\"ts\":\"2026-04-22T03:14:16Z\",\"account\":\"a\",\"prompt\":\"x\",\"max_tokens\":-5}",
            "",
            "{\"ts\":\"2026-04-22T03:14:16Z\",\"account\":\"a\",\"prompt\":\"x\",\"turn\":\"two\"}",
            "{\"ts\":\"2026-04-22T03:14:10Z\",\"account\":\"a\",\"prompt\":\"early\"}",
            "{\"ts\":\"2026-04-22T03:14:16Z\",\"account\":\"a\",\"prompt\":[1]}",
            "[1,2]",
            "{\"ts\":\"2026-04-22T03:14:17Z\",\"account\":\"b\",\"prompt\":\"last\"}");
    List<String> problems = new ArrayList<>();
    List<String> accounts = new ArrayList<>();
    try (TraceReader r = reader(trace, problems)) {
      for (TraceRecord t = r.next(); t != null; t = r.next()) {
        accounts.add(t.account() + ":" + t.prompt());
      }
      assertEquals(8, r.skipped());
      assertEquals(11, r.lines());
    }
    assertEquals(List.of("acct-1:Write a parser", "b:last"), accounts);
    assertEquals(
        List.of(
            "t line 2: `line` was 'not json' but it must be valid JSON (Unrecognized token 'not':"
                + " was expecting (JSON String, Number, Array, Object or token 'null', 'true' or"
                + " 'false'))",
            "t line 3: `ts` was 'yesterday' but it must be an RFC 3339 time such as"
                + " 2026-04-22T03:14:15.926Z",
            "t line 4: `account` was '(missing)' but it must be a non-empty string",
            "t line 5: `max_tokens` was '-5' but it must be a non-negative integer",
            "t line 7: `turn` was 'two' but it must be a non-negative integer",
            "t line 8: `ts` was '2026-04-22T03:14:10Z' but it must be no earlier than the line"
                + " before (2026-04-22T03:14:15.926Z): the trace must be sorted by ts",
            "t line 9: `prompt` was '[…]' but it must be a string",
            "t line 10: `line` was '[1,2]' but it must be a JSON object"),
        problems);
  }

  @Test
  void readsGzip(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("trace.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write((GOOD + "\n" + GOOD + "\n").getBytes(StandardCharsets.UTF_8));
    }
    int n = 0;
    try (TraceReader r = TraceReader.open(file, p -> {})) {
      while (r.next() != null) {
        n++;
      }
    }
    assertEquals(2, n);
  }

  @Test
  void whatTheWriterWritesTheReaderReadsBack(@TempDir Path dir) throws Exception {
    List<TraceRecord> records = new ArrayList<>();
    try (TraceReader r = reader(GOOD + "\n", null)) {
      records.add(r.next());
    }
    records.add(
        new TraceRecord(
            records.get(0).ts() + 1, "b", -1, "", null, null, 0, null, "q\n\"x\"", 0, -1, 0, 3));
    records.add( // no turn given: written without the field, read back as not given
        new TraceRecord(
            records.get(0).ts() + 2, "c", -1, "", null, null, -1, null, "r", 0, -1, 0, 0));
    for (String name : List.of("t.jsonl", "t.jsonl.gz")) {
      Path file = dir.resolve(name);
      try (TraceWriter w = TraceWriter.open(file)) {
        records.forEach(w::write);
      }
      List<TraceRecord> back = new ArrayList<>();
      try (TraceReader r = TraceReader.open(file, p -> {})) {
        for (TraceRecord t = r.next(); t != null; t = r.next()) {
          back.add(t);
        }
      }
      assertEquals(records, back, name);
    }
  }

  private static TraceReader reader(String text, List<String> problems) {
    return TraceReader.of(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
        "t",
        problems == null ? p -> {} : problems::add);
  }

  /** The fast time parser agrees with java.time on every form it accepts, and defers the rest. */
  @Test
  void fastTimesAgreeWithJavaTime() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    for (int i = 0; i < 20_000; i++) {
      long ms = r.nextLong(-2_000_000_000_000L, 8_000_000_000_000L);
      String iso = Instant.ofEpochMilli(ms).toString(); // 'Z', with .SSS when millis != 0
      if (iso.startsWith("-") || iso.startsWith("+")) {
        continue;
      }
      assertEquals(ms, TraceTime.fastUtc(iso), iso);
    }
    assertEquals(
        Instant.parse("2024-02-29T23:59:59.5Z").toEpochMilli(),
        TraceTime.fastUtc("2024-02-29T23:59:59.5Z"));
    assertEquals(
        Instant.parse("2026-04-22T03:14:15.926Z").toEpochMilli(),
        TraceTime.fastUtc("2026-04-22T03:14:15.926123Z"),
        "micros truncate to millis");
    assertEquals(
        Instant.parse("2026-04-22T03:14:15Z").toEpochMilli(),
        TraceTime.fastUtc("2026-04-22 03:14:15Z"),
        "RFC 3339 section 5.6 allows a space for the T");
    for (String other :
        new String[] {
          "2026-04-22T03:14:15+02:00",
          "2025-02-29T00:00:00Z",
          "2026-13-01T00:00:00Z",
          "2026-04-22T03:14:15.Z",
          "2016-12-31T23:59:60Z",
          "garbage"
        }) {
      assertEquals(Long.MIN_VALUE, TraceTime.fastUtc(other), other);
    }
    for (int y : new int[] {1600, 1900, 1970, 2000, 2024, 2100, 9999}) {
      assertEquals(
          java.time.LocalDate.of(y, 3, 1).toEpochDay(), TraceTime.epochDay(y, 3, 1), "year " + y);
    }
  }

  /** Offsets are accepted (by the full parser) and converted to UTC. */
  @Test
  void offsetTimesAreConverted() throws Exception {
    String line = "{\"ts\":\"2026-04-22T05:14:15.926+02:00\",\"account\":\"a\",\"prompt\":\"p\"}";
    try (TraceReader r =
        TraceReader.of(
            new java.io.ByteArrayInputStream(
                line.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            "t",
            p -> {
              throw new AssertionError(p);
            })) {
      assertEquals(Instant.parse("2026-04-22T03:14:15.926Z").toEpochMilli(), r.next().ts());
    }
  }
}
