package dev.moat.enforce;

import dev.moat.internal.Messages;

/**
 * A tier's budget, applied to each account, each client fingerprint and each campaign group of the
 * tier alike: requests per minute, prompt-plus-output tokens per minute and per day, concurrent
 * streams. Zero means unlimited. A group's budget is the account budget: 25,000 linked accounts
 * share what one account gets.
 *
 * <p>Immutable and thread-safe.
 *
 * @param requestsPerMinute requests admitted per minute (refilled continuously)
 * @param tokensPerMinute prompt plus reserved output tokens per minute
 * @param tokensPerDay prompt plus reserved output tokens per day
 * @param concurrentStreams generations in flight at once
 */
public record Budget(
    long requestsPerMinute, long tokensPerMinute, long tokensPerDay, int concurrentStreams) {
  /** No limits. */
  public static final Budget UNLIMITED = new Budget(0, 0, 0, 0);

  public Budget {
    check("requests_per_minute", requestsPerMinute);
    check("tokens_per_minute", tokensPerMinute);
    check("tokens_per_day", tokensPerDay);
    check("concurrent_streams", concurrentStreams);
  }

  private static void check(String field, long v) {
    if (v < 0 || v > 1_000_000_000_000L) {
      throw new IllegalArgumentException(
          Messages.invalid("budget." + field, v, "0 (unlimited) to 10^12"));
    }
  }

  /** Whether every dimension is unlimited. */
  public boolean unlimited() {
    return requestsPerMinute == 0
        && tokensPerMinute == 0
        && tokensPerDay == 0
        && concurrentStreams == 0;
  }

  /** This budget with every limit multiplied by {@code scale} in (0, 1] (at least 1 where set). */
  public Budget scaled(double scale) {
    if (!(scale > 0 && scale <= 1)) {
      throw new IllegalArgumentException(Messages.invalid("budget_scale", scale, "in (0, 1]"));
    }
    return new Budget(
        scale(requestsPerMinute, scale),
        scale(tokensPerMinute, scale),
        scale(tokensPerDay, scale),
        (int) scale(concurrentStreams, scale));
  }

  private static long scale(long v, double s) {
    return v == 0 ? 0 : Math.max(1, (long) Math.floor(v * s));
  }
}
