package dev.moat.detect;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The trace reader's fast path: a line in the trace format's own plain shape (one flat JSON object
 * of strings, non-negative numbers and nulls; well-formed UTF-8; UTC times) parsed without a JSON
 * library. Anything else, and every line with an error in it, returns null and goes to the full
 * parser (Jackson), which then gives the record or the error: this path is meant to accept only
 * lines that Jackson reads to the same record ({@code TraceLineTest} checks that on generated and
 * mutated lines, and on JSONTestSuite's string vectors). Measured in {@code perf/RESULTS.md}: fewer
 * nanoseconds and half the allocation per line than Jackson.
 *
 * <p>Not thread-safe: one per reader.
 */
final class TraceLine {
  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15
  };

  /** Jackson's default limit on a string's length (StreamReadConstraints), in bytes here. */
  private static final int MAX_LENGTH = 20_000_000;

  private static final int TS = 0;
  private static final int ACCOUNT = 1;
  private static final int CREATED = 2;
  private static final int TIER = 3;
  private static final int CLIENT = 4;
  private static final int CONVERSATION = 5;
  private static final int SYSTEM = 6;
  private static final int PROMPT = 7;
  private static final int TURN = 8;
  private static final int MAX_TOKENS = 9;
  private static final int TOP_LOGPROBS = 10;
  private static final int OUTPUT_TOKENS = 11;
  private static final int TEMPERATURE = 12;

  private static final byte[][] NAMES = {
    ascii("ts"),
    ascii("account"),
    ascii("account_created"),
    ascii("tier"),
    ascii("client"),
    ascii("conversation"),
    ascii("system"),
    ascii("prompt"),
    ascii("turn"),
    ascii("max_tokens"),
    ascii("top_logprobs"),
    ascii("output_tokens"),
    ascii("temperature")
  };

  private final PlainJson in = new PlainJson();
  private final TraceFields f = new TraceFields();

  /** Set when a known field's value has the wrong type: the line goes to the full parser. */
  private boolean wrong;

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The record of {@code bytes[0, length)}, or null to leave the line to the full parser. */
  @Nullable TraceRecord parse(byte[] bytes, int length) {
    if (length > MAX_LENGTH) {
      return null; // Jackson's own limit on a string's length applies: leave it the decision
    }
    in.reset(bytes, length);
    f.clear();
    wrong = false;
    in.skipSpace();
    if (!in.take('{')) {
      return null;
    }
    in.skipSpace();
    boolean more = !in.take('}');
    while (more) {
      int field = in.key(NAMES);
      if (field == PlainJson.NOT_PLAIN
          || !((field == SYSTEM || field == TIER) ? in.recurringValue() : in.value())) {
        return null;
      }
      // A value of the wrong type rejects the line at once (a later duplicate must not mend it).
      switch (field) {
        case TS -> f.ts = time();
        case ACCOUNT -> f.account = text();
        case CREATED -> f.created = in.isNull ? -1 : time();
        case TIER -> f.tier = in.isNull ? "" : text();
        case CLIENT -> f.client = nullableText();
        case CONVERSATION -> f.conversation = nullableText();
        case SYSTEM -> f.system = nullableText();
        case PROMPT -> f.prompt = text();
        case TURN -> f.turn = in.isNull ? -1 : integer();
        case MAX_TOKENS -> f.maxTokens = integer();
        case TOP_LOGPROBS -> f.topLogprobs = integer();
        case OUTPUT_TOKENS -> f.outputTokens = integer();
        case TEMPERATURE -> f.temperature = in.isNull ? -1 : number();
        default -> {} // unknown fields are ignored (value() took a plain one)
      }
      if (wrong) {
        return null;
      }
      in.skipSpace();
      if (in.take(',')) {
        in.skipSpace();
      } else if (in.take('}')) {
        more = false;
      } else {
        return null;
      }
    }
    in.skipSpace();
    return in.at == length && f.complete() ? f.record() : null;
  }

  /** The value as a required string; anything else marks the line {@link #wrong}. */
  private @Nullable String text() {
    if (in.isNumber || in.isNull) {
      wrong = true;
      return null;
    }
    return in.text;
  }

  /** The value as a string or null; a number marks the line {@link #wrong}. */
  private @Nullable String nullableText() {
    if (in.isNumber) {
      wrong = true;
    }
    return in.text;
  }

  /** An RFC 3339 UTC time in the common shape; anything else marks the line {@link #wrong}. */
  private long time() {
    String t = text();
    long ms = t == null ? Long.MIN_VALUE : TraceTime.fastUtc(t);
    if (ms == Long.MIN_VALUE) {
      wrong = true; // offsets and odd shapes included: the full parser reads those
    }
    return ms;
  }

  /**
   * A non-negative int (null: the field's default, 0), integral values written with a fraction
   * ({@code 4096.0}) included; anything else marks the line {@link #wrong}.
   */
  private int integer() {
    if (in.isNull) {
      return 0;
    }
    if (!in.isNumber) {
      wrong = true;
      return 0;
    }
    long v = in.mantissa;
    if (in.decimals > 0) {
      long scale = (long) POW10[in.decimals];
      if (v % scale != 0) {
        wrong = true;
        return 0;
      }
      v /= scale;
    }
    if (v > Integer.MAX_VALUE) {
      wrong = true;
      return 0;
    }
    return (int) v;
  }

  /**
   * The value as a double exactly as a correctly rounded parser gives it: at most 15 significant
   * digits and a power of ten up to 10^15 are both exact doubles, so one division is correctly
   * rounded (Clinger's fast path). Anything else marks the line {@link #wrong}.
   */
  private double number() {
    if (!in.isNumber) {
      wrong = true;
      return -1;
    }
    return in.decimals == 0 ? (double) in.mantissa : in.mantissa / POW10[in.decimals];
  }
}
