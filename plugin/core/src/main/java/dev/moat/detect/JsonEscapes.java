package dev.moat.detect;

import java.nio.charset.StandardCharsets;

/**
 * {@link PlainJson}'s strings with escapes: unescaped into UTF-8 bytes, or into chars where an
 * escape is a lone surrogate. Not thread-safe: one per {@link PlainJson}, whose buffers these are.
 */
final class JsonEscapes {
  private final PlainJson j;
  private char[] chars = new char[256];
  private byte[] unescaped = new byte[256];

  JsonEscapes(PlainJson j) {
    this.j = j;
  }

  /**
   * A string with escapes from {@code start} (well-formed UTF-8 before {@code j.at}, which is at
   * its first backslash), unescaped into UTF-8 bytes: runs of plain bytes are found eight at a time
   * and copied in bulk, and the String is made from bytes, as for a string without escapes.
   * Unescaping into chars, a byte at a time, then compressing them into a Latin-1 String, took a
   * tenth of a replay's reading thread (JFR, 2026-12-06). A hex escape of a lone surrogate, which
   * UTF-8 cannot hold, is read by {@link #escapedChars}.
   */
  boolean escaped(int start) {
    if (unescaped.length < j.length - start) {
      // Room for the rest of the line: no escape or sequence gives more bytes than it takes.
      unescaped = new byte[Math.max(2 * unescaped.length, j.length - start)];
    }
    byte[] out = unescaped;
    int n = 0;
    boolean ascii = true;
    j.at = start; // no quote before the backslash: string() stopped there
    while (j.at < j.length) {
      int run = ByteRuns.plain(j.bytes, j.at, j.length, PlainJson.PLAIN);
      System.arraycopy(j.bytes, j.at, out, n, run - j.at);
      n += run - j.at;
      j.at = run;
      if (j.at == j.length) {
        return false;
      }
      byte b = j.bytes[j.at];
      if (b == '"') {
        j.at++;
        j.text =
            new String(out, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        return true;
      }
      if (b < 0) {
        int len = j.utf8(j.at);
        if (len < 0) {
          return false;
        }
        System.arraycopy(j.bytes, j.at, out, n, len);
        n += len;
        j.at += len;
        ascii = false;
        continue;
      }
      if (b != '\\' || j.at + 1 >= j.length) {
        return false; // a control character, or a backslash that ends the line
      }
      byte e = j.bytes[j.at + 1];
      j.at += 2;
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
          int v = hex4(j.at);
          if (v < 0) {
            return false;
          }
          j.at += 4;
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
                        && j.at + 6 <= j.length
                        && j.bytes[j.at] == '\\'
                        && j.bytes[j.at + 1] == 'u'
                    ? hex4(j.at + 2)
                    : -1;
            if (low < 0 || !Character.isLowSurrogate((char) low)) {
              return escapedChars(start);
            }
            j.at += 6;
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
    if (i + 4 > j.length) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(j.bytes[i + k], 16);
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
    j.at = start; // no quote before the backslash: string() stopped there
    if (chars.length < j.length - start) {
      // Room for the rest of the line: no byte gives more than one char (four give two).
      chars = new char[Math.max(2 * chars.length, j.length - start)];
    }
    char[] out = chars;
    while (j.at < j.length) {
      while (j.at < j.length && PlainJson.PLAIN[j.bytes[j.at] & 0xFF]) {
        out[n++] = (char) j.bytes[j.at++];
      }
      if (j.at == j.length) {
        return false;
      }
      byte b = j.bytes[j.at];
      if (b == '"') {
        j.at++;
        j.text = new String(out, 0, n);
        return true;
      }
      if (b < 0) {
        int len = j.utf8(j.at);
        if (len < 0) {
          return false;
        }
        n = putCodePoint(n, j.at, len);
        j.at += len;
        continue;
      }
      j.at++;
      if (b < 0x20) {
        return false;
      }
      if (b != '\\') {
        n = put(n, (char) b);
        continue;
      }
      if (j.at >= j.length) {
        return false;
      }
      byte e = j.bytes[j.at++];
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
          int v = hex4(j.at);
          if (v < 0) {
            return false;
          }
          j.at += 4;
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
    int cp = j.bytes[i] & (0xFF >> (len + 1));
    for (int k = 1; k < len; k++) {
      cp = (cp << 6) | (j.bytes[i + k] & 0x3F);
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
}
