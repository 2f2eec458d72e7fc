package dev.moat.detect;

import java.util.Arrays;

/**
 * One pass over a prompt, normalised as its skeleton ({@link PromptSkeleton}) without building it:
 * the word hashes (for MinHash), the word count, and cue flags from a fixed vocabulary of words and
 * word pairs: chain-of-thought elicitation, software engineering, agentic tool use, planning, and
 * role-play personas. The vocabulary names what a distiller asks for (reasoning traces on coding,
 * agent and planning tasks), not any one template's wording, so paraphrases and other templates
 * carry the same cues ({@link CueLexicon}).
 *
 * <p>Not thread-safe: an instance holds the last scan's words; the detector keeps one per thread.
 * The one-pass scan allocates nothing once its word buffer has grown to the longest prompt.
 */
final class PromptScan {
  static final int COT = 1;
  static final int SOFTWARE = 2;
  static final int AGENTIC = 4;
  static final int PLANNING = 8;
  static final int PERSONA = 16;

  /** The cues that ask for what a distiller pays for: reasoning, plans or agent traces. */
  static final int ELICITING = COT | PLANNING | AGENTIC;

  /** The words at a prompt's start, and at its end, where its ask is read. */
  static final int ASK_WORDS = 32;

  /** The characters read again at the end of a prompt longer than the scan, for its last ask. */
  static final int TAIL_CHARS = 400;

  /** What a scan found. */
  @SuppressWarnings("ArrayRecordComponent") // scratch result, read field by field, never compared
  record Result(long[] words, int count, int cues, boolean codeAttached) {}

  /** Word hashes of the last scan (the first {@link #count} are valid). */
  long[] words = new long[64];

  /** Words in the last scan. */
  int count;

  /** Cue flags of the last scan. */
  int cues;

  /**
   * The {@link #ELICITING} cues of the last scan where a prompt asks: in the first {@link
   * #ASK_WORDS} words of its first paragraph, or at its end ({@link AskWindow}; read from the
   * prompt's last {@link #TAIL_CHARS} characters when the prompt is longer than the scan); not in a
   * word that opens a line and ends with a colon (a speaker's or a field's label: "Agent:",
   * "Plan:"). A document, a transcript or retrieved passages pasted between an instruction and a
   * question are not asks: their words ("the quarterly numbers", "Agent: we will refund") are what
   * the prompt is about.
   */
  int asks;

  /** Whether the last scanned text had code attached. */
  boolean codeAttached;

  /** The scanned characters (a buffer that grows to the longest prompt's first characters). */
  private char[] text = new char[256];

  /** A hash of the whole skeleton (of its word hashes in order). */
  long textHash;

  // The token being built: FNV-1a state over all its characters, and over them without trailing
  // punctuation (for cue matching, with its length); whether it has a character yet, and whether
  // the first is a letter. Its content-phrase keys (of the whole scan) in `phrases`.
  private long full;
  private long bare;
  private boolean open;
  private long previousBare;
  private int length;
  private int bareLength;
  private boolean letter;
  final PhraseKeys phrases = new PhraseKeys();

  // Where the asks are: line breaks since the last token, the token's last character (a label's
  // colon), and the window; in the second pass at a long prompt's end, cues only.
  private int newlines;
  private char last;
  private boolean tailOnly;
  private final AskWindow window = new AskWindow();

  /** A scanner with its own buffers: one per thread. */
  PromptScan() {}

