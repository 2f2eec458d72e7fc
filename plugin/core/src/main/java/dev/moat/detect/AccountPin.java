package dev.moat.detect;

import dev.moat.internal.Messages;
import java.time.Duration;
import java.util.Objects;

/**
 * An admin's pin of an account at a {@link Suspicion} level ({@link Detector#pin}): until it ends,
 * the account's verdict is at this level whatever the detector's evidence says. A pin at {@link
 * Suspicion#NONE} is an allow-list entry (the account is scored, never watched or flagged); a pin
 * at {@link Suspicion#FLAG} enforces. It travels to every replica with the account's {@link
 * AccountMark} and ends by itself. Times are the detector's (wall-clock epoch milliseconds in a
 * server).
 *
 * <p>Immutable and thread-safe.
 *
 * @param level the level the account's verdicts are at while the pin holds
 * @param at when it was pinned
 * @param until when the pin ends (after {@code at}, at most {@link #MAX_DURATION} later)
 * @param reason why (at most {@link AccountMark#MAX_REASON} chars; line breaks become spaces)
 */
public record AccountPin(Suspicion level, long at, long until, String reason) {
  /** The longest pin: an allow-list entry is reviewed at least this often. */
  public static final Duration MAX_DURATION = Duration.ofDays(90);

  public AccountPin {
    Objects.requireNonNull(level, "level");
    reason = AccountMark.clean(reason);
    long span = until - at; // negative when it overflows: refused as well
    if (until <= at || span <= 0 || span > MAX_DURATION.toMillis()) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "pin until", until, "after its start " + at + " by at most " + MAX_DURATION));
    }
  }

  /** A pin from {@code now} for {@code duration}, checked ({@link #checkDuration}). */
  public static AccountPin of(Suspicion level, long now, Duration duration, String reason) {
    checkDuration(duration);
    return new AccountPin(level, now, now + duration.toMillis(), reason);
  }

  /**
   * Checks a pin's duration: at least a minute, at most {@link #MAX_DURATION}.
   *
   * @throws IllegalArgumentException naming the duration and what is allowed
   */
  public static void checkDuration(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.compareTo(Duration.ofMinutes(1)) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(
          Messages.invalid("pin duration", duration, "from PT1M to " + MAX_DURATION));
    }
  }

  /** Whether the pin holds at {@code now}. */
  public boolean holds(long now) {
    return now < until;
  }

  /** The reason a pinned verdict gives first. */
  String describe() {
    return "pinned at "
        + level.wire()
        + " by an admin until "
        + java.time.Instant.ofEpochMilli(until)
        + ": "
        + reason;
  }

  /** One line: {@code P|level|at|until|reason} (the reason last, so it may hold any character). */
  public String encode() {
    return "P|" + level.wire() + '|' + at + '|' + until + '|' + reason;
  }

  /**
   * Reads {@link #encode}'s line.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  public static AccountPin decode(String line) {
    String[] f = line.split("\\|", 5);
    if (f.length != 5 || !f[0].equals("P")) {
      throw new IllegalArgumentException(
          Messages.invalid("account pin", line, "P|none, watch or flag|at|until|reason"));
    }
    try {
      return new AccountPin(Suspicion.of(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), f[4]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "account pin",
              line,
              "P|none, watch or flag|at|until|reason (" + e.getMessage() + ")"),
          e);
    }
  }
}
