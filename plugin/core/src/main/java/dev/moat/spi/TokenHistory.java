package dev.moat.spi;

/**
 * The tokens of one request so far: the prompt followed by every token accepted since. Protections
 * read their context (the previous {@code h} tokens) from here in O(1).
 *
 * <p>Not thread-safe: owned by one request, read on the thread that drives it.
 */
public interface TokenHistory {
  /** Number of tokens: prompt plus generated. */
  int length();

  /** Number of prompt tokens at the start of the history. */
  int promptLength();

  /** Token at position {@code index}, {@code 0 <= index < length()}. */
  int get(int index);

  /** Number of tokens generated so far ({@code length() - promptLength()}). */
  default int generated() {
    return length() - promptLength();
  }
}
