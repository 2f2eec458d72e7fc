package dev.moat.server;

import dev.moat.BatchRunner;
import dev.moat.onnxruntime.BatchDecoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous batching: one thread per served model that, at every step, runs every generation whose
 * next step is due in one model call ({@link BatchDecoder}), then Moat's per-row protections and
 * sampling over the batch ({@link BatchRunner}), then hands each generation its token ({@link
 * Generation#onToken}), which emits it and schedules its next step as it would alone.
 *
 * <p>Scheduling, after vLLM's and TGI's, simplified:
 *
 * <ul>
 *   <li><b>Running</b>: at most {@code maxBatch} generations hold a place in the batch. Each step
 *       decodes those of them that are ready (their last token emitted and written).
 *   <li><b>Joining</b>: a new generation waits in a FIFO queue of at most {@code maxWaiting} (the
 *       next one is refused with 503) until a place is free, then joins at the next step: the
 *       prompts joining at one step are prefilled together, right-padded in as few calls as the
 *       decoder's budget of logits allows (a prompt's logits are its own alone up to float
 *       rounding; see {@link BatchDecoder}), and its first token is sampled in that step with the
 *       others.
 *   <li><b>Leaving</b>: a generation that finished, failed or whose client went away leaves at once
 *       and its place goes to the next in line. One that the tarpit holds (a pacing level) leaves
 *       its place for the hold, so held streams never occupy the batch: it sits out the steps until
 *       its token is emitted, then queues again ahead of new generations.
 *   <li>A generation whose write is still in flight keeps its place but sits out the step.
 * </ul>
 *
 * <p>Per-request semantics are the per-request path's, because each generation still decides its
 * own stop, length, logprobs, holds and escalation in {@link Generation#onToken}; only the model
 * call and Moat's sampling are shared. Seeded requests yield the same text batched or alone: a
 * row's logits differ from its logits alone by float rounding at most (see {@link BatchDecoder}),
 * and Moat's per-row state is the request's own.
 *
 * <p>Failures: a model call that fails fails the rows it decoded; a row whose protections or
 * sampling fail ends alone as an error ({@link StepSampling}), and the other rows of that step keep
 * their tokens.
 *
 * <p>Thread-safe entry points: {@link #submit}, {@link #resume} and {@link #close}; everything else
 * runs on the loop's thread.
 */
final class DecodeLoop implements AutoCloseable {
  private final ModelServer server;
  private final BatchDecoder decoder;
  private final StepSampling sampling;
  private final int maxBatch;
  private final int maxWaiting;
  private final int vocab;
  private final ConcurrentLinkedQueue<Generation> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingNew = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile int runningNow; // running.size() after the last step, for the gauge and tests

  // The loop thread's.
  private final ArrayDeque<Generation> waiting = new ArrayDeque<>();
  private final ArrayDeque<Generation> resumed = new ArrayDeque<>();
  private final List<Generation> running = new ArrayList<>();
  private final Generation[] rows;
  private final BatchDecoder.Sequence[] seqs;
  private final BatchDecoder.Sequence[] joining;
  private final int[][] prompts;
  private final int[] feed;
  private final boolean[] failed;
  private float[] logits = new float[0];
  private int count; // this step's rows
  private long steps; // batch steps so far, for the allocation watch's sampling

  DecodeLoop(
      ModelServer server, BatchDecoder decoder, int maxBatch, int maxWaiting, int moatThreads) {
    this.server = server;
    this.decoder = decoder;
    this.maxBatch = maxBatch;
    this.maxWaiting = maxWaiting;
    this.vocab = decoder.layout().vocabSize();
    this.sampling = new StepSampling(maxBatch, moatThreads);
    this.rows = new Generation[maxBatch];
    this.seqs = new BatchDecoder.Sequence[maxBatch];
    this.joining = new BatchDecoder.Sequence[maxBatch];
    this.prompts = new int[maxBatch][];
    this.feed = new int[maxBatch];
    this.failed = new boolean[maxBatch];
    this.thread = new Thread(this::loop, "moat-serve-decode");
    thread.setDaemon(true);
    thread.start();
  }

  int maxBatch() {
    return maxBatch;
  }

  int maxWaiting() {
    return maxWaiting;
  }

  /** A new generation joins the queue; false when the queue is full. */
  boolean submit(Generation g) {
    if (waitingNew.incrementAndGet() > maxWaiting) {
      waitingNew.decrementAndGet();
      return false;
    }
    inbox.add(g);
    LockSupport.unpark(thread);
    return true;
  }

  /** A generation's next step is due (its token written, or its hold over). */
  void resume(Generation g) {
    inbox.add(g);
    LockSupport.unpark(thread);
  }

  /** Generations holding a place in the batch after the last step. */
  int running() {
    return runningNow;
  }

  /** New generations waiting for a place now. */
  int waiting() {
    return waitingNew.get();
  }

  private void loop() {
    while (!stopping) {
      try {
        if (!schedule()) {
          runningNow = running.size();
          LockSupport.park(this);
          continue;
        }
        step();
      } catch (RuntimeException | Error e) {
        server.log().error("decode loop: {}", e.toString(), e);
        failAll(e);
      }
    }
    cancelAll();
  }

  /** Places filled and this step's rows chosen; false when no row is ready. */
  private boolean schedule() {
    for (Generation g; (g = inbox.poll()) != null; ) {
      if (g.seq == null && !g.running && !g.ready) {
        waiting.add(g); // new: counted in waitingNew until it leaves the queue
      } else {
        g.ready = true;
        if (!g.running) {
          resumed.add(g);
        }
      }
    }
    for (int i = running.size() - 1; i >= 0; i--) {
      Generation g = running.get(i);
      if (g.ended() || (g.ready && g.cancelled())) {
        leave(g);
        running.remove(i);
      }
    }
    while (running.size() < maxBatch && !resumed.isEmpty()) {
      Generation g = resumed.poll();
      if (g.ended() || g.cancelled()) {
        leave(g);
        continue;
      }
      g.running = true;
      running.add(g);
    }
    while (running.size() < maxBatch && !waiting.isEmpty()) {
      Generation g = waiting.poll();
      waitingNew.decrementAndGet();
      if (g.ended() || g.cancelled()) {
        leave(g);
        continue;
      }
      g.ready = true;
      g.running = true;
      running.add(g);
    }
    int n = 0;
    for (Generation g : running) { // decoding rows first, then the ones to prefill
      if (g.ready && g.seq != null) {
        rows[n++] = g;
      }
    }
    for (Generation g : running) {
      if (g.ready && g.seq == null) {
        rows[n++] = g;
      }
    }
    count = n;
    return n > 0;
  }

  /** A generation out of the loop: its sequence closed (its slot free), its end recorded. */
  private void leave(Generation g) {
    g.running = false;
    g.ready = false;
    if (g.seq != null) {
      g.seq.close();
      g.seq = null;
    }
    if (!g.ended()) {
      g.endCancelled();
    }
  }

  /**
   * Rows {@code [from, n)} join: their prompts prefilled together, in as few calls as the decoder
   * allows. A row that joint prefill left out (a call failed, or a prompt was refused before any
   * call) is prefilled alone, so that it fails alone and takes no other row with it.
   */
  private void prefillJoining(int from, int n) {
    if (from == n) {
      return;
    }
    for (int i = from; i < n; i++) {
      Generation g = rows[i];
      g.seq = decoder.newSequence();
      joining[i - from] = g.seq;
      prompts[i - from] = g.prompt();
    }
    try {
      decoder.prefill(joining, prompts, n - from, logits, from * vocab);
    } catch (RuntimeException | ai.onnxruntime.OrtException e) {
      for (int i = from; i < n; i++) {
        BatchDecoder.Sequence s = java.util.Objects.requireNonNull(rows[i].seq, "seq");
        if (s.position() > 0) {
          continue;
        }
        try {
          decoder.prefill(s, rows[i].prompt(), logits, i * vocab);
        } catch (RuntimeException | ai.onnxruntime.OrtException alone) {
          failed[i] = true;
          rows[i].fail(alone);
        }
      }
    } finally {
      java.util.Arrays.fill(joining, 0, n - from, null);
      java.util.Arrays.fill(prompts, 0, n - from, null);
    }
  }

  /** One step: the model over every ready row, Moat over the batch, each row's token handed on. */
  private void step() {
    int n = count;
    int decoding = 0;
    while (decoding < n && rows[decoding].seq != null) {
      seqs[decoding] = rows[decoding].seq;
      feed[decoding] = rows[decoding].lastToken();
      decoding++;
    }
    if (logits.length != n * vocab) {
      logits = new float[n * vocab]; // Moat's batch calls take exactly rows × vocab
    }
    java.util.Arrays.fill(failed, 0, n, false);
    long t0 = System.nanoTime();
    int calls = 0;
    if (decoding > 0) {
      calls++;
      try {
        decoder.step(seqs, decoding, feed, logits);
      } catch (RuntimeException | ai.onnxruntime.OrtException e) {
        java.util.Arrays.fill(failed, 0, decoding, true); // one call: its rows fail together
        for (int i = 0; i < decoding; i++) {
          rows[i].fail(e);
        }
      }
    }
    long before = decoder.calls();
    prefillJoining(decoding, n);
    calls += (int) (decoder.calls() - before);
    long t1 = System.nanoTime();
    ServerMetrics metrics = server.metrics();
    metrics.modelCalls(calls);
    int ok = 0;
    for (int i = 0; i < n; i++) {
      if (!failed[i]) {
        ok++;
        rows[i].applyBias(logits, i * vocab);
      }
    }
    if (ok > 0) {
      long modelShare = (t1 - t0) / ok;
      long allocated = metrics.allocation.begin(++steps, AllocationWatch.STEPS);
      sampling.sample(rows, n, failed, logits, vocab);
      metrics.allocation.end(allocated, ok);
      long[] holds = sampling.holds;
      long t2 = System.nanoTime();
      long moatShare = (t2 - t1) / ok;
      for (int i = 0; i < n; i++) {
        if (failed[i]) {
          continue;
        }
        Generation g = rows[i];
        metrics.modelStep(modelShare);
        metrics.moatToken(moatShare);
        g.addMoatNanos(moatShare);
        g.ready = false;
        if (holds[i] > 0) {
          g.running = false; // held by the tarpit: its place goes to another until the hold ends
        }
        BatchDecoder.Sequence s = java.util.Objects.requireNonNull(g.seq, "seq");
        try {
          g.onToken(sampling.tokens[i], holds[i], logits, i * vocab, s.position());
        } catch (RuntimeException e) {
          g.fail(e); // this row alone, as the per-request path would
        }
      }
    }
    for (int i = 0; i < n; i++) {
      Generation g = rows[i];
      if (g.ended()) {
        leave(g); // finished, stopped or failed: its place is free at once
        running.remove(g);
      } else if (!g.running) {
        running.remove(g);
      }
      rows[i] = null;
      seqs[i] = null;
    }
    runningNow = running.size();
  }

  private void failAll(Throwable e) {
    for (Generation g : running) {
      if (!g.ended()) {
        g.fail(e instanceof Exception x ? x : new RuntimeException(e));
      }
      leave(g);
    }
    running.clear();
    java.util.Arrays.fill(rows, null);
  }

  private void cancelAll() {
    List<Generation> all = new ArrayList<>(running);
    all.addAll(waiting);
    all.addAll(resumed);
    for (Generation g; (g = inbox.poll()) != null; ) {
      all.add(g);
    }
    for (Generation g : all) {
      leave(g);
    }
    running.clear();
    waiting.clear();
    resumed.clear();
    decoder.close();
    sampling.close();
  }

  /** Stops the loop (waiting up to a second); generations still in it end as cancelled. */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
