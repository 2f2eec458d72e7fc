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
  private static final boolean[] PLAIN = new boolean[256];

  static {
    for (int b = 0x20; b < 0x7F; b++) {
      PLAIN[b] = b != '"' && b != '\\';
    }
    PLAIN[0x7F] = true;
  }

  byte[] bytes = new byte[0];
  int length;
  int at;
  private char[] chars = new char[256];
  private byte[] unescaped = new byte[256];

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
        return escaped(start);
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
  private int utf8(int i) {
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

  /**
   * A string with escapes from {@code start} (well-formed UTF-8 before {@link #at}, which is at its
   * first backslash), unescaped into UTF-8 bytes: runs of plain bytes are found eight at a time and
   * copied in bulk, and the String is made from bytes as {@link #string} makes it. Unescaping into
   * chars, a byte at a time, then compressing them into a Latin-1 String, took a tenth of a
   * replay's reading thread (JFR, 2026-12-06). A hex escape of a lone surrogate, which UTF-8 cannot
   * hold, is read by {@link #escapedChars}.
   */
  private boolean escaped(int start) {
    if (unescaped.length < length - start) {
      // Room for the rest of the line: no escape or sequence gives more bytes than it takes.
      unescaped = new byte[Math.max(2 * unescaped.length, length - start)];
    }
    byte[] out = unescaped;
    int n = 0;
    boolean ascii = true;
    at = start; // no quote before the backslash: string() stopped there
    while (at < length) {
      int run = ByteRuns.plain(bytes, at, length, PLAIN);
      System.arraycopy(bytes, at, out, n, run - at);
      n += run - at;
      at = run;
      if (at == length) {
        return false;
      }
      byte b = bytes[at];
      if (b == '"') {
        at++;
        text = new String(out, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        return true;
      }
      if (b < 0) {
        int len = utf8(at);
        if (len < 0) {
          return false;
        }
        System.arraycopy(bytes, at, out, n, len);
        n += len;
        at += len;
        ascii = false;
        continue;
      }
      if (b != '\\' || at + 1 >= length) {
        return false; // a control character, or a backslash that ends the line
      }
      byte e = bytes[at + 1];
      at += 2;
      switch (e) {
        case '"' -> out[n++] = '"';
        case '\\' -> out[n++] = '\\';
        case '/' -> out[n++] = '/';
        case 'b' -> out[n++] = '\b';
        case 'f' -> out[n++] = '\f';
        case 'n' -> out[n++] = '\n';
        case 'r' -> out[n++] = '\r';
        case 't' -> out[n++] = '\t';
        case 'u' -> {
          int v = hex4(at);
          if (v < 0) {
            return false;
          }
          at += 4;
          if (v < 0x80) {
            out[n++] = (byte) v;
            continue;
          }
          ascii = false;
          if (v < 0x800) {
            out[n++] = (byte) (0xC0 | v >> 6);
            out[n++] = (byte) (0x80 | (v & 0x3F));
          } else if (!Character.isSurrogate((char) v)) {
            out[n++] = (byte) (0xE0 | v >> 12);
            out[n++] = (byte) (0x80 | ((v >> 6) & 0x3F));
            out[n++] = (byte) (0x80 | (v & 0x3F));
          } else {
            int low =
                Character.isHighSurrogate((char) v)
                        && at + 6 <= length
                        && bytes[at] == '\\'
                        && bytes[at + 1] == 'u'
                    ? hex4(at + 2)
                    : -1;
            if (low < 0 || !Character.isLowSurrogate((char) low)) {
              return escapedChars(start);
            }
            at += 6;
            int cp = Character.toCodePoint((char) v, (char) low);
            out[n++] = (byte) (0xF0 | cp >> 18);
            out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[n++] = (byte) (0x80 | (cp & 0x3F));
          }
        }
        default -> {
          return false;
        }
      }
    }
    return false;
  }

  /** The four hex digits at {@code i} as a number, or -1. */
  private int hex4(int i) {
    if (i + 4 > length) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(bytes[i + k], 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  /**
   * {@link #escaped} into chars: for a string that escapes a lone surrogate (a String holds it as
   * it is, as Jackson reads it).
   */
  private boolean escapedChars(int start) {
    int n = 0;
    at = start; // no quote before the backslash: string() stopped there
    if (chars.length < length - start) {
      // Room for the rest of the line: no byte gives more than one char (four give two).
      chars = new char[Math.max(2 * chars.length, length - start)];
    }
    char[] out = chars;
    while (at < length) {
      while (at < length && PLAIN[bytes[at] & 0xFF]) {
        out[n++] = (char) bytes[at++];
      }
      if (at == length) {
        return false;
      }
      byte b = bytes[at];
      if (b == '"') {
        at++;
        text = new String(out, 0, n);
        return true;
      }
      if (b < 0) {
        int len = utf8(at);
        if (len < 0) {
          return false;
        }
        n = putCodePoint(n, at, len);
        at += len;
        continue;
      }
      at++;
      if (b < 0x20) {
        return false;
      }
      if (b != '\\') {
        n = put(n, (char) b);
        continue;
      }
      if (at >= length) {
        return false;
      }
      byte e = bytes[at++];
      char c;
      switch (e) {
        case '"' -> c = '"';
        case '\\' -> c = '\\';
        case '/' -> c = '/';
        case 'b' -> c = '\b';
        case 'f' -> c = '\f';
        case 'n' -> c = '\n';
        case 'r' -> c = '\r';
        case 't' -> c = '\t';
        case 'u' -> {
          if (at + 4 > length) {
            return false;
          }
          int v = 0;
          for (int k = 0; k < 4; k++) {
            int d = Character.digit(bytes[at++], 16);
            if (d < 0) {
              return false;
            }
            v = v * 16 + d;
          }
          c = (char) v;
        }
        default -> {
          return false;
        }
      }
      n = put(n, c);
    }
    return false;
  }

  /** Puts the code point of the well-formed {@code len}-byte sequence at {@code i}. */
  private int putCodePoint(int n, int i, int len) {
    int cp = bytes[i] & (0xFF >> (len + 1));
    for (int k = 1; k < len; k++) {
      cp = (cp << 6) | (bytes[i + k] & 0x3F);
    }
    if (cp >= Character.MIN_SUPPLEMENTARY_CODE_POINT) {
      n = put(n, Character.highSurrogate(cp));
      return put(n, Character.lowSurrogate(cp));
    }
    return put(n, (char) cp);
  }

  /** Puts {@code c} at {@code n}: {@link #escaped} made room for the whole string first. */
  private int put(int n, char c) {
    chars[n] = c;
    return n + 1;
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
