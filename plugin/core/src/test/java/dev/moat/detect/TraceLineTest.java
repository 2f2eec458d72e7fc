package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast path ({@link TraceLine}) against the full parser (Jackson, {@link TraceReader#parse}):
 * on every line it accepts, the same record; everything else (errors included) is left to Jackson.
 * Lines come from records with random text written by {@link TraceWriter}, then mutated the ways
 * hand-written and foreign traces differ: whitespace, key order, escapes, surrogates, non-ASCII,
 * numbers in every JSON form, nulls, duplicates, unknown fields of every type, wrong types,
 * truncation and trailing garbage.
 */
class TraceLineTest {
  private static final String[] PIECES = {
    "a", "Write", " ", "  ", "code", "\n", "\t", "\"", "\\", "/", "é", "ß", "中文", "😀", "\u0001",
    "\u001f", "\u007f", "{", "}", ",", ":", "[", "]", "0.7", "null", "\r\n", "\ud83d", "```"
  };

  @Test
  void acceptsOnlyWhatJacksonReadsTheSameAndMostPlainLines() {
    SplittableRandom r = new SplittableRandom(20261202);
    TraceLine fast = new TraceLine();
    int accepted = 0;
    int plain = 0;
    int plainAccepted = 0;
    int lines = 0;
    int written = 0;
    for (int i = 0; i < 4_000; i++) {
      TraceRecord rec = record(r);
      String line = write(rec);
      boolean ascii = line.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
      byte[] own = line.getBytes(StandardCharsets.UTF_8);
      written += fast.parse(own, own.length) != null ? 1 : 0;
      for (String variant : variants(line, r)) {
        lines++;
        byte[] bytes = variant.getBytes(StandardCharsets.UTF_8);
        TraceRecord got = fast.parse(bytes, bytes.length);
        TraceRecord want;
        try {
          want = TraceReader.parse(bytes, bytes.length);
        } catch (TraceReader.Malformed e) {
          assertNull(
              got, () -> "Jackson rejects (" + e.getMessage() + ") but fast read: " + variant);
          continue;
        }
        if (got != null) {
          accepted++;
          assertEquals(want, got, variant);
        }
      }
      for (int k = 0; k < 3; k++) {
        lines++;
        byte[] bytes = mangle(line.getBytes(StandardCharsets.UTF_8), r);
        TraceRecord got = fast.parse(bytes, bytes.length);
        try {
          TraceRecord want = TraceReader.parse(bytes, bytes.length);
          if (got != null) {
            accepted++;
            assertEquals(want, got, () -> new String(bytes, StandardCharsets.UTF_8));
          }
        } catch (TraceReader.Malformed e) {
          assertNull(got, () -> "Jackson rejects (" + e.getMessage() + ") but fast read bytes");
        }
      }
      if (ascii && !line.contains("\\u")) {
        plain++;
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (fast.parse(bytes, bytes.length) != null) {
          plainAccepted++;
        }
      }
    }
    // The fast path must carry the common case, or it is dead weight: every plain writer's line,
    // and nearly every line the writer wrote (escapes and non-ASCII included).
    assertTrue(written > 3_800, "writer's lines the fast path read: " + written + " of 4000");
    assertTrue(plain > 500, "plain lines generated: " + plain);
    assertEquals(plain, plainAccepted, "plain lines the fast path read");
    assertTrue(accepted > lines / 8, "accepted " + accepted + " of " + lines);
  }

  @Test
  void readsNumbersAsACorrectlyRoundedParserDoes() throws Exception {
    TraceLine fast = new TraceLine();
    String[] ok = {"0", "0.7", "1", "1.0", "0.30", "2", "0.123456789012345", "123456.789", "1.5"};
    for (String t : ok) {
      byte[] b = withTemperature(t);
      TraceRecord got = fast.parse(b, b.length);
      assertNotNull(got, t);
      assertEquals(Double.parseDouble(t), got.temperature(), t);
      assertEquals(TraceReader.parse(b, b.length), got, t);
    }
    String[] left = {"1e2", "-1", "01", "1.", ".5", "0.1234567890123456", "1E-2", "-0", "Infinity"};
    for (String t : left) {
      byte[] b = withTemperature(t);
      assertNull(fast.parse(b, b.length), t);
    }
  }

  /**
   * Vectors written independently of this project: the string tokens of JSONTestSuite (valid,
   * invalid and implementation-defined: escapes, surrogates, overlong and truncated UTF-8, control
   * characters), each as a trace line's prompt. Wherever the fast path reads one, Jackson reads the
   * same; every one Jackson rejects, the fast path leaves; and it reads every valid one.
   */
  @Test
  void agreesWithJacksonOnJsonTestSuiteStrings() throws Exception {
    TraceLine fast = new TraceLine();
    int valid = 0;
    int validRead = 0;
    int vectors = 0;
    try (java.io.BufferedReader in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                TraceLineTest.class.getResourceAsStream("jsontestsuite-strings.txt"),
                StandardCharsets.US_ASCII))) {
      String row;
      while ((row = in.readLine()) != null) {
        if (row.startsWith("#") || row.isBlank()) {
          continue;
        }
        String name = row.substring(0, row.indexOf('\t'));
        byte[] token = java.util.HexFormat.of().parseHex(row.substring(row.indexOf('\t') + 1));
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        line.writeBytes(
            "{\"ts\":\"2026-04-22T00:00:00Z\",\"account\":\"a\",\"prompt\":"
                .getBytes(StandardCharsets.US_ASCII));
        line.writeBytes(token);
        line.writeBytes("}".getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = line.toByteArray();
        vectors++;
        TraceRecord got = fast.parse(bytes, bytes.length);
        try {
          TraceRecord want = TraceReader.parse(bytes, bytes.length);
          if (got != null) {
            assertEquals(want, got, name);
          }
        } catch (TraceReader.Malformed e) {
          assertNull(got, name + ": Jackson rejects it (" + e.getMessage() + ")");
        }
        if (name.startsWith("y_")) {
          valid++;
          validRead += got != null ? 1 : 0;
        }
      }
    }
    assertEquals(83, vectors);
    assertEquals(valid, validRead, "valid strings read by the fast path");
  }

  /**
   * System prompts and tiers recur whole, and are read once (PlainJson.recurringValue,
   * RecentStrings): a repeat is the same String, and every line reads as Jackson reads it, whatever
   * the cache held. The pool is built to fool a cache keyed by a prefix: 40 prompts sharing their
   * first 150 bytes, one a prefix of another, escapes and non-ASCII inside the compared bytes, an
   * empty one, one past the cache's size limit, and a quote escaped right where another prompt
   * ends.
   */
  @Test
  void recurringStringsAreReadOnceAndExactly() throws Exception {
    SplittableRandom r = new SplittableRandom(20261204);
    String shared = "You are a helpful assistant for ".repeat(5);
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pool.add(shared + "product " + i + (i % 3 == 0 ? "\n\"line\"\t中文😀" : ""));
    }
    pool.add(shared);
    pool.add(shared + "product 1");
    pool.add(shared + "product 1\"");
    pool.add(shared + "product 1\\");
    pool.add("");
    pool.add("x".repeat(RecentStrings.MAX_BYTES + 1));
    for (int i = 0; i < 100; i++) {
      pool.add(text(r));
    }
    TraceLine fast = new TraceLine();
    TraceRecord base = record(r);
    String previous = null;
    TraceRecord previousRecord = null;
    int same = 0;
    for (int i = 0; i < 20_000; i++) {
      // Mostly a few hot prompts, as hosts send them; now and then any of the pool.
      String system = pool.get(r.nextInt(4) > 0 ? r.nextInt(8) : r.nextInt(pool.size()));
      String tier = r.nextBoolean() ? "free" : "enterprise-" + r.nextInt(3);
      TraceRecord rec =
          new TraceRecord(base.ts(), "a", -1, tier, null, null, 0, system, text(r), 0, -1, 0, 0);
      String line = write(rec);
      if (r.nextBoolean()) {
        line = line.replace(",\"", " ,\"");
      }
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      TraceRecord got = fast.parse(bytes, bytes.length);
      assertNotNull(got, line);
      assertEquals(TraceReader.parse(bytes, bytes.length), got, line);
      if (system.equals(previous) && system.length() <= RecentStrings.MAX_BYTES) {
        assertSame(previousRecord.system(), got.system(), "a repeat reads as the same String");
        same++;
      }
      previous = system;
      previousRecord = got;
    }
    assertTrue(same > 1_000, "repeats seen: " + same);
  }

  /** Prompts far past the scratch buffer's first size, escaped and not, read whole. */
  @Test
  void readsLongPrompts() throws Exception {
    TraceLine fast = new TraceLine();
    SplittableRandom r = new SplittableRandom(7);
    for (int len : new int[] {255, 256, 257, 1_000, 70_000}) {
      StringBuilder b = new StringBuilder();
      while (b.length() < len) {
        b.append(PIECES[r.nextInt(PIECES.length)]);
      }
      TraceRecord rec = record(r);
      for (String prompt : new String[] {b.toString(), "x".repeat(len)}) {
        TraceRecord want =
            new TraceRecord(rec.ts(), "a", -1, "free", null, null, 0, null, prompt, 0, -1, 0, 0);
        byte[] line = write(want).getBytes(StandardCharsets.UTF_8);
        TraceRecord got = fast.parse(line, line.length);
        assertNotNull(got, "length " + len);
        assertEquals(TraceReader.parse(line, line.length), got);
      }
    }
  }

  /**
   * Every hex escape, read by the fast path and as Jackson reads it: each code unit (one, two and
   * three UTF-8 bytes; surrogates alone, paired, and a high one followed by a non-surrogate or
   * another escape), beside raw UTF-8 and the short escapes, and a lone surrogate at the end.
   */
  @Test
  void readsEveryHexEscapeAsJacksonDoes() throws Exception {
    TraceLine fast = new TraceLine();
    int read = 0;
    for (int v = 0; v <= 0xFFFF; v++) {
      String u = String.format(java.util.Locale.ROOT, "\\u%04x", v);
      for (String prompt :
          new String[] {
            "a" + u + "b",
            "é\\n" + String.format(java.util.Locale.ROOT, "\\u%04X", v),
            u + "\\udc00" + u + "\\u0041\\\"😀",
            "\\ud83d" + u
          }) {
        byte[] line =
            ("{\"ts\":\"2026-04-22T00:00:00Z\",\"account\":\"a\",\"prompt\":\"" + prompt + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        TraceRecord got = fast.parse(line, line.length);
        assertNotNull(got, prompt);
        assertEquals(TraceReader.parse(line, line.length), got, prompt);
        read++;
      }
    }
    assertEquals(4 * 65_536, read);
  }

  private static byte[] withTemperature(String t) {
    return ("{\"ts\":\"2026-04-22T00:00:00Z\",\"account\":\"a\",\"prompt\":\"p\",\"temperature\":"
            + t
            + "}")
        .getBytes(StandardCharsets.US_ASCII);
  }

  static TraceRecord record(SplittableRandom r) {
    long ts = 1_776_000_000_000L + r.nextLong(10_000_000_000L);
    return new TraceRecord(
        r.nextInt(20) == 0 ? ts - r.nextLong(1000) : ts,
        r.nextInt(10) == 0 ? text(r) : "acct_" + Long.toHexString(r.nextLong()),
        r.nextBoolean() ? -1 : ts - r.nextLong(1_000_000_000L),
        r.nextInt(8) == 0 ? text(r) : "free",
        r.nextBoolean() ? null : "203.0." + r.nextInt(256) + ".0/24",
        r.nextBoolean() ? null : "conv_" + r.nextInt(1000),
        r.nextInt(4),
        r.nextBoolean() ? null : text(r),
        text(r),
        r.nextInt(3) == 0 ? 0 : r.nextInt(40_000),
        r.nextBoolean() ? -1 : r.nextInt(21) / 10.0,
        r.nextInt(3) == 0 ? r.nextInt(21) : 0,
        r.nextInt(5000));
  }

  private static String text(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(1, 30);
    boolean plain = r.nextInt(3) > 0;
    for (int i = 0; i < n; i++) {
      b.append(plain ? PIECES[r.nextInt(5)] : PIECES[r.nextInt(PIECES.length)]);
    }
    return b.toString();
  }

  private static String write(TraceRecord rec) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter w = TraceWriter.of(out)) {
      w.write(rec);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8).strip();
  }

  /** The line and mutations of it. */
  private static List<String> variants(String line, SplittableRandom r) {
    List<String> v = new ArrayList<>();
    v.add(line);
    v.add(line.replace(",\"", " ,\t\"").replace("\":", "\" : "));
    v.add("  " + line + " \r");
    v.add(line.replace("\"prompt\":\"", "\"prompt\":\"\\u00e9\\ud83d\\ude00\\/\\b\\f"));
    v.add(line.replace("\"prompt\":\"", "\"prompt\":\"\\ud83d x\\uDFFF"));
    v.add(line.replace("\"prompt\":\"", "\"prompt\":\"\\q"));
    v.add(line.replace("\"prompt\":\"", "\"prompt\":\"\\u12G4"));
    v.add(
        line.replace(
            "{",
            "{\"extra\":"
                + pick(r, "1", "-2", "0.5", "\"x\"", "null", "true", "[1]", "{\"a\":1}", "1e9")
                + ","));
    v.add(line.replace("{", "{\"prompt\":" + pick(r, "5", "null", "\"first\"") + ","));
    v.add(line.replace("}", ",\"prompt\":" + pick(r, "5", "null", "\"last\"") + "}"));
    v.add(
        line.replace(
            "}",
            ",\"turn\":" + pick(r, "1", "1.0", "-1", "2147483648", "null", "\"1\"", "01") + "}"));
    v.add(
        line.replace(
            "}",
            ",\"temperature\":" + pick(r, "0.7", "1e-1", "null", "\"0.7\"", "2.50", "0") + "}"));
    v.add(line.replace("}", ",\"client\":" + pick(r, "null", "3", "\"c\"") + "}"));
    v.add(
        line.replace(
            "}",
            ",\"account_created\":"
                + pick(r, "null", "\"2026-04-01T00:00:00+02:00\"", "\"yesterday\"", "7")
                + "}"));
    v.add(line.replace("\"ts\":\"", "\"ts\":\"x"));
    v.add(
        line.replace(
            "\"account\":\"", "\"account\":" + pick(r, "null", "\"\"", "1") + ",\"_\":\""));
    v.add(line.replace("}", ",}"));
    v.add(line + pick(r, "x", "{}", " 1", ","));
    v.add(line.substring(0, r.nextInt(1, line.length())));
    v.add(line.replace("\"tier\"", "\"ti\\u0065r\""));
    v.add("{}");
    v.add("[" + line + "]");
    return v;
  }

  /**
   * The line's bytes with one to three bytes inside its prompt replaced or inserted: UTF-8 lead and
   * continuation bytes, overlong forms, encoded surrogates, and bytes past U+10FFFF.
   */
  private static byte[] mangle(byte[] line, SplittableRandom r) {
    String s = new String(line, StandardCharsets.ISO_8859_1);
    int from = s.indexOf("\"prompt\":\"") + 10;
    int to = s.indexOf('"', from);
    if (from < 10 || to <= from) {
      return line;
    }
    byte[][] odd = {
      {(byte) 0xC3, (byte) 0xA9},
      {(byte) 0xE2, (byte) 0x80, (byte) 0x9C},
      {(byte) 0x80},
      {(byte) 0xC0, (byte) 0xAF},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80},
      {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
      {(byte) 0xFF},
      {(byte) 0xC3},
      {(byte) 0xE2, (byte) 0x82},
      {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = from + r.nextInt(to - from);
    out.write(line, 0, at);
    for (int k = r.nextInt(1, 4); k > 0; k--) {
      byte[] b = odd[r.nextInt(odd.length)];
      out.write(b, 0, b.length);
    }
    int skip = r.nextBoolean() ? 0 : Math.min(1, to - at);
    out.write(line, at + skip, line.length - at - skip);
    return out.toByteArray();
  }

  private static String pick(SplittableRandom r, String... xs) {
    return xs[r.nextInt(xs.length)];
  }
}
