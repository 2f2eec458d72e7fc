package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.onnxruntime.hf.ChatTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A validated {@code /v1/completions} or {@code /v1/chat/completions} request. Parsing reports the
 * first bad field as a 400 naming it, its value and what is allowed; unknown fields are ignored, as
 * clients send ones a server may not know.
 */
final class CompletionRequest {
  static final String MODEL = "moat-tiny";
  static final int MAX_STOP = 4;

  final boolean chat;
  final String model;
  final String prompt; // the rendered prompt (chat: through the chat template)
  final int maxTokens;
  final boolean maxTokensGiven;
  final float temperature;
  final float topP;
  final @Nullable Long seed;
  final List<String> stop;
  final boolean stream;
  final boolean includeUsage;
  final boolean ignoreEos; // vLLM's extension: generate to max_tokens through end-of-sequence
  final int logprobs; // completions: 0-5 top alternatives (-1 none); chat: top_logprobs (-1 none)
  final Map<Integer, Float> logitBias;
  final @Nullable String user;

  private CompletionRequest(Builder b) {
    this.chat = b.chat;
    this.model = b.model;
    this.prompt = b.prompt;
    this.maxTokens = b.maxTokens;
    this.maxTokensGiven = b.maxTokensGiven;
    this.temperature = b.temperature;
    this.topP = b.topP;
    this.seed = b.seed;
    this.stop = List.copyOf(b.stop);
    this.stream = b.stream;
    this.includeUsage = b.includeUsage;
    this.ignoreEos = b.ignoreEos;
    this.logprobs = b.logprobs;
    this.logitBias = Map.copyOf(b.logitBias);
    this.user = b.user;
  }

  private static final class Builder {
    boolean chat;
    String model = "";
    String prompt = "";
    int maxTokens;
    boolean maxTokensGiven;
    float temperature = 1f;
    float topP = 1f;
    @Nullable Long seed;
    List<String> stop = new ArrayList<>();
    boolean stream;
    boolean includeUsage;
    boolean ignoreEos;
    int logprobs = -1;
    Map<Integer, Float> logitBias = new LinkedHashMap<>();
    @Nullable String user;
  }

