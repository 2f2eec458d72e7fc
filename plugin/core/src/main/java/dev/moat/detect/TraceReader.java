package dev.moat.detect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Reads the trace format: JSON Lines, one request per line, sorted by {@code ts}, optionally gzip
 * ({@code .gz}). Fields: {@code ts} (RFC 3339), {@code account}, {@code account_created}
 * (optional), {@code tier}, {@code client} (optional), {@code conversation} (optional), {@code
 * turn}, {@code system} (optional), {@code prompt}, {@code max_tokens}, {@code temperature}, {@code
 * top_logprobs}, {@code output_tokens}. {@code ts}, {@code account} and {@code prompt} are
 * required; unknown fields are ignored. An optional field given as {@code null} reads as if it were
 * absent; integers may be written in any JSON number form with an integral value ({@code 4096.0});
 * times may use RFC 3339's space or lower-case {@code t} and {@code z}, and {@code account_created}
 * may be a full-date ({@code 2026-04-01}, its midnight UTC).
 *
 * <p>A malformed line (not JSON, a required field missing, a field of the wrong type, a time that
 * is not RFC 3339, or a {@code ts} earlier than the line before: the trace must be sorted) is
 * reported to the problem sink with its line number, the field and the value, and skipped; {@link
 * #skipped()} counts them. Nothing is lost silently.
 *
 * <p>Lines in the format's plain shape are read by a fast path ({@link TraceLine}); the rest, and
 * every line with an error, by Jackson, so the record or the error is the same either way.
 *
 * <p>Not thread-safe: one reader per stream. Allocation: one record and its strings per line.
 */
public final class TraceReader implements Closeable {
  // Jackson's bundled FastDoubleParser: correctly rounded like Double.parseDouble (the same
  // values), at a fraction of its cost for temperature.
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private byte[] lineBuf = new byte[1 << 12];
  private int lineLen;
  private final Consumer<String> problems;
  private final TraceLine plain = new TraceLine();
  private final String name;
  private long line;
  private long skipped;
  private long lastTs = Long.MIN_VALUE;

  private TraceReader(InputStream stream, String name, Consumer<String> problems) {
    this.in = stream;
    this.name = name;
    this.problems = problems;
  }

  /** Opens a trace file; a name ending in {@code .gz} is read through gzip. */
  public static TraceReader open(Path file, Consumer<String> problems) throws IOException {
    InputStream s = Files.newInputStream(file);
    try {
      if (file.toString().endsWith(".gz")) {
        s = new GZIPInputStream(s, 1 << 16);
      }
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return new TraceReader(s, file.toString(), problems);
  }

  /** Reads a trace from a stream (not gzip-decoded); {@code name} appears in problem reports. */
  public static TraceReader of(InputStream stream, String name, Consumer<String> problems) {
    return new TraceReader(stream, name, problems);
  }

  /** Lines skipped as malformed so far. */
  public long skipped() {
    return skipped;
  }

  /** Lines read so far, including skipped and blank ones. */
  public long lines() {
    return line;
  }

  /** The next well-formed record, or null at the end of the trace. */
  public @Nullable TraceRecord next() {
    while (true) {
      boolean more;
      try {
        more = readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(name + " line " + (line + 1) + ": " + e.getMessage(), e);
      }
      if (!more) {
        return null;
      }
      line++;
      if (blank()) {
        continue;
      }
      try {
        TraceRecord fast = plain.parse(lineBuf, lineLen);
        TraceRecord r = fast != null ? fast : parse(lineBuf, lineLen);
        if (r.ts() < lastTs) {
          throw new Malformed(
              "ts",
              Instant.ofEpochMilli(r.ts()).toString(),
              "no earlier than the line before ("
                  + Instant.ofEpochMilli(lastTs)
                  + "): the trace must be sorted by ts");
        }
        lastTs = r.ts();
        return r;
      } catch (Malformed m) {
        skipped++;
        problems.accept(name + " line " + line + ": " + m.getMessage());
      }
    }
  }

  /**
   * Reads the next line's bytes (without its end of line) into {@code lineBuf}; false at the end.
   * Lines are split on bytes: UTF-8 never has a newline byte inside a character.
   */
  private boolean readLine() throws IOException {
    lineLen = 0;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        limit = in.read(buf, 0, buf.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          return any;
        }
      }
      any = true;
      int start = pos;
      pos = ByteRuns.newline(buf, pos, limit);
      int len = pos - start;
      if (lineLen + len > lineBuf.length) {
        lineBuf = java.util.Arrays.copyOf(lineBuf, Math.max(lineBuf.length * 2, lineLen + len));
      }
      System.arraycopy(buf, start, lineBuf, lineLen, len);
      lineLen += len;
      if (pos < limit) {
        pos++; // the newline
        if (lineLen > 0 && lineBuf[lineLen - 1] == '\r') {
          lineLen--;
        }
        return true;
      }
    }
  }

  private boolean blank() {
    for (int i = 0; i < lineLen; i++) {
      byte b = lineBuf[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\f') {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses one line with Jackson (lines {@link TraceLine} leaves, and the reference it is tested
   * against); throws {@link Malformed} naming the field, the value and the rule.
   */
  static TraceRecord parse(byte[] bytes, int length) throws Malformed {
    TraceFields f = new TraceFields();
    try (JsonParser p = JSON.createParser(bytes, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new Malformed(
            "line", shorten(new String(bytes, 0, length, StandardCharsets.UTF_8)), "a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        // null is JSON's "not given": an optional field's default, as if the field were absent.
        boolean nil = v == JsonToken.VALUE_NULL;
        switch (field) {
          case "ts" -> f.ts = time(field, p, v, false);
          case "account" -> f.account = text(field, p, v);
          case "account_created" -> f.created = nil ? -1 : time(field, p, v, true);
          case "tier" -> f.tier = nil ? "" : text(field, p, v);
          case "client" -> f.client = string(field, p, v, true);
          case "conversation" -> f.conversation = string(field, p, v, true);
          case "turn" -> f.turn = nil ? -1 : integer(field, p, v);
          case "system" -> f.system = string(field, p, v, true);
          case "prompt" -> f.prompt = text(field, p, v);
          case "max_tokens" -> f.maxTokens = nil ? 0 : integer(field, p, v);
          case "temperature" -> f.temperature = nil ? -1 : number(field, p, v);
          case "top_logprobs" -> f.topLogprobs = nil ? 0 : integer(field, p, v);
          case "output_tokens" -> f.outputTokens = nil ? 0 : integer(field, p, v);
          default -> p.skipChildren(); // unknown fields are ignored
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new Malformed(
            "line",
            shorten(new String(bytes, 0, length, StandardCharsets.UTF_8)),
            "one JSON object");
      }
    } catch (Malformed m) {
      throw m;
    } catch (IOException e) {
      throw new Malformed(
          "line",
          shorten(new String(bytes, 0, length, StandardCharsets.UTF_8)),
          "valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (f.ts == Long.MIN_VALUE) {
      throw new Malformed("ts", "(missing)", "an RFC 3339 time such as 2026-04-22T03:14:15.926Z");
    }
    if (f.account == null || f.account.isEmpty()) {
      throw new Malformed("account", f.account == null ? "(missing)" : "", "a non-empty string");
    }
    if (f.prompt == null) {
      throw new Malformed("prompt", "(missing)", "a string");
    }
    return f.record();
  }

  private static long time(String field, JsonParser p, JsonToken v, boolean dateOnly)
      throws IOException {
    String rule =
        dateOnly
            ? "an RFC 3339 time such as 2026-04-22T03:14:15.926Z or a date such as 2026-04-22"
            : "an RFC 3339 time such as 2026-04-22T03:14:15.926Z";
    if (v != JsonToken.VALUE_STRING) {
      throw new Malformed(field, p.getText(), rule);
    }
    long ms = TraceTime.parse(p.getText(), dateOnly);
    if (ms == Long.MIN_VALUE) {
      throw new Malformed(field, p.getText(), rule);
    }
    return ms;
  }

  private static String text(String field, JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    throw new Malformed(field, shorten(valueText(p, v)), "a string");
  }

  private static @Nullable String string(String field, JsonParser p, JsonToken v, boolean nullable)
      throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (nullable && v == JsonToken.VALUE_NULL) {
      return null;
    }
    throw new Malformed(
        field, shorten(valueText(p, v)), nullable ? "a string or null" : "a string");
  }

  /**
   * A non-negative integer that fits an int. JSON has one number type (RFC 8259), so an integral
   * value written with a fraction or an exponent ({@code 4096.0}, {@code 4.096e3}) is one too.
   */
  private static int integer(String field, JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() == JsonParser.NumberType.INT
        && p.getIntValue() >= 0) {
      return p.getIntValue();
    }
    if (v == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (d >= 0 && d <= Integer.MAX_VALUE && d == Math.rint(d)) {
        return (int) d;
      }
    }
    throw new Malformed(field, shorten(valueText(p, v)), "a non-negative integer");
  }

  private static double number(String field, JsonParser p, JsonToken v) throws IOException {
    if ((v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT)
        && p.getDoubleValue() >= 0
        && Double.isFinite(p.getDoubleValue())) {
      return p.getDoubleValue();
    }
    throw new Malformed(field, shorten(valueText(p, v)), "a non-negative number");
  }

  private static String valueText(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
      p.skipChildren();
      return v == JsonToken.START_OBJECT ? "{…}" : "[…]";
    }
    return p.getText();
  }

  private static String shorten(String s) {
    return dev.moat.internal.Messages.clip(s, 60, "…");
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** A malformed line; its message names the field, the value and the rule. */
  static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;

    Malformed(String field, String value, String rule) {
      super(dev.moat.internal.Messages.invalid(field, value, rule));
    }
  }
}
