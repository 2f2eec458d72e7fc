package dev.moat.examples.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.MoatRequest;
import dev.moat.enforce.Level;
import dev.moat.examples.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
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
 * lets Moat process the logits and pick the token, and hands the token's text to the client. No
 * thread waits for a stream: between steps the generation is a task in the pool's queue, a write in
 * flight, or a timer (the tarpit's hold before emitting a token).
 *
 * <p>Not thread-safe: steps of one generation never overlap (each is scheduled by the previous
 * one's completion).
 */
final class Generation implements IoCallback {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ModelServer server;
  private final HttpServerExchange exchange;
  private final CompletionRequest req;
  private final ApiKeys.Account account;
  private final int[] prompt;
  private final @Nullable MoatRequest moat; // null: Moat off (a plain sampler)
  private final dev.moat.sampling.@Nullable Sampler plain;
  private final OnnxCausalLm.Decoder decoder;
  private final BundledText.Stream text;
  final String id;
  final long created = System.currentTimeMillis() / 1000;
  private final int maxTokens;
  private final int[] biasIds; // the request's logit_bias, unboxed once (empty when dropped)
  private final float[] biasValues;
  private final int eos;

  private final StringBuilder out = new StringBuilder(); // everything decided, emitted or not
  private int emitted; // chars of `out` sent (stream) or final (non-stream)
  private int tokens;
  private int lastToken = -1;
  private boolean headersSent;
  private boolean roleSent;
  private @Nullable FinishReason finish;
  private volatile boolean cancelled;
  private final ArrayNode logprobs = JSON.arrayNode(); // chat: content entries
  private final ObjectNode legacy; // completions: tokens, token_logprobs, top_logprobs, text_offset
  private final float[] work;
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
    this.eos = server.model().config().eosTokenId();
    this.work = new float[server.model().config().vocabSize()];
    this.legacy = JSON.objectNode();
    legacy.putArray("tokens");
    legacy.putArray("token_logprobs");
    legacy.putArray("top_logprobs");
    legacy.putArray("text_offset");
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
      if (token == eos) {
        finishAndFlush(FinishReason.STOP, hold);
        return;
      }
      tokens++;
      if (req.logprobs >= 0) {
        record(logits, token);
      }
      out.append(text.add(token));
      FinishReason f = null;
      int stopAt = stopIndex();
      if (stopAt >= 0) {
        out.setLength(stopAt);
        f = FinishReason.STOP;
      } else if (tokens >= maxTokens
          || decoder.position() >= server.model().config().maxPositions()) {
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
      schedule(() -> send(chunk(delta, null), this), hold);
    } catch (RuntimeException | ai.onnxruntime.OrtException e) {
      server.log().warn("generation {} failed: {}", id, e.toString());
      end(FinishReason.ERROR);
      if (!headersSent && !exchange.isResponseStarted()) {
        server.error(exchange, new ApiError(500, "server_error", null, null, "Generation failed."));
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
              sb.append(chunk(rest, null));
            }
            sb.append(chunk("", reason));
            if (req.includeUsage) {
              sb.append(usageChunk());
            }
            sb.append("data: [DONE]\n\n");
            send(sb.toString(), IoCallback.END_EXCHANGE);
          } else {
            server.json(exchange, 200, response(reason));
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

  private String chunk(String delta, @Nullable FinishReason reason) {
    ObjectNode c = JSON.objectNode();
    c.put("id", id);
    c.put("object", req.chat ? "chat.completion.chunk" : "text_completion");
    c.put("created", created);
    c.put("model", req.model);
    ArrayNode choices = c.putArray("choices");
    ObjectNode ch = choices.addObject();
    ch.put("index", 0);
    if (req.chat) {
      ObjectNode d = ch.putObject("delta");
      if (reason == null) {
        if (!roleSent) {
          roleSent = true;
          d.put("role", "assistant");
        }
        d.put("content", delta);
      }
      if (req.logprobs >= 0 && reason == null) {
        ObjectNode lp = ch.putObject("logprobs");
        lp.set("content", drainLogprobs());
      } else {
        ch.putNull("logprobs");
      }
    } else {
      ch.put("text", delta);
      if (req.logprobs >= 0 && reason == null) {
        ch.set("logprobs", drainLegacy());
      } else {
        ch.putNull("logprobs");
      }
    }
    if (reason == null) {
      ch.putNull("finish_reason");
    } else {
      ch.put("finish_reason", finishReason(reason));
    }
    return "data: " + c + "\n\n";
  }

  private String usageChunk() {
    ObjectNode c = JSON.objectNode();
    c.put("id", id);
    c.put("object", req.chat ? "chat.completion.chunk" : "text_completion");
    c.put("created", created);
    c.put("model", req.model);
    c.putArray("choices");
    c.set("usage", usage());
    return "data: " + c + "\n\n";
  }

  private ObjectNode usage() {
    ObjectNode u = JSON.objectNode();
    u.put("prompt_tokens", prompt.length);
    u.put("completion_tokens", tokens);
    u.put("total_tokens", prompt.length + tokens);
    return u;
  }

  private ObjectNode response(FinishReason reason) {
    ObjectNode r = JSON.objectNode();
    r.put("id", id);
    r.put("object", req.chat ? "chat.completion" : "text_completion");
    r.put("created", created);
    r.put("model", req.model);
    ArrayNode choices = r.putArray("choices");
    ObjectNode ch = choices.addObject();
    ch.put("index", 0);
    if (req.chat) {
      ObjectNode m = ch.putObject("message");
      m.put("role", "assistant");
      m.put("content", out.toString());
      m.putNull("refusal");
      if (req.logprobs >= 0) {
        ch.putObject("logprobs").set("content", drainLogprobs());
      } else {
        ch.putNull("logprobs");
      }
    } else {
      ch.put("text", out.toString());
      if (req.logprobs >= 0) {
        ch.set("logprobs", drainLegacy());
      } else {
        ch.putNull("logprobs");
      }
    }
    ch.put("finish_reason", finishReason(reason));
    r.set("usage", usage());
    return r;
  }

  private static String finishReason(FinishReason r) {
    return r == FinishReason.LENGTH ? "length" : "stop";
  }

  private ArrayNode drainLogprobs() {
    ArrayNode a = logprobs.deepCopy();
    logprobs.removeAll();
    return a;
  }

  private ObjectNode drainLegacy() {
    ObjectNode o = legacy.deepCopy();
    for (String f : new String[] {"tokens", "token_logprobs", "top_logprobs", "text_offset"}) {
      ((ArrayNode) legacy.get(f)).removeAll();
    }
    return o;
  }

  /**
   * The chosen token's log-probability and the top alternatives, from the row as Moat left it
   * (perturbed and watermarked: what the request's level serves), capped, noised and rounded by the
   * level.
   */
  private void record(float[] logits, int token) {
    int n = logits.length;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double z = 0;
    for (float v : logits) {
      z += Math.exp(v - max);
    }
    double lz = max + Math.log(z);
    int want = moat == null ? req.logprobs : moat.topLogprobs(Math.max(req.logprobs, 0));
    double chosen = shape(logits[token] - lz);
    String tok = server.text().decode(new int[] {token});
    if (req.chat) {
      ObjectNode e = logprobs.addObject();
      e.put("token", tok);
      e.put("logprob", chosen);
      e.set("bytes", bytes(tok));
      ArrayNode top = e.putArray("top_logprobs");
      for (int id : top(logits, want, n)) {
        String t = server.text().decode(new int[] {id});
        ObjectNode x = top.addObject();
        x.put("token", t);
        x.put("logprob", shape(logits[id] - lz));
        x.set("bytes", bytes(t));
      }
    } else {
      ((ArrayNode) legacy.get("tokens")).add(tok);
      ((ArrayNode) legacy.get("token_logprobs")).add(chosen);
      ((ArrayNode) legacy.get("text_offset")).add(out.length());
      ObjectNode alts = JSON.objectNode();
      for (int id : top(logits, want, n)) {
        alts.put(server.text().decode(new int[] {id}), shape(logits[id] - lz));
      }
      ((ArrayNode) legacy.get("top_logprobs")).add(alts);
    }
  }

  private double shape(double logprob) {
    return moat == null ? logprob : moat.shapeLogprob(logprob);
  }

  private int[] top(float[] logits, int k, int n) {
    int[] best = new int[k];
    int m = 0;
    System.arraycopy(logits, 0, work, 0, n);
    for (int j = 0; j < k; j++) {
      int arg = -1;
      for (int i = 0; i < n; i++) {
        if (arg < 0 || work[i] > work[arg]) {
          arg = i;
        }
      }
      if (arg < 0 || work[arg] == Float.NEGATIVE_INFINITY) {
        break;
      }
      best[m++] = arg;
      work[arg] = Float.NEGATIVE_INFINITY;
    }
    return java.util.Arrays.copyOf(best, m);
  }

  private static ArrayNode bytes(String s) {
    ArrayNode a = JSON.arrayNode();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      a.add(b & 0xFF);
    }
    return a;
  }
}
