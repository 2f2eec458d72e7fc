package dev.moat.enforce;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One scope's buckets (an account, a client or a campaign group of a tier): requests, tokens (per
 * minute and per day), streams in flight.
 *
 * <p>Thread-safe: Bucket4j's buckets are lock-free; the budget is replaced atomically.
 */
final class Scope {
  volatile @Nullable Bucket requests;
  final Bucket tokens;
  final TimeMeter clock;
  final AtomicInteger streams = new AtomicInteger();
  volatile Budget budget;

  Scope(Budget b, TimeMeter clock) {
    this.budget = b;
    this.clock = clock;
    this.requests =
        b.requestsPerMinute() == 0
            ? null
            : builder(clock).addLimit(perMinute(b.requestsPerMinute())).build();
    LocalBucketBuilder t = builder(clock);
    for (Bandwidth bw : tokenLimits(b)) {
      t.addLimit(bw);
    }
    this.tokens = t.build();
  }

  private static LocalBucketBuilder builder(TimeMeter clock) {
    return Bucket.builder().withCustomTimePrecision(clock);
  }

  private static Bandwidth perMinute(long n) {
    return Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build();
  }

  private static Bandwidth[] tokenLimits(Budget b) {
    if (b.tokensPerMinute() == 0 && b.tokensPerDay() == 0) {
      return new Bandwidth[] {
        Bandwidth.builder().capacity(Long.MAX_VALUE / 4).refillGreedy(1, Duration.ofDays(1)).build()
      };
    }
    if (b.tokensPerDay() == 0) {
      return new Bandwidth[] {perMinute(b.tokensPerMinute())};
    }
    Bandwidth day =
        Bandwidth.builder()
            .capacity(b.tokensPerDay())
            .refillGreedy(b.tokensPerDay(), Duration.ofDays(1))
            .build();
    return b.tokensPerMinute() == 0
        ? new Bandwidth[] {day}
        : new Bandwidth[] {perMinute(b.tokensPerMinute()), day};
  }

  synchronized void reconfigure(Budget b) {
    if (budget.equals(b)) {
      return;
    }
    Bucket r = requests;
    if (b.requestsPerMinute() == 0) {
      requests = null;
    } else if (r == null) {
      requests = builder(clock).addLimit(perMinute(b.requestsPerMinute())).build();
    } else {
      r.replaceConfiguration(
          BucketConfiguration.builder().addLimit(perMinute(b.requestsPerMinute())).build(),
          TokensInheritanceStrategy.PROPORTIONALLY);
    }
    io.github.bucket4j.ConfigurationBuilder c = BucketConfiguration.builder();
    for (Bandwidth bw : tokenLimits(b)) {
      c.addLimit(bw);
    }
    tokens.replaceConfiguration(c.build(), TokensInheritanceStrategy.PROPORTIONALLY);
    this.budget = b;
  }

  /** 0 if reserved; else the nanoseconds until it would fit, or -1 for the stream limit. */
  long reserve(Budget b, long cost) {
    if (b.concurrentStreams() > 0 && streams.incrementAndGet() > b.concurrentStreams()) {
      streams.decrementAndGet();
      return -1;
    }
    Bucket r = requests;
    if (r != null) {
      ConsumptionProbe p = r.tryConsumeAndReturnRemaining(1);
      if (!p.isConsumed()) {
        undoStream(b);
        return Math.max(1, p.getNanosToWaitForRefill());
      }
    }
    if (cost == 0) {
      return 0; // an empty prompt and max_tokens 0: Bucket4j refuses to consume 0
    }
    ConsumptionProbe p = tokens.tryConsumeAndReturnRemaining(cost);
    if (!p.isConsumed()) {
      if (r != null) {
        r.addTokens(1);
      }
      undoStream(b);
      return Math.max(1, p.getNanosToWaitForRefill());
    }
    return 0;
  }

  private void undoStream(Budget b) {
    if (b.concurrentStreams() > 0) {
      streams.decrementAndGet();
    }
  }

  void release(long cost, Budget b) {
    Bucket r = requests;
    if (r != null) {
      r.addTokens(1);
    }
    if (cost > 0) {
      tokens.addTokens(cost);
    }
    undoStream(b);
  }
}
