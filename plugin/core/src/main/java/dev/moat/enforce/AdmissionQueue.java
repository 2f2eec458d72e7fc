package dev.moat.enforce;

import dev.moat.internal.Messages;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The delay action's queue: requests the {@link Enforcer} delays wait here, bounded, and are
 * admitted fairly across accounts, without a thread per waiting request. A request is tried at
 * once; if delayed it is queued (or rejected with a retry-after when the queue, or its account's
 * share, is full) and tried again by one scheduler thread when its wait is over. Each round tries
 * every account's oldest due request once, accounts served last round going last: when a shared
 * budget (a campaign group's) admits one request per refill, the accounts waiting on it take turns
 * instead of the busiest one taking all. A request not admitted within {@code maxWait} is rejected
 * with the wait it was last told as its retry-after.
 *
 * <p>The result is a {@link CompletableFuture}: a host on virtual threads may {@code join()} it, an
 * event loop chains on it. Cancelling the future withdraws the request. Once per request, never per
 * token.
 *
 * <p>Thread-safe: submissions from any thread; retries on the queue's own scheduler thread, which
 * {@link #close} stops (completing what waits with a rejection).
 */
public final class AdmissionQueue implements AutoCloseable {
  private final int capacity;
  private final int perAccount;
  private final long maxWaitNanos;
  private @Nullable ScheduledExecutorService scheduler; // started by the first delayed request
  private final Map<String, ArrayDeque<Waiting>> byAccount = new HashMap<>();
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private int size;
  private long queuedTotal;
  private long rejectedFull;
  private long timedOut;
  private @Nullable ScheduledFuture<?> tick;
  private long tickAt;
  private boolean closed;

  /**
   * @param capacity requests waiting at most, over all accounts
   * @param perAccount requests of one account waiting at most
   * @param maxWait how long a request may wait before it is rejected
   */
  public AdmissionQueue(int capacity, int perAccount, Duration maxWait) {
    if (capacity < 1) {
      throw new IllegalArgumentException(Messages.invalid("queue.capacity", capacity, ">= 1"));
    }
    if (perAccount < 1 || perAccount > capacity) {
      throw new IllegalArgumentException(
          Messages.invalid("queue.per_account", perAccount, "1 to capacity (" + capacity + ")"));
    }
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException(Messages.invalid("queue.max_wait", maxWait, "> 0"));
    }
    this.capacity = capacity;
    this.perAccount = perAccount;
    this.maxWaitNanos = maxWait.toNanos();
  }

  /**
   * Admits a request through the queue.
   *
   * @param account whose turn the request waits in
   * @param attempt one admission decision (e.g. {@code () -> moat.admit(context)}); called on the
   *     caller's thread first, then on the queue's thread; must not block
   * @return completes with {@code ADMIT} or {@code REJECT}, never {@code DELAY}
   */
  public CompletableFuture<Admission> admit(String account, Supplier<Admission> attempt) {
    Admission first = attempt.get();
    if (first.decision() != Admission.Decision.DELAY) {
      return CompletableFuture.completedFuture(first);
    }
    long now = System.nanoTime();
    Waiting w = new Waiting(attempt, now + maxWaitNanos, now + first.waitNanos(), first);
    synchronized (this) {
      ArrayDeque<Waiting> mine = byAccount.get(account);
      int queued = mine == null ? 0 : mine.size();
      if (closed || size >= capacity || queued >= perAccount) {
        rejectedFull++;
        String why =
            closed
                ? "the admission queue is closed"
                : size >= capacity
                    ? "the admission queue is full (" + capacity + " waiting)"
                    : "this account has " + queued + " requests waiting, the most allowed";
        return CompletableFuture.completedFuture(reject(first, first.waitNanos(), why));
      }
      if (mine == null) {
        mine = new ArrayDeque<>();
        byAccount.put(account, mine);
        turns.addLast(account);
      }
      mine.addLast(w);
      size++;
      queuedTotal++;
      scheduleLocked(w.nextTry);
    }
    return w.result;
  }

  /** Requests waiting now. */
  public synchronized int size() {
    return size;
  }

  /** Requests queued so far (delayed at first and given a place). */
  public synchronized long queued() {
    return queuedTotal;
  }

  /** Requests rejected because the queue or their account's share was full. */
  public synchronized long rejectedFull() {
    return rejectedFull;
  }

  /** Requests rejected because they waited {@code maxWait} without being admitted. */
  public synchronized long timedOut() {
    return timedOut;
  }

  private void scheduleLocked(long at) {
    if (closed) {
      return;
    }
    ScheduledFuture<?> t = tick;
    if (t != null && !t.isDone() && tickAt - at <= 0) {
      return; // an earlier tick is already due
    }
    if (t != null) {
      t.cancel(false);
    }
    tickAt = at;
    ScheduledExecutorService sch = scheduler;
    if (sch == null) {
      sch =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread th = new Thread(r, "moat-admission-queue");
                th.setDaemon(true);
                return th;
              });
      scheduler = sch;
    }
    tick = sch.schedule(this::round, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** One round: each account's oldest due request tried once, last round's served ones last. */
  private void round() {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      List<String> notServed = new ArrayList<>();
      List<String> served = new ArrayList<>();
      long next = Long.MAX_VALUE;
      boolean anyNext = false;
      for (String account : turns) {
        // Every account in turns has its queue until it is removed from both.
        ArrayDeque<Waiting> mine = Objects.requireNonNull(byAccount.get(account), account);
        dropCancelled(mine);
        Waiting w = mine.peekFirst();
        boolean admitted = false;
        if (w != null && now - w.nextTry >= 0) {
          Admission a;
          try {
            a = w.attempt.get();
          } catch (RuntimeException e) {
            mine.pollFirst();
            size--;
            completions.add(() -> w.result.completeExceptionally(e));
            a = null;
          }
          if (a == null) {
            // failed: completed exceptionally above
          } else if (a.decision() == Admission.Decision.DELAY) {
            long wait = a.waitNanos();
            if (now + wait - w.deadline > 0) {
              mine.pollFirst();
              size--;
              timedOut++;
              Admission r =
                  reject(a, wait, a.reason() + "; waited the longest allowed in the queue");
              completions.add(() -> w.result.complete(r));
            } else {
              w.nextTry = now + wait;
            }
          } else {
            mine.pollFirst();
            size--;
            admitted = a.admitted();
            Admission done = a;
            completions.add(() -> w.result.complete(done));
          }
        }
        Waiting head = mine.peekFirst();
        if (head == null) {
          byAccount.remove(account);
          continue;
        }
        if (!anyNext || head.nextTry - next < 0) {
          next = head.nextTry;
          anyNext = true;
        }
        (admitted ? served : notServed).add(account);
      }
      turns.clear();
      turns.addAll(notServed);
      turns.addAll(served);
      tick = null;
      if (anyNext) {
        scheduleLocked(next);
      }
    }
    for (Runnable r : completions) {
      r.run(); // outside the lock: callers' continuations may run here
    }
  }

  private void dropCancelled(ArrayDeque<Waiting> mine) {
    for (Iterator<Waiting> it = mine.iterator(); it.hasNext(); ) {
      if (it.next().result.isDone()) {
        it.remove();
        size--;
      }
    }
  }

  private static Admission reject(Admission a, long wait, String why) {
    return new Admission(
        Admission.Decision.REJECT, a.level(), a.maxTokens(), Math.max(1, wait), why, null);
  }

  /** Stops the scheduler; what still waits is rejected ("the admission queue is closed"). */
  @Override
  public void close() {
    List<Waiting> left = new ArrayList<>();
    ScheduledExecutorService sch;
    synchronized (this) {
      closed = true;
      sch = scheduler;
      byAccount.values().forEach(left::addAll);
      byAccount.clear();
      turns.clear();
      size = 0;
    }
    if (sch != null) {
      sch.shutdownNow();
    }
    for (Waiting w : left) {
      w.result.complete(reject(w.first, w.first.waitNanos(), "the admission queue is closed"));
    }
  }

  private static final class Waiting {
    final Supplier<Admission> attempt;
    final long deadline;
    final Admission first;
    long nextTry;
    final CompletableFuture<Admission> result = new CompletableFuture<>();

    Waiting(Supplier<Admission> attempt, long deadline, long nextTry, Admission first) {
      this.attempt = attempt;
      this.deadline = deadline;
      this.nextTry = nextTry;
      this.first = first;
    }
  }
}
