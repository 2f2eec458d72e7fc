package dev.moat.internal;

/**
 * Every user-facing error message Moat builds, in one place, so their exact text is reviewed
 * together and asserted by tests. Each names the field, the value it had and what is allowed.
 *
 * <p>Thread-safe: stateless.
 */
public final class Messages {
  private Messages() {}

  /**
   * {@code s} cut to at most {@code max} chars, never inside a surrogate pair (an emoji cut in half
   * is not text: a UTF-8 writer refuses it), with {@code more} appended when cut.
   */
  public static String clip(String s, int max, String more) {
    if (s.length() <= max) {
      return s;
    }
    int end = max > 0 && Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end) + more;
  }

  /** "`field` was 'value' but it must be rule". */
  public static String invalid(String field, Object value, String rule) {
    return "`" + field + "` was '" + value + "' but it must be " + rule;
  }

  public static String missing(String field, String rule) {
    return "`" + field + "` is missing but it is required (" + rule + ")";
  }

  public static String unknownField(String field, Iterable<String> allowed) {
    return "`" + field + "` is not a known setting; allowed here: " + String.join(", ", allowed);
  }

  public static String unknownTier(String tier, Iterable<String> known) {
    return "tier '"
        + tier
        + "' is not defined by the policy; defined tiers: "
        + String.join(", ", known);
  }

  public static String logitsLength(int actual, int vocabSize) {
    return "logits row length was " + actual + " but the request's vocabSize is " + vocabSize;
  }

  public static String batchLength(int actual, int rows, int vocabSize) {
    return "batch logits length was "
        + actual
        + " but "
        + rows
        + " rows of vocabSize "
        + vocabSize
        + " need "
        + ((long) rows * vocabSize);
  }

  public static String nonFiniteLogit(int index, float value, int step) {
    return "logits["
        + index
        + "] was "
        + value
        + " at step "
        + step
        + " but logits must be finite or -Infinity (NaN and +Infinity are rejected)";
  }

  public static String nonFiniteLogit(int index, float value) {
    return "logits["
        + index
        + "] was "
        + value
        + " but logits must be finite or -Infinity (NaN and +Infinity are rejected)";
  }

  public static String tokenOutOfRange(String field, int token, int vocabSize) {
    return invalid(field, token, "in [0, " + vocabSize + ")");
  }

  public static String overrideNotAllowed(
      String protection, String tier, Iterable<String> allowed) {
    return "`overrides."
        + protection
        + "` is not allowed for tier '"
        + tier
        + "'; this tier allows overrides of: ["
        + String.join(", ", allowed)
        + "]";
  }

  public static String untrustedOverride(String requestId) {
    return "request "
        + requestId
        + " carries `overrides` but is not trusted; only requests the host"
        + " marks trusted (RequestContext.Builder.trusted) may change their tier's protections";
  }

  public static String unknownKey(String field, String keyId, Iterable<String> known) {
    return "`"
        + field
        + "` was '"
        + keyId
        + "' but no watermark key has that id; known key ids: ["
        + String.join(", ", known)
        + "]";
  }
}
