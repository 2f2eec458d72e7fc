package dev.moat.examples.serve;

import dev.moat.MoatRequest;
import dev.moat.enforce.Level;
import dev.moat.examples.BundledText;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.spi.FinishReason;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One generation, driven step by step on the server's worker pool: each step runs the model once,
 * lets Moat process the logits and pick the token, and hands the token's text to the client (its
 * JSON built by {@link GenerationJson}). No thread waits for a stream: between steps the generation
 * is a task in the pool's queue, a write in flight, or a timer (the tarpit's hold before emitting a
 * token).
 *
 * <p>Not thread-safe: steps of one generation never overlap (each is scheduled by the previous
 * one's completion).
 */
final class Generation implements IoCallback {
  private final ModelServer server;
  private final HttpServerExchange exchange;
  private final CompletionRequest req;
  private final ApiKeys.Account account;
  private final int[] prompt;
  private final @Nullable MoatRequest moat; // null: Moat off (a plain sampler)
  private final dev.moat.sampling.@Nullable Sampler plain;
  private final KvDecoder decoder;
  private final BundledText.Stream text;
  final String id;
  private final int maxTokens;
  private final int[] biasIds; // the request's logit_bias, unboxed once (empty when dropped)
  private final float[] biasValues;

  private final StringBuilder out = new StringBuilder(); // everything decided, emitted or not
  private int emitted; // chars of `out` sent (stream) or final (non-stream)
  private int tokens;
  private int lastToken = -1;
  private boolean headersSent;
  private @Nullable FinishReason finish;
  private volatile boolean cancelled;
  private final GenerationJson json;
  private long moatNanos;

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
    this.decoder = server.model().newDecoder();
    this.text = server.text().new Stream(maxTokens + 1);
    this.id = (req.chat ? "chatcmpl-" : "cmpl-") + server.nextId();
    this.maxTokens = maxTokens;
    boolean neutralise = moat != null && moat.level().logitBias() == Level.LogitBias.NEUTRALISE;
    int nb = neutralise ? 0 : req.logitBias.size();
    this.biasIds = new int[nb];
    this.biasValues = new float[nb];
    int k = 0;
    for (var e : req.logitBias.entrySet()) {
      if (k == nb) {
        break;
      }
      biasIds[k] = e.getKey();
      biasValues[k++] = e.getValue();
    }
    this.json =
        new GenerationJson(id, req, moat, server.text(), prompt.length, server.model().vocabSize());
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

  /** Starts generating: the first step on the worker pool. */
  void start() {
    exchange.addExchangeCompleteListener(
        (ex, next) -> {
          cancelled = true;
          next.proceed();
        });
    server.workers().execute(this::step);
  }

  /** One step: model, Moat, then the token's text to the client (after the tarpit's hold). */
  private void step() {
    if (cancelled) {
      end(FinishReason.CANCELLED);
      return;
    }
    try {
      long t0 = System.nanoTime();
      float[] logits = lastToken < 0 ? decoder.prefill(prompt) : decoder.next(lastToken);
      long t1 = System.nanoTime();
      server.metrics().modelStep(t1 - t0);
      for (int b = 0; b < biasIds.length; b++) {
        logits[biasIds[b]] += biasValues[b];
      }
      int token;
      long hold = 0;
      MoatRequest m = moat;
      if (m == null) {
        token = Objects.requireNonNull(plain, "plain sampler").sample(logits, 0);
      } else {
        int before = m.level().id();
        token = m.sample(logits);
        hold = m.accept(token); // follows the account's verdict: may raise the level
        if (m.level().id() > before) {
          server.metrics().escalated(account.tier(), m.level().id());
        }
      }
      long t2 = System.nanoTime();
      moatNanos += t2 - t1;
      server.metrics().moatToken(t2 - t1);
      lastToken = token;
      if (server.model().isEos(token)) {
        finishAndFlush(FinishReason.STOP, hold);
        return;
      }
      tokens++;
      if (req.logprobs >= 0) {
        json.record(logits, token, out.length());
      }
      out.append(text.add(token));
      FinishReason f = null;
      int stopAt = stopIndex();
      if (stopAt >= 0) {
        out.setLength(stopAt);
        f = FinishReason.STOP;
      } else if (tokens >= maxTokens || decoder.position() >= server.model().maxPositions()) {
        f = FinishReason.LENGTH;
      }
      if (f != null) {
        finishAndFlush(f, hold);
        return;
      }
      if (!req.stream) {
        schedule(() -> server.workers().execute(this::step), hold);
        return;
      }
      int safe = out.length() - holdBack();
      if (safe <= emitted) {
        schedule(() -> server.workers().execute(this::step), hold);
        return;
      }
      String delta = out.substring(emitted, safe);
      emitted = safe;
      schedule(() -> send(json.chunk(delta, null), this), hold);
    } catch (RuntimeException | ai.onnxruntime.OrtException e) {
      server.log().warn("generation {} failed: {}", id, e.toString());
      end(FinishReason.ERROR);
      if (!headersSent && !exchange.isResponseStarted()) {
        Replies.error(
            exchange, new ApiError(500, "server_error", null, null, "Generation failed."));
      } else {
        exchange.endExchange();
      }
    }
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
            send(sb.toString(), IoCallback.END_EXCHANGE);
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
    decoder.close();
    server.finished(this, reason, tokens, prompt.length, moatNanos);
  }

  private void send(String data, IoCallback callback) {
    if (cancelled) {
      end(FinishReason.CANCELLED);
      return;
    }
    if (!headersSent) {
      headersSent = true;
      exchange.setStatusCode(200);
      exchange
          .getResponseHeaders()
          .put(io.undertow.util.Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().put(io.undertow.util.Headers.CACHE_CONTROL, "no-cache");
      exchange
          .getResponseHeaders()
          .put(
              io.undertow.util.HttpString.tryFromString("X-Moat-Level"), Integer.toString(level()));
    }
    exchange
        .getResponseSender()
        .send(ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8)), callback);
  }

  /** A write finished: the next step. */
  @Override
  public void onComplete(HttpServerExchange ex, Sender sender) {
    server.workers().execute(this::step);
  }

  @Override
  public void onException(HttpServerExchange ex, Sender sender, IOException e) {
    cancelled = true;
    end(FinishReason.CANCELLED);
    ex.endExchange();
  }
}
