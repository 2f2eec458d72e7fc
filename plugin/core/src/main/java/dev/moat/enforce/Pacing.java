package dev.moat.enforce;

import dev.moat.internal.Messages;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A tarpit: tokens of a stream are emitted no faster than {@code tokensPerSecond}. Through the
 * SPI's hold-before-emit ({@link RequestProtection#onToken} returns how long the host holds the
 * token), so no thread waits in Moat: the host schedules the emission. Per token: one clock read, a
 * few arithmetic operations, no allocation. A stream slower than the pace is never held.
 *
 * <p>Immutable and thread-safe; its per-request state is driven by one thread.
 */
public final class Pacing implements Protection {
  private final double tokensPerSecond;
  private final long intervalNanos;
  private final LongSupplier clock;

  private Pacing(double tokensPerSecond, LongSupplier clock) {
    this.tokensPerSecond = tokensPerSecond;
    this.intervalNanos = (long) (1e9 / tokensPerSecond);
    this.clock = clock;
  }

  /** Pacing at {@code tokensPerSecond} (0 < rate ≤ 100,000) on {@link System#nanoTime}. */
  public static Pacing of(double tokensPerSecond) {
    return of(tokensPerSecond, System::nanoTime);
  }

  /** Pacing on a given clock (nanoseconds), for tests. */
  public static Pacing of(double tokensPerSecond, LongSupplier clock) {
    if (!(tokensPerSecond > 0 && tokensPerSecond <= 100_000)) {
      throw new IllegalArgumentException(
          Messages.invalid("pacing_tokens_per_second", tokensPerSecond, "in (0, 100000]"));
    }
    return new Pacing(tokensPerSecond, clock);
  }

  @Override
  public String id() {
    return "pacing";
  }

  @Override
  public Stage stage() {
    return Stage.PACING;
  }

  @Override
  public RequestProtection begin(RequestView request) {
    return new Stream(intervalNanos, clock);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "pacing(%.1f tokens/s)", tokensPerSecond);
  }

  /** One stream's schedule. */
  static final class Stream implements RequestProtection {
    private final long interval;
    private final LongSupplier clock;
    private long nextDue = Long.MIN_VALUE;

    Stream(long interval, LongSupplier clock) {
      this.interval = interval;
      this.clock = clock;
    }

    @Override
    public long onToken(int token, TokenHistory history) {
      long now = clock.getAsLong();
      long due = nextDue == Long.MIN_VALUE || now - nextDue >= 0 ? now : nextDue;
      nextDue = due + interval;
      return due - now;
    }
  }
}
