package dev.moat.detect;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An account's age class (young, established or neither) at a request: from its creation time when
 * any of its requests gave one, else from its tenure in this deployment.
 *
 * <p>Tenure: an account first seen at least {@link #WARMUP_MILLIS} after observation began is new
 * to the deployment, and young for its first 14 days as a created account would be. One first seen
 * within the warm-up predates whatever is new; its true age is censored, and it counts as
 * established. (The alternative measured, counting it as of unknown age until it had come back for
 * three days, took away the view that keeps casual users' shared phrases from flagging: up to 88%
 * of a casual population flagged on traces without ages.) An old account first seen after the
 * warm-up (a user back after a long absence, or one the detector forgot) looks new: the price of
 * having no ages, paid mostly in a deployment's first days, since a restored detector keeps when
 * observation began ({@link Detector#restore} takes the earliest first request it restores).
 *
 * <p>It also keeps the deployment's base rate of youth: the accounts held, by their age class at
 * their first request. A template's young accounts are evidence only well above that rate ({@link
 * GroupEvidence#young}): on a trace without ages most sporadic users look young by tenure, and a
 * handful of them sharing a published template is not a campaign.
 *
 * <p>Thread-safe: atomics; the start is written only when an earlier time is seen.
 */
final class Tenure {
  static final long DAY = 86_400_000L;

  /** How long after observation began a first request makes an account new to the deployment. */
  static final long WARMUP_MILLIS = DAY;

  static final long YOUNG_MILLIS = 14 * DAY;
  static final long ESTABLISHED_MILLIS = 30 * DAY;

  static final int NEITHER = 0;
  static final int YOUNG = 1;
  static final int ESTABLISHED = 2;

  private final AtomicLong since = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong young = new AtomicLong();
  private final AtomicLong established = new AtomicLong();
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong given = new AtomicLong();

  /**
   * Counts an account held, by its age class at its first request, and whether the trace gave its
   * age ({@code account_created}) rather than tenure standing in.
   */
  void count(int age, boolean ageGiven) {
    held.incrementAndGet();
    if (ageGiven) {
      given.incrementAndGet();
    }
    if (age == YOUNG) {
      young.incrementAndGet();
    } else if (age == ESTABLISHED) {
      established.incrementAndGet();
    }
  }

  /** Stops counting an account no longer held (evicted). */
  void uncount(int age, boolean ageGiven) {
    held.decrementAndGet();
    if (ageGiven) {
      given.decrementAndGet();
    }
    if (age == YOUNG) {
      young.decrementAndGet();
    } else if (age == ESTABLISHED) {
      established.decrementAndGet();
    }
  }

  /**
   * Whether the deployment gives account ages: at least half of the accounts held had one. Where it
   * does not, youth is tenure in the deployment, weaker evidence: anyone sporadic first seen after
   * the warm-up is "young".
   */
  boolean agesGiven() {
    long h = held.get();
    return h > 0 && 2 * given.get() >= h;
  }

  /**
   * The share of accounts held that were young at their first request, among those young or
   * established then; at least {@code floor}.
   */
  double youngRate(double floor) {
    long y = young.get();
    long all = y + established.get();
    return all <= 0 ? floor : Math.max(floor, y / (double) all);
  }

  /** The fewest hours of the day that make a template used around the clock while cold. */
  static final int COLD_MIN_HOURS = 3;

  /**
   * For the aged and relay views ({@link AgedView#aroundTheClock}): while fewer than {@link
   * GroupEvidence#YOUNG_HOURS} hours have been observed, the hours observed so far (whole hours, at
   * least {@link #COLD_MIN_HOURS}); {@link Integer#MAX_VALUE} after.
   */
  int coldHours(long now) {
    long hours = (now - since(now)) / 3_600_000L;
    return hours >= GroupEvidence.YOUNG_HOURS
        ? Integer.MAX_VALUE
        : (int) Math.max(COLD_MIN_HOURS, hours);
  }

  /** The earliest request time observed, {@code now} included. */
  long since(long now) {
    long s = since.get();
    while (now < s) {
      if (since.compareAndSet(s, now)) {
        return now;
      }
      s = since.get();
    }
    return s;
  }

  /**
   * The age class at {@code now}.
   *
   * @param created the account's creation time (epoch ms), or negative if no request gave it
   * @param firstSeen the account's first request (epoch ms; {@code now} at its first)
   */
  int age(long now, long created, long firstSeen) {
    long start = since(now);
    if (created >= 0) {
      return classify(now - created);
    }
    if (firstSeen - start < WARMUP_MILLIS) {
      return ESTABLISHED;
    }
    return classify(now - firstSeen);
  }

  private static int classify(long ageMillis) {
    return ageMillis < YOUNG_MILLIS
        ? YOUNG
        : ageMillis >= ESTABLISHED_MILLIS ? ESTABLISHED : NEITHER;
  }
}
