package dev.moat.server;

import dev.moat.MoatRequest;
import dev.moat.enforce.Level;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One generation, driven step by step and independent of HTTP: each step runs the model, lets Moat
 * process the logits and pick the token, and hands the token to the generation's {@link Client}
 * (the HTTP reply, {@link HttpReply}, or a host's own consumer) after the tarpit's hold. Who runs
 * the model: without batching the server's worker pool, one call per step of this generation alone
 * ({@link #step}); with it the server's {@link DecodeLoop}, one call for every generation ready at
 * that step, which then hands each its token ({@link #onToken}). No thread waits for a stream:
 * between steps the generation is a task in a queue, a write in flight, or a timer.
 *
 * <p>Decided here, for every client alike: the end of sequence, {@code max_tokens}, the model's
 * context, the hold before a token is emitted, Moat's {@code accept} (which follows the account's
 * verdict and may raise the level mid-stream), {@code finish} exactly once, and a failure of the
 * model or of a protection ending the generation as an error. Decided by the client: the text, stop
 * sequences, and when the next step may run (backpressure).
 *
 * <p>Not thread-safe: steps of one generation never overlap (each is scheduled by the previous
 * one's completion). The fields marked as the loop's are read and written by the decode loop's
 * thread only. {@link #cancel} may be called from any thread.
 */
final class Generation {
  /**
   * Where a generation's tokens go. Called by one step at a time, never concurrently; every method
   * but {@link #decided} runs after the token's hold.
   */
  interface Client {
    /**
     * A token was decided ({@code logits[offset, offset + vocab)} is its row as Moat left it),
     * never the end of sequence: into the reply. Returns {@link FinishReason#STOP} when the reply
     * ends here (a stop sequence), else null.
     */
    @Nullable FinishReason decided(int token, float[] logits, int offset);

    /**
     * The token's hold is over: send what may be sent, then have the generation take its next step
     * ({@link Generation#nextStep}), now or once the client can take more.
     */
    void emit();

    /** The generation ended with {@code reason} after {@code tokens} tokens: the reply's end. */
    void finish(FinishReason reason, int tokens);

    /** The model or a protection failed: the reply fails. */
    void fail(Exception e);

    /** The decode loop's queue is full ({@code maxWaiting} waiting): the generation is refused. */
    void busy(int maxWaiting);
  }

  private final ModelServer server;
  final String id;
  private final String account;
  private final String tier;
  private final boolean streaming;
  private final int[] prompt;
  private final @Nullable MoatRequest moat; // null: Moat off (a plain sampler)
  private final @Nullable Sampler plain;
  private final @Nullable KvDecoder decoder; // null: the decode loop runs the model
  private final @Nullable DecodeLoop loop;
  private final int maxTokens;
  private final boolean ignoreEos;
  private final RequestLogitBias bias;
  private final Client client;

  private int tokens;
  private int lastToken = -1;
  private @Nullable FinishReason finish;
  private volatile boolean cancelled;
  private long moatNanos;

  // The decode loop's (batching only): the sequence in its batch, and whether the next step is due.
  dev.moat.onnxruntime.BatchDecoder.@Nullable Sequence seq;
  boolean ready;
  boolean running;

  /**
   * A generation of at most {@code maxTokens} tokens after {@code prompt}, through {@code moat} or,
   * when Moat is off, the {@code plain} sampler; {@code logitBias} is added to every row (dropped
   * when Moat's level neutralises it). With {@code ignoreEos} an end-of-sequence token does not end
   * it (vLLM's {@code ignore_eos}: a fixed length, for benchmarks). {@code client} makes the
   * generation's client.
   */
  Generation(
      ModelServer server,
      String id,
      String account,
      String tier,
      boolean streaming,
      int[] prompt,
      @Nullable MoatRequest moat,
      @Nullable Sampler plain,
      int maxTokens,
      boolean ignoreEos,
      Map<Integer, Float> logitBias,
      Function<Generation, Client> client) {
    if ((moat == null) == (plain == null)) {
      throw new IllegalArgumentException("a generation runs through Moat or a plain sampler");
    }
    this.server = server;
    this.id = id;
    this.account = account;
    this.tier = tier;
    this.streaming = streaming;
    this.prompt = prompt;
    this.moat = moat;
    this.plain = plain;
    this.loop = server.decodeLoop();
    this.decoder = loop == null ? server.model().newDecoder() : null;
    this.maxTokens = maxTokens;
    this.ignoreEos = ignoreEos;
    boolean neutralise = moat != null && moat.level().logitBias() == Level.LogitBias.NEUTRALISE;
    this.bias = new RequestLogitBias(logitBias, neutralise);
    this.client = client.apply(this);
  }

  String account() {
    return account;
  }

  String tier() {
    return tier;
  }

  int level() {
    return moat == null ? 0 : moat.level().id();
  }

  int tokens() {
    return tokens;
  }

  boolean streaming() {
    return streaming;
  }

  /** Whether the decode loop runs this generation's steps (continuous batching). */
  boolean batched() {
    return loop != null;
  }

  /**
   * Starts generating: the first step on the worker pool, or a place in the decode loop's queue
   * (refused through {@link Client#busy} when its queue is full).
   */
  void start() {
    if (loop == null) {
      server.workers().execute(this::step);
    } else if (!loop.submit(this)) {
      end(FinishReason.CANCELLED);
      client.busy(loop.maxWaiting());
    }
  }

  /** The next step is due: on the worker pool, or back to the decode loop. */
  void nextStep() {
    if (loop == null) {
      server.workers().execute(this::step);
    } else {
      loop.resume(this);
    }
  }

  /** The client went away: the generation ends as cancelled at its next step. Any thread. */
  void cancel() {
    cancelled = true;
  }

  /** One step without batching: model, Moat, then the token to the client. */
  private void step() {
    if (cancelled) {
      end(FinishReason.CANCELLED);
      return;
    }
    try {
      KvDecoder d = Objects.requireNonNull(decoder, "decoder");
      long t0 = System.nanoTime();
      float[] logits = lastToken < 0 ? d.prefill(prompt) : d.next(lastToken);
      long t1 = System.nanoTime();
      server.metrics().modelStep(t1 - t0);
      server.metrics().modelCalls(1);
      AllocationWatch watch = server.metrics().allocation;
      long allocated = watch.begin(tokens + 1, AllocationWatch.TOKENS);
      applyBias(logits, 0);
      int token = sample(logits, 0);
      long hold = accept(token);
      watch.end(allocated, 1);
      long t2 = System.nanoTime();
      moatNanos += t2 - t1;
      server.metrics().moatToken(t2 - t1);
      onToken(token, hold, logits, 0, d.position());
    } catch (RuntimeException | Error | ai.onnxruntime.OrtException e) {
      fail(e instanceof Exception x ? x : new IllegalStateException(e));
    }
  }

  /** The request's Moat state, or null when Moat is off (a plain sampler). */
  @Nullable MoatRequest moat() {
    return moat;
  }

  int[] prompt() {
    return prompt;
  }

  /** The token to feed back at the next step (-1 before the first). */
  int lastToken() {
    return lastToken;
  }

  boolean cancelled() {
    return cancelled;
  }

  /** Whether the generation has ended (finished, stopped, failed or cancelled). */
  boolean ended() {
    return finish != null;
  }

  /** The request's {@code logit_bias} added to one row (before Moat or the sampler sees it). */
  void applyBias(float[] logits, int offset) {
    bias.apply(logits, offset);
  }

  /** The token of one row ({@code logits[offset, offset + vocab)}): Moat's, or the plain pick. */
  int sample(float[] logits, int offset) {
    MoatRequest m = moat;
    return m != null
        ? m.sample(logits, offset)
        : Objects.requireNonNull(plain, "plain sampler").sample(logits, offset);
  }

  /**
   * Moat's {@code accept} of the chosen token: the tarpit's hold (0 when Moat is off); counts an
   * escalation.
   */
  long accept(int token) {
    MoatRequest m = moat;
    if (m == null) {
      return 0;
    }
    int before = m.level().id();
    long hold = m.accept(token); // follows the account's verdict: may raise the level
    if (m.level().id() > before) {
      server.metrics().escalated(tier, m.level().id());
    }
    return hold;
  }

  /** Moat's share of a batch step, for this request's total. */
  void addMoatNanos(long nanos) {
    moatNanos += nanos;
  }

  /**
   * The step's token ({@code logits[offset, offset + vocab)} is its row as Moat left it): the end
   * of sequence, the client's stop, {@code max_tokens} and the context; then, after the tarpit's
   * {@code hold}, the client's emission (which asks for the next step) or its end. {@code position}
   * is the positions the model has consumed.
   */
  void onToken(int token, long hold, float[] logits, int offset, int position) {
    lastToken = token;
    if (!ignoreEos && server.model().isEos(token)) {
      endAfter(FinishReason.STOP, hold);
      return;
    }
    tokens++;
    FinishReason f = client.decided(token, logits, offset);
    if (f == null && (tokens >= maxTokens || position >= server.model().maxPositions())) {
      f = FinishReason.LENGTH;
    }
    if (f != null) {
      endAfter(f, hold);
    } else {
      schedule(client::emit, hold);
    }
  }

  /** The model or Moat failed this generation: it ends as an error and its client fails. */
  void fail(Exception e) {
    server.log().warn("generation {} failed: {}", id, e.toString());
    end(FinishReason.ERROR);
    client.fail(e);
  }

  /** Ends a generation whose client went away before or between steps. */
  void endCancelled() {
    end(FinishReason.CANCELLED);
  }

  private void schedule(Runnable r, long holdNanos) {
    if (holdNanos > 0) {
      var unused =
          server
              .timer()
              .schedule(() -> server.workers().execute(r), holdNanos, TimeUnit.NANOSECONDS);
    } else {
      r.run();
    }
  }

  /** Ends now (Moat's finish, the metrics); the client hears of it after the hold. */
  private void endAfter(FinishReason reason, long hold) {
    end(reason);
    int n = tokens;
    schedule(() -> client.finish(reason, n), hold);
  }

  private void end(FinishReason reason) {
    if (finish != null) {
      return;
    }
    finish = reason;
    if (moat != null) {
      moat.finish(reason);
      moat.close();
    }
    if (decoder != null) {
      decoder.close();
    }
    server.finished(this, reason, tokens, prompt.length, moatNanos);
  }
}