  /**
   * Scans {@code raw}'s first {@code maxChars} characters as {@link PromptSkeleton} would normalise
   * them, in one pass without building the skeleton: the same words, hashed as {@link
   * MinHash#wordHash} hashes them.
   */
  void scan(String raw, int maxChars) {
    count = 0;
    cues = 0;
    textHash = 0x243F6A8885A308D3L;
    phrases.reset();
    positions(true);
    // The characters are copied once into a buffer (getChars inflates or copies in bulk) and read
    // from it: String.charAt checks the coder and the index at every call, a tenth of a replay's
    // reading thread (JFR, 2026-12-04). Two past the scan's end are copied too, for "://".
    int n = Math.min(raw.length(), maxChars);
    int m = Math.min(raw.length(), n + 2);
    if (text.length < m) {
      text = new char[Math.max(m, 2 * text.length)];
    }
    char[] t = text;
    raw.getChars(0, m, t, 0);
    pass(t, 0, n, m);
    codeAttached = hasCode(raw);
    if (n == raw.length()) {
      asks = window.head() | window.tail();
      return;
    }
    // Longer than the scan: its last ask is read from its end, where a pasted document ends in
    // what to do with it. The pass starts at a word's start, within a line.
    int from = Math.max(0, raw.length() - TAIL_CHARS);
    int length = raw.length() - from;
    if (t.length < length) {
      text = new char[length];
      t = text;
    }
    raw.getChars(from, raw.length(), t, 0);
    int start = 0;
    while (start < length && !Character.isWhitespace(t[start])) {
      start++;
    }
    int headAsks = window.head();
    positions(false);
    tailOnly = true;
    pass(t, start, length, length);
    tailOnly = false;
    asks = headAsks | window.tail();
  }

  /** Resets the token and the ask state, at a text's start ({@code start}) or within a line. */
  private void positions(boolean start) {
    previousBare = 0;
    open = false;
    newlines = start ? 1 : 0;
    window.reset(start);
  }

