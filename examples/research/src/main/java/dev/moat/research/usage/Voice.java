package dev.moat.research.usage;

import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * What an account says: the content and request settings of its next request. One voice per account
 * (it may keep per-account state) or shared by a campaign (it may keep a shared cursor).
 *
 * <p>Not thread-safe: voices are called from the generator's single thread.
 */
@FunctionalInterface
interface Voice {
  Utterance speak(Turn turn, SplittableRandom r);

  /** The content and settings of one request. */
  record Utterance(
      @Nullable String system,
      String prompt,
      int maxTokens,
      double temperature,
      int topLogprobs,
      int outputTokens,
      boolean extraction) {}

  /**
   * Where a request sits: its conversation and turn (a voice may change both, e.g. a reseller
   * multiplexing its end users' conversations), a per-conversation topic seed, and which request of
   * the session it is. Mutable; owned by one account.
   */
  final class Turn {
    @Nullable String conversation;
    int turn;
    long topic;
    int inSession;
    long ts;
  }

  /**
   * How many tokens are served: the response length drawn around {@code median} (log-normal),
   * capped by the request's max_tokens, or by 4,096 when none was given.
   */
  static int served(SplittableRandom r, double median, double sigma, int maxTokens) {
    int cap = maxTokens > 0 ? maxTokens : 4096;
    return (int) Math.max(1, Math.min(cap, Math.round(Dist.logNormal(r, median, sigma))));
  }
}
