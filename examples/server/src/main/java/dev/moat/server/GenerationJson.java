package dev.moat.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.MoatRequest;
import dev.moat.onnxruntime.BundledText;
import dev.moat.spi.FinishReason;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The JSON of one {@link Generation}, OpenAI-shaped for chat or completions: its stream chunks
 * (server-sent events), its usage chunk, its whole response; and the logprobs it gathers between
 * them (the chosen token and the top alternatives, shaped by the request's level), each sent once.
 *
 * <p>Not thread-safe: owned by its generation, whose steps never overlap.
 */
final class GenerationJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String id;
  private final long created = System.currentTimeMillis() / 1000;
  private final CompletionRequest req;
  private final @Nullable MoatRequest moat; // null: Moat off (a plain sampler)
  private final BundledText text;
  private final int promptTokens;
  private boolean roleSent;
  private final ArrayNode logprobs = JSON.arrayNode(); // chat: content entries
  private final ObjectNode legacy; // completions: tokens, token_logprobs, top_logprobs, text_offset
  private final float[] work;

  GenerationJson(
      String id,
      CompletionRequest req,
      @Nullable MoatRequest moat,
      BundledText text,
      int promptTokens,
      int vocab) {
    this.id = id;
    this.req = req;
    this.moat = moat;
    this.text = text;
    this.promptTokens = promptTokens;
    this.work = new float[vocab];
    this.legacy = JSON.objectNode();
    legacy.putArray("tokens");
    legacy.putArray("token_logprobs");
    legacy.putArray("top_logprobs");
    legacy.putArray("text_offset");
  }

  /** A stream chunk: {@code delta} (with the logprobs gathered since the last), or the end. */
  String chunk(String delta, @Nullable FinishReason reason) {
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

  /** The stream's usage chunk ({@code stream_options.include_usage}): no choices. */
  String usageChunk(int tokens) {
    ObjectNode c = JSON.objectNode();
    c.put("id", id);
    c.put("object", req.chat ? "chat.completion.chunk" : "text_completion");
    c.put("created", created);
    c.put("model", req.model);
    c.putArray("choices");
    c.set("usage", usage(tokens));
    return "data: " + c + "\n\n";
  }

  private ObjectNode usage(int tokens) {
    ObjectNode u = JSON.objectNode();
    u.put("prompt_tokens", promptTokens);
    u.put("completion_tokens", tokens);
    u.put("total_tokens", promptTokens + tokens);
    return u;
  }

  /** The whole (non-streamed) response: {@code content} and every logprob gathered. */
  ObjectNode response(FinishReason reason, String content, int tokens) {
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
      m.put("content", content);
      m.putNull("refusal");
      if (req.logprobs >= 0) {
        ch.putObject("logprobs").set("content", drainLogprobs());
      } else {
        ch.putNull("logprobs");
      }
    } else {
      ch.put("text", content);
      if (req.logprobs >= 0) {
        ch.set("logprobs", drainLegacy());
      } else {
        ch.putNull("logprobs");
      }
    }
    ch.put("finish_reason", finishReason(reason));
    r.set("usage", usage(tokens));
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
   * level; the row is {@code logits[offset, offset + vocab)}; {@code textOffset} is where the
   * token's text begins in the output (completions).
   */
  void record(float[] logits, int offset, int token, int textOffset) {
    int n = work.length;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    for (int i = 0; i < n; i++) {
      z += Math.exp(logits[offset + i] - max);
    }
    double lz = max + Math.log(z);
    int want = moat == null ? req.logprobs : moat.topLogprobs(Math.max(req.logprobs, 0));
    double chosen = shape(logits[offset + token] - lz);
    String tok = text.decode(new int[] {token});
    if (req.chat) {
      ObjectNode e = logprobs.addObject();
      e.put("token", tok);
      e.put("logprob", chosen);
      e.set("bytes", bytes(tok));
      ArrayNode top = e.putArray("top_logprobs");
      for (int id : top(logits, offset, want, n)) {
        String t = text.decode(new int[] {id});
        ObjectNode x = top.addObject();
        x.put("token", t);
        x.put("logprob", shape(logits[offset + id] - lz));
        x.set("bytes", bytes(t));
      }
    } else {
      ((ArrayNode) legacy.get("tokens")).add(tok);
      ((ArrayNode) legacy.get("token_logprobs")).add(chosen);
      ((ArrayNode) legacy.get("text_offset")).add(textOffset);
      ObjectNode alts = JSON.objectNode();
      for (int id : top(logits, offset, want, n)) {
        alts.put(text.decode(new int[] {id}), shape(logits[offset + id] - lz));
      }
      ((ArrayNode) legacy.get("top_logprobs")).add(alts);
    }
  }

  private double shape(double logprob) {
    return moat == null ? logprob : moat.shapeLogprob(logprob);
  }

  private int[] top(float[] logits, int offset, int k, int n) {
    int[] best = new int[k];
    int m = 0;
    System.arraycopy(logits, offset, work, 0, n);
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
