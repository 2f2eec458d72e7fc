package dev.moat.internal;

import dev.moat.spi.TokenHistory;
import java.util.Arrays;

/**
 * A request's token history: the prompt, then each accepted token. Grows by doubling (amortised
 * O(1) appends; with the capacity sized from {@code maxTokens} at request start it never grows).
 *
 * <p>Not thread-safe: owned by one request.
 */
public final class TokenBuffer implements TokenHistory {
  private int[] tokens;
  private int length;
  private final int promptLength;

  /** Starts with {@code prompt} (not copied: the caller hands over a fresh copy). */
  public TokenBuffer(int[] prompt, int expectedGenerated) {
    this.promptLength = prompt.length;
    this.tokens = Arrays.copyOf(prompt, Math.max(8, promptLength + expectedGenerated));
    this.length = promptLength;
  }

  public void append(int token) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[length++] = token;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public int promptLength() {
    return promptLength;
  }

  @Override
  public int get(int index) {
    if (index < 0 || index >= length) {
      throw new IndexOutOfBoundsException("token index " + index + " outside [0, " + length + ")");
    }
    return tokens[index];
  }

  /** A copy of the generated tokens (not the prompt). */
  public int[] generatedTokens() {
    return Arrays.copyOfRange(tokens, promptLength, length);
  }

  /** A copy of all tokens. */
  public int[] toArray() {
    return Arrays.copyOf(tokens, length);
  }
}
