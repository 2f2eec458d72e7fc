package dev.moat.server;

import dev.moat.MoatRequest;
import dev.moat.enforce.Level;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.spi.FinishReason;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One generation, driven step by step: each step runs the model, lets Moat process the logits and
 * pick the token, and hands the token's text to the client (its JSON built by {@link
 * GenerationJson}). Who runs the model: without batching the server's worker pool, one call per
 * step of this generation alone ({@link #step}); with it the server's {@link DecodeLoop}, one call
 * for every generation ready at that step, which then hands each its token ({@link #onToken}). No
 * thread waits for a stream: between steps the generation is a task in a queue, a write in flight,
 * or a timer (the tarpit's hold before emitting a token).
 *
 * <p>Not thread-safe: steps of one generation never overlap (each is scheduled by the previous
 * one's completion). The fields marked as the loop's are read and written by the decode loop's
 * thread only.
 */
final class Generation implements IoCallback {
  private final ModelServer server;
  private final HttpServerExchange exchange;
  private final CompletionRequest req;
  private final ApiKeys.Account account;
  private final int[] prompt;
  private final @Nullable MoatRequest moat; // null: Moat off (a plain sampler)
  private final dev.moat.sampling.@Nullable Sampler plain;
  private final @Nullable KvDecoder decoder; // null: the decode loop runs the model
  private final @Nullable DecodeLoop loop;
  private final BundledText.Stream text;
  final String id;
  private final int maxTokens;
  private final RequestLogitBias bias;

  private final StringBuilder out = new StringBuilder(); // everything decided, emitted or not
  private int emitted; // chars of `out` sent (stream) or final (non-stream)
  private int tokens;
  private int lastToken = -1;
  private @Nullable FinishReason finish;
  private volatile boolean cancelled;
  private final GenerationJson json;
  private final EventStream stream;
  private long moatNanos;

  // The decode loop's (batching only): the sequence in its batch, and whether the next step is due.
  dev.moat.onnxruntime.BatchDecoder.@Nullable Sequence seq;
  boolean ready;
  boolean running;

  Generation(
      ModelServer server,
      HttpServerExchange exchange,
      CompletionRequest req,
      ApiKeys.Account account,
      int[] prompt,
      @Nullable MoatRequest moat,
      dev.moat.sampling.@Nullable Sampler plain,
      int maxTokens) {
    this.server = server;
    this.exchange = exchange;
    this.req = req;
    this.account = account;
    this.prompt = prompt;
    this.moat = moat;
    this.plain = plain;
    this.loop = server.decodeLoop();
    this.decoder = loop == null ? server.model().newDecoder() : null;
    this.text = server.text().new Stream(maxTokens + 1);
    this.id = (req.chat ? "chatcmpl-" : "cmpl-") + server.nextId();
    this.maxTokens = maxTokens;
    boolean neutralise = moat != null && moat.level().logitBias() == Level.LogitBias.NEUTRALISE;
    this.bias = new RequestLogitBias(req.logitBias, neutralise);
    this.json =
        new GenerationJson(id, req, moat, server.text(), prompt.length, server.model().vocabSize());
    this.stream = new EventStream(exchange, this);
  }

  String account() {
    return account.account();
  }

  String tier() {
    return account.tier();
  }

  int level() {
    return moat == null ? 0 : moat.level().id();
  }

  int tokens() {
    return tokens;
  }

  boolean streaming() {
    return req.stream;
  }

  /**
   * Starts generating: the first step on the worker pool, or a place in the decode loop's queue
   * (503 when its queue is full).
   */
  void start() {
    exchange.addExchangeCompleteListener(
        (ex, next) -> {
          cancelled = true;
          next.proceed();
        });
    if (loop == null) {
      server.workers().execute(this::step);
    } else if (!loop.submit(this)) {
      end(FinishReason.CANCELLED);
      Replies.error(
          exchange,
          new ApiError(
              503,
              "server_error",
              null,
              "server_busy",
              "The server is busy: "
                  + loop.maxWaiting()
                  + " requests are already waiting for a decoding slot. Retry after 1 s.",
              1));
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

  /** One step without batching: model, Moat, then the token's text to the client. */
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
      applyBias(logits, 0);
      int token;
      long hold = 0;
      MoatRequest m = moat;
      if (m == null) {
        token = Objects.requireNonNull(plain, "plain sampler").sample(logits, 0);
      } else {
        token = m.sample(logits);
        hold = accept(token);
      }
      long t2 = System.nanoTime();
      moatNanos += t2 - t1;
      server.metrics().moatToken(t2 - t1);
      onToken(token, hold, logits, 0, d.position());
    } catch (RuntimeException | ai.onnxruntime.OrtException e) {
      fail(e);
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

  /** Whether the generation has ended (its response finished or failed). */
  boolean ended() {
    return finish != null;
  }

  /** The request's {@code logit_bias} added to one row (before Moat or the sampler sees it). */
  void applyBias(float[] logits, int offset) {
    bias.apply(logits, offset);
  }

  /** Moat off: the plain sampler's pick from one row. */
  int samplePlain(float[] logits, int offset) {
    return Objects.requireNonNull(plain, "plain sampler").sample(logits, offset);
  }

  /** Moat's {@code accept} of the chosen token: the tarpit's hold; counts an escalation. */
  long accept(int token) {
    MoatRequest m = Objects.requireNonNull(moat, "moat");
    int before = m.level().id();
    long hold = m.accept(token); // follows the account's verdict: may raise the level
    if (m.level().id() > before) {
      server.metrics().escalated(account.tier(), m.level().id());
    }
    return hold;
  }

  /** Moat's share of a batch step, for this request's total. */
  void addMoatNanos(long nanos) {
    moatNanos += nanos;
  }

  /**
   * The step's token ({@code logits[offset, offset + vocab)} is its row as Moat left it): the end
   * of sequence, stop sequences, {@code max_tokens} and the context; then its text to the client
   * after the tarpit's {@code hold}, and the next step when that is done. {@code position} is the
   * positions the model has consumed.
   */
  void onToken(int token, long hold, float[] logits, int offset, int position) {
    lastToken = token;
    if (server.model().isEos(token)) {
      finishAndFlush(FinishReason.STOP, hold);
      return;
    }
    tokens++;
    if (req.logprobs >= 0) {
      json.record(logits, offset, token, out.length());
    }
    out.append(text.add(token));
    FinishReason f = null;
    int stopAt = stopIndex();
    if (stopAt >= 0) {
      out.setLength(stopAt);
      f = FinishReason.STOP;
    } else if (tokens >= maxTokens || position >= server.model().maxPositions()) {
      f = FinishReason.LENGTH;
    }
    if (f != null) {
      finishAndFlush(f, hold);
      return;
    }
    if (!req.stream) {
      schedule(this::nextStep, hold);
      return;
    }
    int safe = out.length() - holdBack();
    if (safe <= emitted) {
      schedule(this::nextStep, hold);
      return;
    }
    String delta = out.substring(emitted, safe);
    emitted = safe;
    String chunk = json.chunk(delta, null);
    if (loop == null) {
      schedule(() -> stream.send(chunk, this), hold); // the next step when this write completes
    } else {
      schedule(() -> emitAndContinue(chunk), hold);
    }
  }

  /** The model failed this generation: 500 before the first byte, else the stream closed. */
  void fail(Exception e) {
    server.log().warn("generation {} failed: {}", id, e.toString());
    end(FinishReason.ERROR);
    if (!stream.started() && !exchange.isResponseStarted()) {
      Replies.error(exchange, new ApiError(500, "server_error", null, null, "Generation failed."));
    } else {
      exchange.endExchange();
    }
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

  /** The earliest stop sequence in what is not yet emitted, or -1. */
  private int stopIndex() {
    int best = -1;
    for (String s : req.stop) {
      int from = Math.max(0, emitted - s.length() + 1);
      int i = out.indexOf(s, from);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
      }
    }
    return best;
  }

  /** Characters at the end that could begin a stop sequence: held back until resolved. */
  private int holdBack() {
    int keep = 0;
    for (String s : req.stop) {
      for (int k = Math.min(s.length() - 1, out.length() - emitted); k > keep; k--) {
        if (out.substring(out.length() - k).equals(s.substring(0, k))) {
          keep = k;
          break;
        }
      }
    }
    return keep;
  }

  /** Ends generation and sends what is left: the last text and the final chunk, or the response. */
  private void finishAndFlush(FinishReason reason, long hold) {
    end(reason);
    String rest = out.substring(emitted);
    emitted = out.length();
    schedule(
        () -> {
          if (req.stream) {
            StringBuilder sb = new StringBuilder();
            if (!rest.isEmpty()) {
              sb.append(json.chunk(rest, null));
            }
            sb.append(json.chunk("", reason));
            if (req.includeUsage) {
              sb.append(json.usageChunk(tokens));
            }
            sb.append("data: [DONE]\n\n");
            if (loop == null) {
              stream.send(sb.toString(), IoCallback.END_EXCHANGE);
            } else {
              stream.queue(sb.toString(), true);
            }
          } else {
            Replies.json(exchange, 200, json.response(reason, out.toString(), tokens));
          }
        },
        hold);
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

  /** Batching: the chunk queued behind the write in flight; the next step unless it must wait. */
  private void emitAndContinue(String chunk) {
    if (stream.queueAndContinue(chunk)) {
      nextStep();
    }
  }

  /** A write finished: the next step. */
  @Override
  public void onComplete(HttpServerExchange ex, Sender sender) {
    nextStep();
  }

  @Override
  public void onException(HttpServerExchange ex, Sender sender, IOException e) {
    cancelled = true;
    end(FinishReason.CANCELLED);
    ex.endExchange();
  }
}
