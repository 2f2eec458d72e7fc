package dev.moat.detect;

import dev.moat.internal.Messages;
import dev.moat.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link Detector} ({@link Detector#builder()}): the verdict model, the link store (local
 * or fleet-wide), the clock, and the settings a policy's {@code detection} section gives. Each
 * setter checks its value.
 *
 * <p>Not thread-safe; the detector it builds is.
 */
public final class DetectorBuilder {
  @Nullable VerdictModel model;
  float threshold = -1;
  @Nullable LinkStore store;
  long maximumAccounts = 2_000_000;
  @Nullable Duration idleExpiry;
  Clock clock = Clock.SYSTEM;
  int refreshTokens = 32;
  java.util.Set<String> exemptTiers = java.util.Set.of();
  double watchBudget = 0.01;
  Duration decay = Duration.ofDays(3);

  DetectorBuilder() {}

  /**
   * The share of a tier's accounts that may be watched on their own behaviour alone, in (0, 0.5];
   * default 0.01. The tier's watch threshold is the score above which this share of its accounts
   * lies (never below the model's threshold), read off the tier's own traffic.
   */
  public DetectorBuilder watchBudget(double watchBudget) {
    if (!(watchBudget > 0 && watchBudget <= 0.5)) {
      throw new IllegalArgumentException(
          Messages.invalid("watchBudget", watchBudget, "in (0, 0.5]"));
    }
    this.watchBudget = watchBudget;
    return this;
  }

  /**
   * How long a level lasts without new evidence before it falls one step (flag to watch, watch to
   * none), in trace time; default 3 days. Also how long a cleared account cannot be flagged.
   */
  public DetectorBuilder decay(Duration decay) {
    if (decay.isNegative() || decay.toMinutes() < 1 || decay.toDays() > 365) {
      throw new IllegalArgumentException(Messages.invalid("decay", decay, "1 minute to 365 days"));
    }
    this.decay = decay;
    return this;
  }

  /**
   * Applies a policy's {@code detection} section: threshold, refresh interval, exempt tiers, watch
   * budget and decay.
   */
  public DetectorBuilder settings(dev.moat.policy.DetectionSettings settings) {
    if (settings.threshold() != -1) {
      threshold((float) settings.threshold());
    }
    refreshTokens(settings.refreshTokens());
    this.exemptTiers = settings.exemptTiers();
    watchBudget(settings.watchBudget());
    decay(Duration.ofMillis(Math.round(settings.decayHours() * 3_600_000)));
    return this;
  }

  /** The classifier; {@link MlpModel#bundled()} if not set. */
  public DetectorBuilder model(VerdictModel model) {
    this.model = Objects.requireNonNull(model, "model");
    return this;
  }

  /** Overrides the model's calibrated threshold, in (0, 1). */
  public DetectorBuilder threshold(float threshold) {
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException(Messages.invalid("threshold", threshold, "in (0, 1)"));
    }
    this.threshold = threshold;
    return this;
  }

  /** Where linking state lives; a fresh {@link LocalLinkStore} if not set. */
  public DetectorBuilder linkStore(LinkStore store) {
    this.store = Objects.requireNonNull(store, "store");
    return this;
  }

  /** Accounts held at most (about 800 bytes each: perf's {@code DetectorFootprint}); default 2M. */
  public DetectorBuilder maximumAccounts(long maximumAccounts) {
    if (maximumAccounts < 1) {
      throw new IllegalArgumentException(
          Messages.invalid("maximumAccounts", maximumAccounts, ">= 1"));
    }
    this.maximumAccounts = maximumAccounts;
    return this;
  }

  /**
   * Forget accounts without requests for this long. Off by default: the size bound keeps memory
   * bounded (least valuable accounts go first), and an account that returns keeps its history.
   */
  public DetectorBuilder idleExpiry(Duration idleExpiry) {
    if (idleExpiry.isNegative() || idleExpiry.isZero()) {
      throw new IllegalArgumentException(Messages.invalid("idleExpiry", idleExpiry, "positive"));
    }
    this.idleExpiry = idleExpiry;
    return this;
  }

  /** The clock for expiry (replay passes the trace's clock). */
  public DetectorBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** How many tokens between verdict refreshes in a {@link Session}; default 32. */
  public DetectorBuilder refreshTokens(int refreshTokens) {
    if (refreshTokens < 1) {
      throw new IllegalArgumentException(Messages.invalid("refreshTokens", refreshTokens, ">= 1"));
    }
    this.refreshTokens = refreshTokens;
    return this;
  }

  public Detector build() {
    VerdictModel m = model;
    if (m == null) {
      m = MlpModel.bundled();
    }
    if (m.inputs() != Features.COUNT) {
      throw new IllegalArgumentException(
          Messages.invalid("model inputs", m.inputs(), String.valueOf(Features.COUNT)));
    }
    return new Detector(this, m);
  }
}
