package dev.moat.detect;

/**
 * How far the detector's evidence against an account goes: the graduated, reversible verdict.
 *
 * <ul>
 *   <li>{@link #NONE}: nothing to act on.
 *   <li>{@link #WATCH}: the account's own behaviour is in the far tail of its tier (per-account
 *       evidence, within the tier's watch budget), or it touched a coordinated template once.
 *       Invisible and cheap for a benign user: a stronger watermark, capped logprobs. Per-account
 *       evidence alone never goes further.
 *   <li>{@link #FLAG}: enforcement (budgets, pacing, perturbation, rejection). Needs coordination:
 *       repeated requests into templates that many accounts share as a topic sweep, corroborated by
 *       an independent view (young accounts far above the deployment's base rate of youth, or
 *       accounts watched on their own behaviour far above the base rate of watching), or into
 *       templates that flagged accounts dominate.
 * </ul>
 *
 * Both decay without new evidence, and an admin can clear an account or a group, or pin an account
 * at a level for a while ({@link AccountPin}).
 *
 * <p>Thread-safe: an enum.
 */
public enum Suspicion {
  NONE,
  WATCH,
  FLAG;

  /** The trace and API spelling: {@code none}, {@code watch}, {@code flag}. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The level spelt {@code wire} ({@link #wire}).
   *
   * @throws IllegalArgumentException naming the value and the levels allowed
   */
  public static Suspicion of(String wire) {
    for (Suspicion s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        dev.moat.internal.Messages.invalid("level", wire, "one of none, watch, flag"));
  }
}
