package dev.moat.enforce;

import dev.moat.internal.Messages;
import java.util.Arrays;

/**
 * A tier's ladder: probing-score thresholds, each raising the level, and the level of accounts
 * linked into a flagged campaign group. Thresholds must rise strictly and their levels must not
 * fall, so no two rules overlap.
 *
 * <p>Immutable and thread-safe.
 */
public final class Escalation {
  /** Level 0 whatever the score. */
  public static final Escalation NONE = new Escalation(new double[0], new int[0], 0);

  private final double[] scores;
  private final int[] levels;
  private final int groupLevel;

  private Escalation(double[] scores, int[] levels, int groupLevel) {
    this.scores = scores;
    this.levels = levels;
    this.groupLevel = groupLevel;
  }

  /**
   * A ladder of rules: an account's score picks the highest rule it reaches.
   *
   * @param scores thresholds in [0, 1], strictly rising (a rule at 0 applies to every request of
   *     the tier: a tier that always runs at a level)
   * @param levels the level at and above each threshold, 1 to 9, not falling
   * @param groupLevel the level of an account linked to a flagged group, 0 for none
   */
  public static Escalation of(double[] scores, int[] levels, int groupLevel, String path) {
    if (scores.length != levels.length) {
      throw new IllegalArgumentException(
          Messages.invalid(path, scores.length + " scores, " + levels.length + " levels", "pairs"));
    }
    for (int i = 0; i < scores.length; i++) {
      if (!(scores[i] >= 0 && scores[i] <= 1)) {
        throw new IllegalArgumentException(
            Messages.invalid(path + "[" + i + "].score", scores[i], "in [0, 1]"));
      }
      if (levels[i] < 1 || levels[i] > 9) {
        throw new IllegalArgumentException(
            Messages.invalid(path + "[" + i + "].level", levels[i], "1 to 9"));
      }
      if (i > 0 && scores[i] <= scores[i - 1]) {
        throw new IllegalArgumentException(
            Messages.invalid(
                path + "[" + i + "].score",
                scores[i],
                "above the rule before (" + scores[i - 1] + "): rules must not overlap"));
      }
      if (i > 0 && levels[i] < levels[i - 1]) {
        throw new IllegalArgumentException(
            Messages.invalid(
                path + "[" + i + "].level",
                levels[i],
                "at least the rule before (" + levels[i - 1] + ")"));
      }
    }
    if (groupLevel < 0 || groupLevel > 9) {
      throw new IllegalArgumentException(
          Messages.invalid(path + ".group_level", groupLevel, "0 to 9"));
    }
    return new Escalation(scores.clone(), levels.clone(), groupLevel);
  }

  /** The level for a probing score in [0, 1] (NaN counts as 0) and group verdict. */
  public int level(double score, boolean inFlaggedGroup) {
    double s = Double.isNaN(score) ? 0 : score;
    int level = 0;
    for (int i = 0; i < scores.length && s >= scores[i]; i++) {
      level = levels[i];
    }
    return inFlaggedGroup ? Math.max(level, groupLevel) : level;
  }

  /**
   * Why {@link #level} gives the level it gives, for the audit trail: the rule the score reached, a
   * ladder that starts every request at a level (a rule at 0), or the flagged group's level.
   */
  public String reason(double score, boolean inFlaggedGroup) {
    double s = Double.isNaN(score) ? 0 : score;
    int rule = -1;
    for (int i = 0; i < scores.length && s >= scores[i]; i++) {
      rule = i;
    }
    int byScore = rule < 0 ? 0 : levels[rule];
    if (inFlaggedGroup && groupLevel > byScore) {
      return "its campaign group is flagged: the ladder's group level " + groupLevel;
    }
    if (rule < 0) {
      return "below every rule of the ladder";
    }
    return scores[rule] == 0
        ? "the tier's ladder starts every request at level " + levels[rule]
        : "the ladder's rule score >= " + scores[rule] + " gives level " + levels[rule];
  }

  /** Every level this ladder can reach (for validation against the defined levels). */
  public int[] reachable() {
    int[] out = Arrays.copyOf(levels, levels.length + 1);
    out[levels.length] = groupLevel;
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Escalation e
        && Arrays.equals(e.scores, scores)
        && Arrays.equals(e.levels, levels)
        && e.groupLevel == groupLevel;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(scores) * 31 + Arrays.hashCode(levels) + groupLevel;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < scores.length; i++) {
      b.append(b.length() == 0 ? "" : ", ")
          .append("score ≥ ")
          .append(scores[i])
          .append(" → level ")
          .append(levels[i]);
    }
    if (groupLevel > 0) {
      b.append(b.length() == 0 ? "" : ", ").append("flagged group → level ").append(groupLevel);
    }
    return b.length() == 0 ? "none" : b.toString();
  }
}