  /** Tokenises {@code t[i .. n)} ({@code t[.. m)} readable, for "://"). */
  private void pass(char[] t, int i, int n, int m) {
    while (i < n) {
      char c = t[i];
      if (c <= ' ' ? (c == ' ' || (c >= 9 && c <= 13) || c >= 28) : Character.isWhitespace(c)) {
        endToken();
        if (c == '\n') {
          newlines++;
        }
        i++;
        continue;
      }
      if (c == '"' || c == '\'' || c == '`') {
        int close = closing(t, c, i, n);
        if (close > i) {
          put('"');
          put('_');
          put('"');
          i = close + 1;
          continue;
        }
      }
      if ((c >= '0' && c <= '9') || (c > 127 && Character.isDigit(c))) {
        while (i < n && (Character.isDigit(t[i]) || t[i] == '.')) {
          i++;
        }
        put('0');
        continue;
      }
      if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c > 127 && Character.isLetter(c))) {
        int start = i;
        while (i < n && isWordChar(t[i])) {
          i++;
        }
        if (i < n && i + 2 < m && t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/') {
          while (i < n && !Character.isWhitespace(t[i])) {
            i++;
          }
          putAll("<url>");
        } else if (i < n && t[i] == '@' && i + 1 < n && isWordChar(t[i + 1])) {
          i++;
          while (i < n && (isWordChar(t[i]) || t[i] == '.')) {
            i++;
          }
          putAll("<email>");
        } else if (i - start >= 16 && looksRandom(t, start, i)) {
          putAll("<id>");
        } else {
          putWord(t, start, i);
        }
        continue;
      }
      put(c);
      i++;
    }
    endToken();
  }

  /**
   * The first {@code c} after {@code i} within 200 characters and before {@code n}, or -1: what
   * {@code indexOf(c, i + 1)} found when it was close enough, without reading to the end of a long
   * prompt at every apostrophe.
   */
  private static int closing(char[] t, char c, int i, int n) {
    int end = Math.min(n, i + 201);
    for (int j = i + 1; j < end; j++) {
      if (t[j] == c) {
        return j;
      }
    }
    return -1;
  }

  /**
   * {@link #put} of each character of a word, lower-cased, in one loop: a word's characters are
   * never trailing punctuation, so the bare hash follows the full one.
   */
  private void putWord(char[] t, int from, int to) {
    char first = lower(t[from]);
    if (!open) {
      open = true;
      full = 0xCBF29CE484222325L;
      length = 0;
      letter = Character.isLetter(first);
    }
    long h = (full ^ first) * 0x100000001B3L;
    for (int k = from + 1; k < to; k++) {
      h = (h ^ lower(t[k])) * 0x100000001B3L;
    }
    full = h;
    length += to - from;
    bare = h;
    bareLength = length;
    last = t[to - 1];
  }

  private static char lower(char w) {
    return w < 128 ? (w >= 'A' && w <= 'Z' ? (char) (w + 32) : w) : Character.toLowerCase(w);
  }

  private void put(char c) {
    boolean first = !open;
    if (first) {
      open = true;
      full = 0xCBF29CE484222325L;
      length = 0;
      letter = Character.isLetter(c);
    }
    full = (full ^ c) * 0x100000001B3L;
    length++;
    last = c;
    // Trailing punctuation is dropped for cue matching, but never the token's first character.
    if (first || !isTrailingPunctuation(c)) {
      bare = full;
      bareLength = length;
    }
  }

  private void putAll(String s) {
    for (int k = 0; k < s.length(); k++) {
      put(s.charAt(k));
    }
  }

  private void endToken() {
    if (!open) {
      return;
    }
    open = false;
    long h = MinHash.mix(full);
    long b = bare == full ? h : MinHash.mix(bare);
    int c = CueLexicon.lookup(b);
    if (previousBare != 0) {
      c |= CueLexicon.lookup(CueLexicon.pair(previousBare, b));
    }
    previousBare = b;
    window.word(newlines > 0 && last == ':' ? 0 : c & ELICITING, newlines); // a label asks nothing
    newlines = 0;
    if (tailOnly) {
      return;
    }
    if (count == words.length) {
      words = Arrays.copyOf(words, count * 2);
    }
    words[count++] = h;
    textHash = MinHash.mix(textHash ^ h);
    cues |= c;
    phrases.word(b, bareLength, letter);
  }

  static boolean isWordChar(char c) {
    return c < 128
        ? (c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '_'
            || c == '-'
        : Character.isLetterOrDigit(c);
  }

  static boolean looksRandom(char[] text, int from, int to) {
    int digits = 0;
    for (int i = from; i < to; i++) {
      if (Character.isDigit(text[i])) {
        digits++;
      }
    }
    return digits >= 3 && digits < to - from;
  }

  /**
   * Scans a skeleton ({@link PromptSkeleton}) word by word: the reference the one-pass {@link
   * #scan(String, int)} is tested against.
   */
  static Result scan(String skeleton, String raw) {
    long[] words = new long[32];
    int count = 0;
    int cues = 0;
    long previous = 0;
    int n = skeleton.length();
    int start = 0;
    for (int i = 0; i <= n; i++) {
      if (i == n || skeleton.charAt(i) == ' ') {
        if (i > start) {
          long h = MinHash.wordHash(skeleton, start, i);
          if (count == words.length) {
            words = Arrays.copyOf(words, count * 2);
          }
          words[count++] = h;
          // Cue words are matched without trailing punctuation ("code:" is "code").
          int end = i;
          while (end > start + 1 && isTrailingPunctuation(skeleton.charAt(end - 1))) {
            end--;
          }
          long bare = end == i ? h : MinHash.wordHash(skeleton, start, end);
          cues |= CueLexicon.lookup(bare);
          if (previous != 0) {
            cues |= CueLexicon.lookup(CueLexicon.pair(previous, bare));
          }
          previous = bare;
        }
        start = i + 1;
      }
    }
    return new Result(words, count, cues, hasCode(raw));
  }

  private static boolean isTrailingPunctuation(char c) {
    return c == ',' || c == '.' || c == ':' || c == ';' || c == '?' || c == '!' || c == ')';
  }

  /** A fenced block, or three or more lines ending like code. */
  private static boolean hasCode(String raw) {
    if (raw.contains("```")) {
      return true;
    }
    int codeLines = 0;
    for (int i = raw.indexOf('\n', 1); i > 0; i = raw.indexOf('\n', i + 1)) {
      char c = raw.charAt(i - 1);
      if (c == ';' || c == '{' || c == '}' || c == ')') {
        codeLines++;
      }
    }
    return codeLines >= 3;
  }
}
