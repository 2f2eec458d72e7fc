package dev.moat.detect;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A strict lexer for the plain JSON of {@link TraceLine}: keys that are plain ASCII, and values
 * that are strings (well-formed UTF-8 by RFC 3629, JSON's escapes), non-negative numbers of at most
 * 15 digits, or null. Each method returns false (or {@link #NOT_PLAIN}) on anything outside that,
 * for the full parser to judge.
 *
 * <p>Not thread-safe: one per reader (it keeps a scratch buffer for escaped strings and the
 * recurring strings of {@link #recurringValue}).
 */
final class PlainJson {
  /** A key that is not plain (escaped, non-ASCII, unterminated) or has no colon. */
  static final int NOT_PLAIN = -1;

  /** Bytes a string takes as they are: printable ASCII but the quote and the backslash. */
  static final boolean[] PLAIN = new boolean[256];

  static {
    for (int b = 0x20; b < 0x7F; b++) {
      PLAIN[b] = b != '"' && b != '\\';
    }
    PLAIN[0x7F] = true;
  }

  byte[] bytes = new byte[0];
  int length;
  int at;
  private final JsonEscapes escapes = new JsonEscapes(this);

  // The value just read: a string (or null), or a number's parts.
  @Nullable String text;
  boolean isNull;
  boolean isNumber;
  long mantissa;
  int decimals;

  /** Starts on {@code bytes[0, length)}. */
  void reset(byte[] bytes, int length) {
    this.bytes = bytes;
    this.length = length;
    this.at = 0;
  }

  /**
   * A plain ASCII key and its colon: its index in {@code names}, {@code names.length} if it is none
   * of them, or {@link #NOT_PLAIN}.
   */
  int key(byte[][] names) {
    if (!take('"')) {
      return NOT_PLAIN;
    }
    int start = at;
    while (at < length && bytes[at] != '"') {
      byte b = bytes[at];
      if (b == '\\' || b < 0x20) {
        return NOT_PLAIN; // escaped, non-ASCII (negative bytes) or control: the full parser's
      }
      at++;
    }
    if (at == length) {
      return NOT_PLAIN;
    }
    int field = field(names, start, at - start);
    at++;
    skipSpace();
    if (!take(':')) {
      return NOT_PLAIN;
    }
    skipSpace();
    return field;
  }

  private int field(byte[][] names, int start, int n) {
    names:
    for (int f = 0; f < names.length; f++) {
      byte[] name = names[f];
      if (name.length != n) {
        continue;
      }
      for (int k = 0; k < n; k++) {
        if (bytes[start + k] != name[k]) {
          continue names;
        }
      }
      return f;
    }
    return names.length;
  }

  private final RecentStrings recent = new RecentStrings();

  /**
   * As {@link #value}, for a field whose strings recur whole (a host sends its system prompt with
   * every request): a string whose raw bytes equal one {@link RecentStrings} keeps is that string's
   * text, the same {@code String}, after one comparison of the bytes and no decoding. Equal raw
   * bytes decode to equal text, and were well-formed when first read, so the result is what {@link
   * #value} would give.
   */
  boolean recurringValue() {
    if (at >= length || bytes[at] != '"') {
      return value();
    }
    int start = at + 1;
    int set = recent.set(bytes, start, length);
    String kept = recent.find(set, bytes, start, length);
    if (kept != null) {
      text = kept;
      isNull = false;
      isNumber = false;
      at = start + recent.rawLength;
      return true;
    }
    if (!value()) {
      return false;
    }
    recent.keep(set, bytes, start, at - 1, text); // at - 1: the closing quote
    return true;
  }

  /** Reads one plain value (a string, a non-negative number, or null); false if it is not one. */
  boolean value() {
    text = null;
    isNull = false;
    isNumber = false;
    if (at >= length) {
      return false;
    }
    byte b = bytes[at];
    if (b == '"') {
      at++;
      return string();
    }
    if (b == 'n') {
      if (at + 4 <= length
          && bytes[at + 1] == 'u'
          && bytes[at + 2] == 'l'
          && bytes[at + 3] == 'l') {
        at += 4;
        isNull = true;
        return at == length || delimiter(bytes[at]);
      }
      return false;
    }
    if (b >= '0' && b <= '9') {
      return number(b);
    }
    return false; // negative numbers, true/false, objects, arrays: the full parser's
  }

  /** A non-negative number: an integer, or one with a fraction of at most 15 digits in all. */
  private boolean number(byte first) {
    isNumber = true;
    mantissa = 0;
    decimals = 0;
    int digits = 0;
    if (first == '0') {
      at++;
      if (at < length && bytes[at] >= '0' && bytes[at] <= '9') {
        return false; // a leading zero: not JSON, the full parser reports it
      }
    } else {
      while (at < length && bytes[at] >= '0' && bytes[at] <= '9') {
        mantissa = mantissa * 10 + (bytes[at++] - '0');
        if (++digits > 15) {
          return false;
        }
      }
    }
    if (at < length && bytes[at] == '.') {
      at++;
      int start = at;
      while (at < length && bytes[at] >= '0' && bytes[at] <= '9') {
        mantissa = mantissa * 10 + (bytes[at++] - '0');
        decimals++;
        if (++digits > 15) {
          return false;
        }
      }
      if (at == start) {
        return false;
      }
    }
    return at == length || delimiter(bytes[at]);
  }

  private static boolean delimiter(byte b) {
    return b == ',' || b == '}' || b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }

  /** The rest of a string after its opening quote, with JSON's escapes; strict UTF-8. */
  private boolean string() {
    int start = at;
    boolean ascii = true;
    while (at < length) {
      at = ByteRuns.plain(bytes, at, length, PLAIN); // the common case, eight bytes at a time
      if (at == length) {
        return false;
      }
      byte b = bytes[at];
      if (b == '"') {
        text =
            new String(
                bytes,
                start,
                at - start,
                ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        at++;
        return true;
      }
      if (b == '\\') {
        return escapes.escaped(start);
      }
      if (b < 0) {
        int n = utf8(at);
        if (n < 0) {
          return false;
        }
        ascii = false;
        at += n;
        continue;
      }
      if (b < 0x20) {
        return false; // an unescaped control character: the full parser reports it
      }
      at++;
    }
    return false;
  }

  /**
   * The length of the well-formed UTF-8 sequence at {@code i} (RFC 3629: no overlong forms, no
   * surrogates, nothing past U+10FFFF), or -1: anything else is the full parser's to judge.
   */
  int utf8(int i) {
    int b0 = bytes[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      lo = b0 == 0xE0 ? 0xA0 : 0x80;
      hi = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      lo = b0 == 0xF0 ? 0x90 : 0x80;
      hi = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
      return -1;
    }
    if (i + n > length) {
      return -1;
    }
    int b1 = bytes[i + 1] & 0xFF;
    if (b1 < lo || b1 > hi) {
      return -1;
    }
    for (int k = 2; k < n; k++) {
      int c = bytes[i + k] & 0xFF;
      if (c < 0x80 || c > 0xBF) {
        return -1;
      }
    }
    return n;
  }

  void skipSpace() {
    while (at < length) {
      byte b = bytes[at];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return;
      }
      at++;
    }
  }

  boolean take(char c) {
    if (at < length && bytes[at] == c) {
      at++;
      return true;
    }
    return false;
  }
}
