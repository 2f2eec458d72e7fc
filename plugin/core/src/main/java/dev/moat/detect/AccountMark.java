package dev.moat.detect;

import dev.moat.internal.Messages;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one replica tells the fleet about an account, through the {@link LinkStore}: that it flagged
 * the account (and when its evidence was last seen), or that an admin cleared it. Every replica
 * reads the account's mark at each of its requests, so a flag raised on one replica applies on all
 * of them from their next request of that account, and a clearing made on one clears it on all. The
 * mark read at a request also carries the account's {@link AccountPin}, if an admin pinned it:
 * stores keep the pin apart from the flag or clearing (neither replaces the other), and answer both
 * in one read. Times are the detector's (trace time in a replay, wall-clock epoch milliseconds in a
 * server).
 *
 * <p>Immutable and thread-safe.
 *
 * @param flagged true for a flag, false for a clearing
 * @param flaggedAt when the account was first flagged (-1 for a clearing)
 * @param at for a flag, when its coordination evidence was last seen; for a clearing, when it was
 *     cleared
 * @param group the campaign group the flag names, or null
 * @param reason the flag's first reason, or the clearing's (at most {@link #MAX_REASON} chars; line
 *     breaks become spaces)
 * @param pin the account's pin, or null; not part of {@link #encode}'s line (stores keep it apart)
 * @param watchedAt when a replica last saw evidence that keeps the account at the watch level
 *     ({@code Long.MIN_VALUE}: none); stores keep it apart, as the pin, and it is not part of
 *     {@link #encode}'s line
 */
public record AccountMark(
    boolean flagged,
    long flaggedAt,
    long at,
    @Nullable String group,
    String reason,
    @Nullable AccountPin pin,
    long watchedAt) {
  /** The longest reason a mark carries. */
  public static final int MAX_REASON = 500;

  public AccountMark {
    reason = clean(reason);
    if (group != null && (group.indexOf('|') >= 0 || group.indexOf('\n') >= 0)) {
      throw new IllegalArgumentException(
          Messages.invalid("group", group, "free of '|' and line breaks"));
    }
  }

  /** A flag or clearing without a pin or a watch. */
  public AccountMark(
      boolean flagged, long flaggedAt, long at, @Nullable String group, String reason) {
    this(flagged, flaggedAt, at, group, reason, null, Long.MIN_VALUE);
  }

  /** A flag or clearing with its pin (or null), without a watch. */
  public AccountMark(
      boolean flagged,
      long flaggedAt,
      long at,
      @Nullable String group,
      String reason,
      @Nullable AccountPin pin) {
    this(flagged, flaggedAt, at, group, reason, pin, Long.MIN_VALUE);
  }

  /**
   * What a store answers for an account: its flag or clearing with its pin; only the pin (then a
   * clearing at {@code Long.MIN_VALUE}, which clears nothing); or null for neither.
   */
  public static @Nullable AccountMark of(@Nullable AccountMark mark, @Nullable AccountPin pin) {
    return of(mark, pin, Long.MIN_VALUE);
  }

  /**
   * What a store answers for an account: {@link #of(AccountMark, AccountPin)} with the time its
   * watch evidence was last seen ({@code Long.MIN_VALUE} for none); null if it has none of the
   * three.
   */
  public static @Nullable AccountMark of(
      @Nullable AccountMark mark, @Nullable AccountPin pin, long watchedAt) {
    if (mark == null) {
      return pin == null && watchedAt == Long.MIN_VALUE
          ? null
          : new AccountMark(false, -1, Long.MIN_VALUE, null, "", pin, watchedAt);
    }
    return Objects.equals(mark.pin, pin) && mark.watchedAt == watchedAt
        ? mark
        : new AccountMark(
            mark.flagged, mark.flaggedAt, mark.at, mark.group, mark.reason, pin, watchedAt);
  }

  /** This mark without its pin and watch: what a store keeps under the flag or clearing. */
  public AccountMark withoutPin() {
    return pin == null && watchedAt == Long.MIN_VALUE
        ? this
        : new AccountMark(flagged, flaggedAt, at, group, reason);
  }

  /** A reason as marks and pins keep it: one line of at most {@link #MAX_REASON} chars. */
  static String clean(String reason) {
    String r = Objects.requireNonNull(reason, "reason").replace('\n', ' ').replace('\r', ' ');
    return dev.moat.internal.Messages.clip(r, MAX_REASON, "");
  }

  /** A flag raised at {@code flaggedAt}, its evidence last seen at {@code evidenceAt}. */
  public static AccountMark flag(
      long flaggedAt, long evidenceAt, @Nullable String group, String reason) {
    return new AccountMark(true, flaggedAt, evidenceAt, group, reason);
  }

  /** A clearing at {@code clearedAt}. */
  public static AccountMark cleared(long clearedAt, String reason) {
    return new AccountMark(false, -1, clearedAt, null, reason);
  }

  /**
   * One line: {@code F|flaggedAt|at|group|reason} or {@code C|-1|at||reason} (the reason last, so
   * it may hold any character); without the pin ({@link AccountPin#encode}).
   */
  public String encode() {
    return (flagged ? "F|" : "C|")
        + flaggedAt
        + '|'
        + at
        + '|'
        + (group == null ? "" : group)
        + '|'
        + reason;
  }

  /**
   * Reads {@link #encode}'s line.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  public static AccountMark decode(String line) {
    String[] f = line.split("\\|", 5);
    if (f.length != 5 || !(f[0].equals("F") || f[0].equals("C"))) {
      throw new IllegalArgumentException(
          Messages.invalid("account mark", line, "F|flaggedAt|at|group|reason or C|-1|at||reason"));
    }
    try {
      long flaggedAt = Long.parseLong(f[1]);
      long at = Long.parseLong(f[2]);
      return new AccountMark(f[0].equals("F"), flaggedAt, at, f[3].isEmpty() ? null : f[3], f[4]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          Messages.invalid("account mark", line, "times as decimal milliseconds"), e);
    }
  }
}
