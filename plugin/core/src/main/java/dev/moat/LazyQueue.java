package dev.moat;

import dev.moat.enforce.AdmissionQueue;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A Moat's admission queue, made on first use (most hosts never queue) and closed with the Moat.
 *
 * <p>Thread-safe.
 */
final class LazyQueue {
  private final int capacity;
  private final int perAccount;
  private final Duration maxWait;
  private @Nullable AdmissionQueue queue;
  private boolean closed;

  LazyQueue(int capacity, int perAccount, Duration maxWait) {
    this.capacity = capacity;
    this.perAccount = perAccount;
    this.maxWait = maxWait;
  }

  /** The queue, made now if it was not yet. */
  synchronized AdmissionQueue get() {
    AdmissionQueue q = queue;
    if (q == null) {
      if (closed) {
        throw new IllegalStateException("this Moat is closed");
      }
      q = new AdmissionQueue(capacity, perAccount, maxWait);
      queue = q;
    }
    return q;
  }

  /** Closes the queue if it was made; later {@link #get} calls fail. */
  void close() {
    AdmissionQueue q;
    synchronized (this) {
      closed = true;
      q = queue;
    }
    if (q != null) {
      q.close();
    }
  }
}
