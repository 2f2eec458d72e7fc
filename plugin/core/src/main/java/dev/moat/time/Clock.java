package dev.moat.time;

/**
 * Moat's one time source: monotonic nanoseconds, as {@link System#nanoTime()} gives them. Every
 * builder that keeps time (expiry of account state, budgets, the detector's decay) takes this, and
 * Moat adapts it to the libraries it uses inside, so no third-party clock type is part of the API.
 * Tests and replays pass a clock they move themselves.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Clock {
  /** The system's monotonic clock. */
  Clock SYSTEM = System::nanoTime;

  /** Nanoseconds from an arbitrary origin, never going backwards. */
  long nanoTime();
}