  /**
   * Parses a request body.
   *
   * @param served the model: its id, vocabulary (for {@code logit_bias} token ids), chat template
   *     and default sampling
   */
  static CompletionRequest parse(JsonNode root, boolean chat, ServedModel served) {
    int vocabSize = served.vocabSize();
    String modelId = served.id();
    if (root == null || !root.isObject()) {
      throw ApiError.invalid(null, "The request body must be a JSON object.");
    }
    Builder b = new Builder();
    b.chat = chat;
    JsonNode model = root.get("model");
    if (model == null || !model.isTextual()) {
      throw ApiError.invalid(
          "model", "`model` is required and must be a string, e.g. \"" + modelId + "\".");
    }
    if (!modelId.equals(model.asText())) {
      throw new ApiError(
          404,
          "invalid_request_error",
          "model",
          "model_not_found",
          "The model '"
              + shortText(model.asText())
              + "' does not exist; this server has '"
              + modelId
              + "'.");
    }
    b.model = modelId;
    b.prompt =
        chat ? served.renderChat(messages(root.get("messages"))) : prompt(root.get("prompt"));
    JsonNode mt =
        root.has("max_completion_tokens")
            ? root.get("max_completion_tokens")
            : root.get("max_tokens");
    String mtName = root.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    if (mt != null && !mt.isNull()) {
      b.maxTokens = (int) integer(mt, mtName, 1, 1_000_000);
      b.maxTokensGiven = true;
    } else {
      b.maxTokens = chat ? 128 : 16;
    }
    b.temperature =
        (float) number(root.get("temperature"), "temperature", 0, 2, served.defaultTemperature());
    b.topP = (float) number(root.get("top_p"), "top_p", 0, 1, served.defaultTopP());
    if (b.topP == 0f) {
      throw ApiError.invalid("top_p", "`top_p` was 0 but it must be in (0, 1].");
    }
    JsonNode seed = root.get("seed");
    if (seed != null && !seed.isNull()) {
      if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
        throw ApiError.invalid(
            "seed", "`seed` was " + shortText(seed.toString()) + " but it must be an integer.");
      }
      b.seed = seed.asLong();
    }
    b.stop = stop(root.get("stop"));
    b.stream = bool(root.get("stream"), "stream");
    b.ignoreEos = bool(root.get("ignore_eos"), "ignore_eos");
    JsonNode so = root.get("stream_options");
    if (so != null && !so.isNull()) {
      if (!so.isObject()) {
        throw ApiError.invalid("stream_options", "`stream_options` must be an object.");
      }
      b.includeUsage = bool(so.get("include_usage"), "stream_options.include_usage");
    }
    JsonNode n = root.get("n");
    if (n != null && !n.isNull() && (!n.isIntegralNumber() || n.asLong() != 1)) {
      throw ApiError.invalid(
          "n", "`n` was " + shortText(n.toString()) + " but this server generates one choice: 1.");
    }
    for (String p : List.of("presence_penalty", "frequency_penalty")) {
      JsonNode v = root.get(p);
      if (v != null && !v.isNull() && (!v.isNumber() || v.asDouble() != 0)) {
        throw ApiError.invalid(
            p, "`" + p + "` was " + shortText(v.toString()) + " but this server supports only 0.");
      }
    }
    if (chat) {
      boolean lp = bool(root.get("logprobs"), "logprobs");
      JsonNode top = root.get("top_logprobs");
      if (top != null && !top.isNull()) {
        if (!lp) {
          throw ApiError.invalid("top_logprobs", "`top_logprobs` needs `logprobs: true`.");
        }
        b.logprobs = (int) integer(top, "top_logprobs", 0, 20);
      } else {
        b.logprobs = lp ? 0 : -1;
      }
    } else {
      JsonNode lp = root.get("logprobs");
      if (lp != null && !lp.isNull()) {
        b.logprobs = (int) integer(lp, "logprobs", 0, 5);
      }
      JsonNode echo = root.get("echo");
      if (echo != null && !echo.isNull() && bool(echo, "echo")) {
        throw ApiError.invalid("echo", "`echo: true` is not supported by this server.");
      }
    }
    JsonNode bias = root.get("logit_bias");
    if (bias != null && !bias.isNull()) {
      if (!bias.isObject()) {
        throw ApiError.invalid("logit_bias", "`logit_bias` must be an object of token id → bias.");
      }
      if (bias.size() > 300) {
        throw ApiError.invalid(
            "logit_bias", "`logit_bias` has " + bias.size() + " entries; at most 300 are allowed.");
      }
      for (Map.Entry<String, JsonNode> e : bias.properties()) {
        int id;
        try {
          id = Integer.parseInt(e.getKey());
        } catch (NumberFormatException x) {
          throw ApiError.invalid(
              "logit_bias", "`logit_bias` key '" + shortText(e.getKey()) + "' must be a token id.");
        }
        if (id < 0 || id >= vocabSize) {
          throw ApiError.invalid(
              "logit_bias",
              "`logit_bias` token " + id + " is outside the vocabulary [0, " + vocabSize + ").");
        }
        if (!e.getValue().isNumber() || Math.abs(e.getValue().asDouble()) > 100) {
          throw ApiError.invalid(
              "logit_bias",
              "`logit_bias` value for token "
                  + id
                  + " was "
                  + shortText(e.getValue().toString())
                  + " but it must be a number in [-100, 100].");
        }
        b.logitBias.put(id, (float) e.getValue().asDouble());
      }
    }
    JsonNode user = root.get("user");
    if (user != null && !user.isNull()) {
      if (!user.isTextual()) {
        throw ApiError.invalid("user", "`user` must be a string.");
      }
      b.user = user.asText();
    }
    return new CompletionRequest(b);
  }

  private static String prompt(@Nullable JsonNode p) {
    if (p == null || p.isNull()) {
      throw ApiError.invalid("prompt", "`prompt` is required: a string.");
    }
    if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
      return p.get(0).asText();
    }
    if (!p.isTextual()) {
      throw ApiError.invalid(
          "prompt",
          "`prompt` must be a string (or a list of one string); token-id prompts are not supported.");
    }
    return p.asText();
  }

  /** The chat's messages, each role and content checked (the template renders them). */
  static List<ChatTemplate.Message> messages(@Nullable JsonNode messages) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw ApiError.invalid(
          "messages", "`messages` is required: a non-empty list of {role, content}.");
    }
    List<ChatTemplate.Message> out = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.invalid(at, "`" + at + "` must be an object {role, content}.");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual()) {
        throw ApiError.invalid(
            at + ".role", "`" + at + ".role` is required: system, developer, user or assistant.");
      }
      String content = content(m.get("content"), at + ".content");
      switch (role.asText()) {
        case "system", "developer", "user", "assistant" ->
            out.add(new ChatTemplate.Message(role.asText(), content));
        default ->
            throw ApiError.invalid(
                at + ".role",
                "`"
                    + at
                    + ".role` was '"
                    + shortText(role.asText())
                    + "' but it must be system, developer, user or assistant.");
      }
    }
    return out;
  }

  private static String content(@Nullable JsonNode c, String at) {
    if (c == null || c.isNull()) {
      throw ApiError.invalid(at, "`" + at + "` is required: a string.");
    }
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : c) {
        JsonNode type = part.get("type");
        JsonNode text = part.get("text");
        if (type == null || !"text".equals(type.asText()) || text == null || !text.isTextual()) {
          throw ApiError.invalid(
              at,
              "`" + at + "` parts must be {type: text, text: string}; this model reads text only.");
        }
        sb.append(text.asText());
      }
      return sb.toString();
    }
    throw ApiError.invalid(at, "`" + at + "` must be a string or a list of text parts.");
  }

  private static List<String> stop(@Nullable JsonNode s) {
    List<String> out = new ArrayList<>();
    if (s == null || s.isNull()) {
      return out;
    }
    if (s.isTextual()) {
      out.add(s.asText());
    } else if (s.isArray()) {
      for (JsonNode x : s) {
        if (!x.isTextual()) {
          throw ApiError.invalid("stop", "`stop` entries must be strings.");
        }
        out.add(x.asText());
      }
    } else {
      throw ApiError.invalid("stop", "`stop` must be a string or a list of strings.");
    }
    if (out.size() > MAX_STOP) {
      throw ApiError.invalid(
          "stop", "`stop` has " + out.size() + " sequences; at most " + MAX_STOP + " are allowed.");
    }
    for (String x : out) {
      if (x.isEmpty()) {
        throw ApiError.invalid("stop", "`stop` sequences must not be empty.");
      }
    }
    return out;
  }

  private static boolean bool(@Nullable JsonNode v, String name) {
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiError.invalid(
          name, "`" + name + "` was " + shortText(v.toString()) + " but it must be true or false.");
    }
    return v.asBoolean();
  }

  private static double number(
      @Nullable JsonNode v, String name, double lo, double hi, double dflt) {
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber() || !(v.asDouble() >= lo && v.asDouble() <= hi)) {
      throw ApiError.invalid(
          name,
          "`"
              + name
              + "` was "
              + shortText(v.toString())
              + " but it must be a number in ["
              + fmt(lo)
              + ", "
              + fmt(hi)
              + "].");
    }
    return v.asDouble();
  }

  private static long integer(JsonNode v, String name, long lo, long hi) {
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < lo || v.asLong() > hi) {
      throw ApiError.invalid(
          name,
          "`"
              + name
              + "` was "
              + shortText(v.toString())
              + " but it must be an integer in ["
              + lo
              + ", "
              + hi
              + "].");
    }
    return v.asLong();
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static String shortText(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
