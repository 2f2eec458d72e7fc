package dev.moat.detect;

/**
 * The shape of a prompt with its fillers removed, so that prompts made from one template look
 * alike: lower case; numbers become {@code 0}; quoted strings become {@code "_"}; URLs, e-mail
 * addresses and long hexadecimal or base64-looking runs become one placeholder each; whitespace
 * runs become one space. "Write a Python function that sorts 37 integers" and "Write a Python
 * function that sorts 512 integers" have the same skeleton; two people's different questions do
 * not.
 *
 * <p>Thread-safe: stateless. Linear in the prompt's length; one {@code StringBuilder} per call. The
 * detector does not build skeletons: {@code PromptScan} hashes the same words in one pass (tested
 * word for word against this class).
 */
public final class PromptSkeleton {
  private PromptSkeleton() {}

  /** The skeleton of {@code text}, at most {@code maxChars} characters of it considered. */
  public static String of(String text, int maxChars) {
    int n = Math.min(text.length(), maxChars);
    StringBuilder out = new StringBuilder(Math.min(n, 4096));
    int i = 0;
    boolean space = false;
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        space = true;
        i++;
        continue;
      }
      if (space && out.length() > 0) {
        out.append(' ');
      }
      space = false;
      if (c == '"' || c == '\'' || c == '`') {
        int close = text.indexOf(c, i + 1);
        if (close > i && close < n && close - i <= 200) {
          out.append('"').append('_').append('"');
          i = close + 1;
          continue;
        }
      }
      if (Character.isDigit(c)) {
        while (i < n && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
          i++;
        }
        out.append('0');
        continue;
      }
      if (Character.isLetter(c)) {
        int start = i;
        while (i < n && PromptScan.isWordChar(text.charAt(i))) {
          i++;
        }
        if (i < n && text.startsWith("://", i)) {
          while (i < n && !Character.isWhitespace(text.charAt(i))) {
            i++;
          }
          out.append("<url>");
        } else if (i < n
            && text.charAt(i) == '@'
            && i + 1 < n
            && PromptScan.isWordChar(text.charAt(i + 1))) {
          i++;
          while (i < n && (PromptScan.isWordChar(text.charAt(i)) || text.charAt(i) == '.')) {
            i++;
          }
          out.append("<email>");
        } else if (i - start >= 16
            && PromptScan.looksRandom(text.substring(start, i).toCharArray(), 0, i - start)) {
          out.append("<id>");
        } else {
          for (int k = start; k < i; k++) {
            out.append(Character.toLowerCase(text.charAt(k)));
          }
        }
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }
}
