package dev.moat.detect;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether many hands ({@link Activity#manyHands}: eight or more distinct request settings) count as
 * a signal in this deployment: only while at most {@link #MAX_SHARE} of the accounts it holds show
 * them, from {@link #MIN_ACCOUNTS} accounts on. Where people's settings vary from request to
 * request (a product that jitters its temperature, a simulator that draws it afresh each time: the
 * project's first simulator's casual users send a new temperature with every request), many hands
 * say nothing about a key, and counting them raised the base rate of elevated accounts until a
 * paced campaign's template was no longer elevated far above it (that simulator's stealth scenario:
 * 6 of 150 stealth accounts flagged instead of 150, session 46). Counted per detector: each replica
 * of a fleet judges by the share it sees.
 *
 * <p>Thread-safe: an atomic counter, read and updated per request (not per token).
 */
final class ManyHands {
  /** Accounts held before many hands count at all. */
  static final long MIN_ACCOUNTS = 200;

  /**
   * The most of the accounts held that may show many hands for them to count: resellers were at
   * most 0.5% of the accounts of every world of the third and fourth generators.
   */
  static final double MAX_SHARE = 0.02;

  private final AtomicLong many = new AtomicLong();

  /** Counts an account whose settings reached many hands with the request just recorded. */
  void count(boolean became) {
    if (became) {
      many.incrementAndGet();
    }
  }

  /** Adds ({@code +1}) or takes out ({@code -1}) a restored or evicted account. */
  void add(Activity a, int sign) {
    if (a.manyHands()) {
      many.addAndGet(sign);
    }
  }

  /**
   * The share of {@code population} accounts held that show many hands: the null rate of the relay
   * view's shared hands ({@link RelayView#handsShared}).
   */
  double share(long population) {
    return population <= 0 ? 0 : Math.min(1, many.get() / (double) population);
  }

  /** Whether {@code a} shows many hands and they count among {@code population} accounts held. */
  boolean counts(Activity a, long population) {
    return a.manyHands() && population >= MIN_ACCOUNTS && many.get() <= MAX_SHARE * population;
  }
}
