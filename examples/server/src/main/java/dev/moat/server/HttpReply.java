package dev.moat.server;

import dev.moat.MoatRequest;
import dev.moat.onnxruntime.BundledText;
import dev.moat.spi.FinishReason;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Generation}'s OpenAI-shaped HTTP reply: the tokens' text, stop sequences (text that
 * could begin one is held back until resolved), logprobs, and either server-sent events as tokens
 * come or one JSON response at the end (its JSON built by {@link GenerationJson}). Without batching
 * the next step runs when a chunk's write completes; with it the chunk is queued behind the write
 * in flight ({@link EventStream}) and the next step runs at once unless the client is far behind.
 *
 * <p>Not thread-safe: called by one step of its generation at a time, as {@link Generation.Client}
 * is; the exchange's completion (the client going away) only cancels the generation.
 */
final class HttpReply implements Generation.Client, IoCallback {
  private final Generation generation;
  private final HttpServerExchange exchange;
  private final CompletionRequest req;
  private final BundledText.Stream text;
  private final GenerationJson json;
  private final EventStream stream;
  private final StringBuilder out = new StringBuilder(); // everything decided, emitted or not
  private int emitted; // chars of `out` sent (stream) or final (non-stream)

  HttpReply(
      Generation generation,
      HttpServerExchange exchange,
      CompletionRequest req,
      @Nullable MoatRequest moat,
      BundledText text,
      int maxTokens,
      int vocab) {
    this.generation = generation;
    this.exchange = exchange;
    this.req = req;
    this.text = text.new Stream(maxTokens + 1);
    this.json =
        new GenerationJson(generation.id, req, moat, text, generation.prompt().length, vocab);
    this.stream = new EventStream(exchange, generation, this);
    exchange.addExchangeCompleteListener(
        (ex, next) -> {
          generation.cancel();
          next.proceed();
        });
  }

  @Override
  public @Nullable FinishReason decided(int token, float[] logits, int offset) {
    if (req.logprobs >= 0) {
      json.record(logits, offset, token, out.length());
    }
    out.append(text.add(token));
    int stopAt = stopIndex();
    if (stopAt < 0) {
      return null;
    }
    out.setLength(stopAt);
    return FinishReason.STOP;
  }

  @Override
  public void emit() {
    int safe = out.length() - holdBack();
    if (!req.stream || safe <= emitted) {
      generation.nextStep();
      return;
    }
    String chunk = json.chunk(out.substring(emitted, safe), null);
    emitted = safe;
    if (!generation.batched()) {
      stream.send(chunk, this); // the next step when this write completes
    } else if (stream.queueAndContinue(chunk)) {
      generation.nextStep();
    }
  }

  @Override
  public void finish(FinishReason reason, int tokens) {
    String rest = out.substring(emitted);
    emitted = out.length();
    if (!req.stream) {
      Replies.json(exchange, 200, json.response(reason, out.toString(), tokens));
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (!rest.isEmpty()) {
      sb.append(json.chunk(rest, null));
    }
    sb.append(json.chunk("", reason));
    if (req.includeUsage) {
      sb.append(json.usageChunk(tokens));
    }
    sb.append("data: [DONE]\n\n");
    if (generation.batched()) {
      stream.queue(sb.toString(), true);
    } else {
      stream.send(sb.toString(), IoCallback.END_EXCHANGE);
    }
  }

  /** 500 before the first byte, else the stream closed. */
  @Override
  public void fail(Exception e) {
    if (!stream.started() && !exchange.isResponseStarted()) {
      Replies.error(exchange, new ApiError(500, "server_error", null, null, "Generation failed."));
    } else {
      exchange.endExchange();
    }
  }

  @Override
  public void busy(int maxWaiting) {
    Replies.error(
        exchange,
        new ApiError(
            503,
            "server_error",
            null,
            "server_busy",
            "The server is busy: "
                + maxWaiting
                + " requests are already waiting for a decoding slot. Retry after 1 s.",
            1));
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

  /** A write finished: the next step. */
  @Override
  public void onComplete(HttpServerExchange ex, Sender sender) {
    generation.nextStep();
  }

  @Override
  public void onException(HttpServerExchange ex, Sender sender, IOException e) {
    generation.cancel();
    generation.endCancelled();
    ex.endExchange();
  }
}
