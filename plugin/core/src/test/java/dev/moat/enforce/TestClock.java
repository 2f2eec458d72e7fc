package dev.moat.enforce;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, for Bucket4j's buckets. */
public final class TestClock implements TimeMeter, dev.moat.time.Clock {
  public final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long currentTimeNanos() {
    return nanos.get();
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public boolean isWallClockBased() {
    return false;
  }

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
