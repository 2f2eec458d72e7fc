package dev.moat.enforce;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The fleet side of an admission: every scope's fleet-wide permits taken all or nothing, and given
 * back on rollback or at a request's end, through a {@link FleetLimiter}.
 *
 * <p>Stateless and thread-safe (the limiter is).
 */
final class FleetPermits {
  private FleetPermits() {}

  /**
   * Takes every scope's fleet permits (requests and tokens per minute, tokens per day, a stream
   * slot), all or nothing; the scope and dimension refused, or null.
   */
  static @Nullable String take(FleetLimiter f, @Nullable String[] keys, Budget b, long cost) {
    String[] names = {"account", "client", "group"};
    for (int i = 0; i < keys.length; i++) {
      String k = keys[i];
      if (k == null) {
        continue;
      }
      String refused = take(f, k, b, cost);
      if (refused != null) {
        for (int j = 0; j < i; j++) {
          if (keys[j] != null) {
            give(f, keys[j], b, cost, true);
          }
        }
        return names[i] + " " + refused;
      }
    }
    return null;
  }

  private static final Duration DAY = Duration.ofDays(1);

  /** One scope's fleet permits, all or nothing; the dimension refused, or null. */
  private static @Nullable String take(FleetLimiter f, String k, Budget b, long cost) {
    if (!f.tryTake(k + ":r", b.requestsPerMinute(), 1)) {
      return "rate";
    }
    if (cost > 0 && !f.tryTake(k + ":t", b.tokensPerMinute(), cost)) {
      giveRequest(f, k, b);
      return "token rate";
    }
    if (cost > 0 && !f.tryTake(k + ":d", b.tokensPerDay(), DAY, cost)) {
      giveRequest(f, k, b);
      giveTokens(f, k, b, cost);
      return "daily token";
    }
    if (b.concurrentStreams() > 0 && !f.tryAcquireStream(k + ":s", b.concurrentStreams())) {
      giveRequest(f, k, b);
      giveTokens(f, k, b, cost);
      if (b.tokensPerDay() > 0 && cost > 0) {
        f.giveBack(k + ":d", cost);
      }
      return "concurrent streams";
    }
    return null;
  }

  private static void giveRequest(FleetLimiter f, String k, Budget b) {
    if (b.requestsPerMinute() > 0) {
      f.giveBack(k + ":r", 1);
    }
  }

  private static void giveTokens(FleetLimiter f, String k, Budget b, long n) {
    if (b.tokensPerMinute() > 0 && n > 0) {
      f.giveBack(k + ":t", n);
    }
  }

  /** Returns a scope's fleet permits: all of them (a rollback) or a finished request's unused. */
  static void give(FleetLimiter f, String k, Budget b, long tokens, boolean request) {
    if (request) {
      giveRequest(f, k, b);
    }
    giveTokens(f, k, b, tokens);
    if (b.tokensPerDay() > 0 && tokens > 0) {
      f.giveBack(k + ":d", tokens);
    }
    if (b.concurrentStreams() > 0) {
      f.releaseStream(k + ":s");
    }
  }
}
