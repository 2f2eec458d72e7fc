package dev.moat;

import dev.moat.internal.Messages;
import java.util.Arrays;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * {@link Batch}'s calls with the rows spread over several threads: the calling thread and {@code
 * threads - 1} workers of the runner's own, which claim rows one at a time from a shared counter,
 * so that rows of different cost (a tier that samples with Moat beside one that only watermarks)
 * balance. A batch of 64 rows at a vocabulary of 128,256 is about 64 × 20–35 µs of one core on its
 * own; beside a model step of a few milliseconds, every core the host can spare shortens it.
 *
 * <pre>{@code
 * try (BatchRunner runner = BatchRunner.builder().threads(8).build()) {
 *   while (serving) {
 *     float[] logits = model.forward(batch);            // [rows × vocab]
 *     runner.sample(requests, logits, vocab, tokens);   // each row's protections and sampling
 *     for (int i = 0; i < rows; i++) requests[i].accept(tokens[i]);
 *   }
 * }
 * }</pre>
 *
 * <p>Results are bit-identical to {@link Batch}: each row is processed by exactly one thread, and
 * rows share no per-step state. A step allocates nothing, takes no lock and logs nothing: the
 * step's arguments are published through one volatile counter, idle workers park and are unparked
 * at the next step, and the caller waits (spinning briefly, then parked) until every worker has
 * finished. Steps with fewer than {@link Builder#minRows} rows run on the calling thread alone.
 *
 * <p>Errors: a row that throws does not stop the others. When every row has run, the exception of
 * the lowest failing row is rethrown, with the other rows' exceptions added as suppressed. In
 * {@link #sample}, a failing row's entry in {@code out} is set to -1 (no token is negative), so
 * that a server can fail those requests alone and keep the other rows' tokens. (On one thread,
 * {@link Batch} stops at the first failing row instead.)
 *
 * <p>Thread-safety: one step at a time. A runner belongs to one batch loop; a step started while
 * another is running, from any thread, is refused with {@link IllegalStateException}. A request's
 * state moves between worker threads from step to step safely: everything a step wrote happens
 * before the next step starts. {@link #close} stops the workers; the runner is then unusable.
 */
public final class BatchRunner implements AutoCloseable {
  private static final int PROCESS = 0;
  private static final int SAMPLE = 1;

  /** How long the caller spins for the last rows before parking, in nanoseconds. */
  private static final long JOIN_SPIN_NANOS = 50_000;

  private final int threads;
  private final int minRows;
  private final long idleSpinNanos;
  private final Thread[] workers;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();

  /** Per participant (0 is the caller): its first failure in this step, and that row. */
  private final @Nullable Throwable[] failure;

  private final int[] failureRow;

  /** Bumped to publish a step (or, when closed, to release the workers). */
  private final AtomicInteger generation = new AtomicInteger();

  private volatile boolean closed;
  private volatile @Nullable Thread caller;

  // The step's arguments: written before generation is bumped, read after it is seen.
  private MoatRequest @Nullable [] requests;
  private float @Nullable [] logits;
  private int @Nullable [] out;
  private int vocabSize;
  private int mode;

  private BatchRunner(Builder b) {
    this.threads = b.threads;
    this.minRows = b.minRows;
    this.idleSpinNanos = b.idleSpinNanos;
    this.failure = new Throwable[threads];
    this.failureRow = new int[threads];
    this.workers = new Thread[threads - 1];
    for (int w = 0; w < workers.length; w++) {
      int participant = w + 1;
      Thread t = b.threadFactory.newThread(() -> work(participant));
      if (b.defaultFactory) {
        t.setName("moat-batch-" + participant);
        t.setDaemon(true);
      }
      workers[w] = t;
    }
    for (Thread t : workers) {
      t.start();
    }
  }

  /** A builder: one thread (the caller's) until {@link Builder#threads} says more. */
  public static Builder builder() {
    return new Builder();
  }

  /** Threads that run a step's rows, the caller's included. */
  public int threads() {
    return threads;
  }

  /** {@link Batch#processLogits}, the rows spread over the runner's threads. */
  public void processLogits(MoatRequest[] requests, float[] logits, int vocabSize) {
    run(PROCESS, requests, logits, vocabSize, null);
  }

  /** {@link Batch#sample}, the rows spread over the runner's threads. */
  public void sample(MoatRequest[] requests, float[] logits, int vocabSize, int[] out) {
    if (out.length < requests.length) {
      throw new IllegalArgumentException(
          Messages.invalid("out.length", out.length, ">= " + requests.length));
    }
    run(SAMPLE, requests, logits, vocabSize, out);
  }

  private void run(
      int mode, MoatRequest[] requests, float[] logits, int vocabSize, int @Nullable [] out) {
    Batch.check(requests, logits, vocabSize);
    if (!busy.compareAndSet(false, true)) {
      throw new IllegalStateException(
          closed
              ? "this BatchRunner is closed"
              : "a step is already running on this BatchRunner: one step at a time (a runner"
                  + " belongs to one batch loop)");
    }
    try {
      if (closed) {
        throw new IllegalStateException("this BatchRunner is closed");
      }
      this.requests = requests;
      this.logits = logits;
      this.vocabSize = vocabSize;
      this.out = out;
      this.mode = mode;
      Arrays.fill(failure, null);
      next.set(0);
      boolean parallel = workers.length > 0 && requests.length >= minRows;
      if (parallel) {
        caller = Thread.currentThread();
        pending.set(workers.length);
        generation.incrementAndGet(); // publishes the fields above to every worker
        for (Thread t : workers) {
          LockSupport.unpark(t);
        }
      }
      rows(0);
      if (parallel) {
        join();
      }
      rethrow();
    } finally {
      this.requests = null;
      this.logits = null;
      this.out = null;
      busy.set(false);
    }
  }

  /** Claims and runs rows until none is left; records this participant's first failure. */
  private void rows(int participant) {
    MoatRequest[] rs = requests;
    float[] l = logits;
    int v = vocabSize;
    int[] o = out;
    boolean sample = mode == SAMPLE;
    if (rs == null || l == null) {
      return;
    }
    for (int i = next.getAndIncrement(); i < rs.length; i = next.getAndIncrement()) {
      try {
        if (sample && o != null) {
          o[i] = rs[i].sample(l, i * v);
        } else {
          rs[i].processLogits(l, i * v);
        }
      } catch (RuntimeException | Error e) {
        if (sample && o != null) {
          o[i] = -1; // this row has no token
        }
        Throwable first = failure[participant];
        if (first == null) {
          failure[participant] = e; // its lowest failing row: rows are claimed in order
          failureRow[participant] = i;
        } else {
          first.addSuppressed(e);
        }
      }
    }
  }

  private void join() {
    long start = System.nanoTime();
    while (pending.get() != 0) {
      if (System.nanoTime() - start < JOIN_SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
  }

  private void rethrow() {
    int lowest = -1;
    for (int p = 0; p < threads; p++) {
      if (failure[p] != null && (lowest < 0 || failureRow[p] < failureRow[lowest])) {
        lowest = p;
      }
    }
    if (lowest < 0) {
      return;
    }
    Throwable first = failure[lowest];
    for (int p = 0; p < threads; p++) {
      Throwable other = failure[p];
      if (p != lowest && other != null && first != null) {
        first.addSuppressed(other);
      }
    }
    if (first instanceof Error e) {
      throw e;
    }
    throw (RuntimeException) first;
  }

  private void work(int participant) {
    int seen = 0;
    while (true) {
      int g = await(seen);
      if (closed) {
        return;
      }
      seen = g;
      rows(participant);
      if (pending.decrementAndGet() == 0) {
        Thread c = caller;
        if (c != null) {
          LockSupport.unpark(c);
        }
      }
    }
  }

  /** Waits for a generation other than {@code seen} (or for close): spins, then parks. */
  private int await(int seen) {
    long start = idleSpinNanos > 0 ? System.nanoTime() : 0;
    while (true) {
      int g = generation.get();
      if (g != seen || closed) {
        return g;
      }
      if (idleSpinNanos > 0 && System.nanoTime() - start < idleSpinNanos) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
  }

  /**
   * Stops the workers (waiting up to a second for each) and refuses further steps. Idempotent. A
   * step running on another thread finishes first.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    while (!busy.compareAndSet(false, true)) {
      Thread.onSpinWait(); // a step on another thread: let it finish
    }
    closed = true;
    generation.incrementAndGet();
    busy.set(false);
    for (Thread t : workers) {
      LockSupport.unpark(t);
    }
    for (Thread t : workers) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "BatchRunner[threads=" + threads + ", minRows=" + minRows + "]";
  }

  /**
   * Builds a {@link BatchRunner}; validates each setting as it is given. Not thread-safe (a builder
   * is used by one thread).
   */
  public static final class Builder {
    /** The most threads one runner may have. */
    public static final int MAX_THREADS = 1024;

    private int threads = 1;
    private int minRows = 2;
    private long idleSpinNanos;
    private ThreadFactory threadFactory = Thread::new;
    private boolean defaultFactory = true;

    private Builder() {}

    /**
     * Threads that run a step's rows, the caller's included: 1 (the default) runs on the caller
     * alone, like {@link Batch}. {@code Runtime.getRuntime().availableProcessors()} uses every
     * core; a host whose model step also needs the CPU leaves it some.
     */
    public Builder threads(int threads) {
      if (threads < 1 || threads > MAX_THREADS) {
        throw new IllegalArgumentException(
            Messages.invalid("threads", threads, "in [1, " + MAX_THREADS + "]"));
      }
      this.threads = threads;
      return this;
    }

    /**
     * Steps with fewer rows run on the calling thread alone (default 2): waking a worker costs
     * microseconds, about what one row at a vocabulary of 32,000 does.
     */
    public Builder minRows(int minRows) {
      if (minRows < 1) {
        throw new IllegalArgumentException(Messages.invalid("minRows", minRows, ">= 1"));
      }
      this.minRows = minRows;
      return this;
    }

    /**
     * How long an idle worker spins for the next step before it parks (default 0: it parks at
     * once). Spinning saves the wake-up of a parked thread (tens of microseconds) when steps come
     * back to back, and burns the core meanwhile.
     */
    public Builder idleSpin(java.time.Duration spin) {
      long nanos = spin.toNanos();
      if (nanos < 0 || nanos > 1_000_000_000L) {
        throw new IllegalArgumentException(
            Messages.invalid("idleSpin", spin, "between 0 and 1 second"));
      }
      this.idleSpinNanos = nanos;
      return this;
    }

    /**
     * Makes the workers' threads, so that a host can name them, set their priority or daemon flag,
     * or use its own thread type. Default: daemon threads named {@code moat-batch-N}.
     */
    public Builder threadFactory(ThreadFactory factory) {
      this.threadFactory = java.util.Objects.requireNonNull(factory, "threadFactory");
      this.defaultFactory = false;
      return this;
    }

    /** A runner with its workers started. */
    public BatchRunner build() {
      return new BatchRunner(this);
    }
  }
}
