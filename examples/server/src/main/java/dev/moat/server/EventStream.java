package dev.moat.server;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The streamed response of one {@link Generation} ({@link HttpReply}'s): the server-sent events'
 * headers on the first write, and with batching the data queued behind the write in flight, so that
 * a slow client's socket never holds the decode loop.
 *
 * <p>Thread-safe for the batching queue (guarded by {@code unsent}); {@link #send} is called by one
 * step at a time, as {@link Generation}'s steps never overlap.
 */
final class EventStream {
  private static final int MAX_UNSENT = 16 << 10;

  private final HttpServerExchange exchange;
  private final Generation generation;
  private final IoCallback reply;
  private boolean headersSent;

  // Batching: data queued behind the write in flight (guarded by itself).
  private final StringBuilder unsent = new StringBuilder();
  private boolean writing;
  private boolean lastQueued;
  private boolean waitingForDrain;
  private final IoCallback drained =
      new IoCallback() {
        @Override
        public void onComplete(HttpServerExchange ex, Sender sender) {
          afterWrite();
        }

        @Override
        public void onException(HttpServerExchange ex, Sender sender, IOException e) {
          reply.onException(ex, sender, e);
        }
      };

  /** {@code reply}'s {@code onException} hears of a failed write. */
  EventStream(HttpServerExchange exchange, Generation generation, IoCallback reply) {
    this.exchange = exchange;
    this.generation = generation;
    this.reply = reply;
  }

  /** Whether the stream's headers have been sent (its first write has begun). */
  boolean started() {
    return headersSent;
  }

  /** Sends {@code data} now (the headers first if not yet sent), unless the client went away. */
  void send(String data, IoCallback callback) {
    if (generation.cancelled()) {
      generation.endCancelled();
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
              io.undertow.util.HttpString.tryFromString("X-Moat-Level"),
              Integer.toString(generation.level()));
    }
    exchange
        .getResponseSender()
        .send(ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8)), callback);
  }

  /**
   * Batching: the chunk is queued behind the write in flight and the generation may take its next
   * step at once (true), so that its row joins the very next batch step instead of waiting for the
   * client's socket; a client more than {@link #MAX_UNSENT} characters behind holds the next step
   * (false) until its writes catch up (backpressure, as without batching), when this stream resumes
   * the generation.
   */
  boolean queueAndContinue(String chunk) {
    queue(chunk, false);
    boolean wait;
    synchronized (unsent) {
      wait = unsent.length() > MAX_UNSENT;
      waitingForDrain = wait;
    }
    return !wait;
  }

  /**
   * Batching: sends {@code data} now, or after the write in flight; {@code last} ends the exchange.
   */
  void queue(String data, boolean last) {
    String now;
    boolean end;
    synchronized (unsent) {
      unsent.append(data);
      lastQueued |= last;
      if (writing) {
        return;
      }
      writing = true;
      now = unsent.toString();
      unsent.setLength(0);
      end = lastQueued;
    }
    send(now, end ? IoCallback.END_EXCHANGE : drained);
  }

  /** Batching: a write completed: the next queued data, or a step that waited for the drain. */
  private void afterWrite() {
    String now = null;
    boolean end = false;
    boolean resume = false;
    synchronized (unsent) {
      if (unsent.length() == 0) {
        writing = false;
        resume = waitingForDrain;
        waitingForDrain = false;
      } else {
        now = unsent.toString();
        unsent.setLength(0);
        end = lastQueued;
      }
    }
    if (now != null) {
      send(now, end ? IoCallback.END_EXCHANGE : drained);
    } else if (resume) {
      generation.nextStep();
    }
  }
}
