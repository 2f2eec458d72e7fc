package dev.moat.onnxruntime.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What Moat reads from {@code tokenizer_config.json} (and {@code chat_template.jinja}, where newer
 * repositories keep the template): the chat template, whether a prompt starts with BOS, and the
 * special tokens' text the template sees as {@code bos_token} and {@code eos_token}.
 *
 * <p>Immutable (thread-safe).
 *
 * @param chatTemplate the Jinja source, null when the directory has none
 * @param addBosToken {@code add_bos_token} (false when absent: the tokenizer's post-processor or
 *     the template decide)
 * @param bosToken {@code bos_token}'s text, empty when absent
 * @param eosToken {@code eos_token}'s text, empty when absent
 */
public record TokenizerSettings(
    @Nullable String chatTemplate, boolean addBosToken, String bosToken, String eosToken) {
  static final String FILE = "tokenizer_config.json";
  static final String TEMPLATE_FILE = "chat_template.jinja";

  /** Reads {@code dir/tokenizer_config.json} and {@code dir/chat_template.jinja}, both optional. */
  public static TokenizerSettings read(Path dir) throws IOException {
    JsonNode n = HfConfig.Json.object(dir, FILE, false);
    String template = null;
    Path jinja = dir.resolve(TEMPLATE_FILE);
    if (Files.isRegularFile(jinja)) {
      template = Files.readString(jinja, StandardCharsets.UTF_8);
    } else if (n.hasNonNull("chat_template")) {
      template = template(dir, n.get("chat_template"));
    }
    JsonNode bos = n.get("add_bos_token");
    if (bos != null && !bos.isNull() && !bos.isBoolean()) {
      throw new ModelDirectoryException(
          dir, ModelDirectoryException.field(FILE, "add_bos_token", bos, "true or false"));
    }
    return new TokenizerSettings(
        template,
        bos != null && bos.asBoolean(),
        token(dir, n, "bos_token"),
        token(dir, n, "eos_token"));
  }

  /** A string, or (some repositories) a list of {name, template}: the one named "default". */
  private static String template(Path dir, JsonNode t) throws ModelDirectoryException {
    if (t.isTextual()) {
      return t.asText();
    }
    if (t.isArray()) {
      for (JsonNode e : t) {
        if (e.path("name").asText("").equals("default") && e.path("template").isTextual()) {
          return e.get("template").asText();
        }
      }
    }
    throw new ModelDirectoryException(
        dir,
        ModelDirectoryException.field(
            FILE,
            "chat_template",
            shorten(t.toString()),
            "a string, or a list of {name, template} with one named 'default'"));
  }

  /** A special token: its text, or an object with its {@code content}. */
  private static String token(Path dir, JsonNode n, String field) throws ModelDirectoryException {
    JsonNode t = n.get(field);
    if (t == null || t.isNull()) {
      return "";
    }
    if (t.isTextual()) {
      return t.asText();
    }
    if (t.isObject() && t.path("content").isTextual()) {
      return t.get("content").asText();
    }
    throw new ModelDirectoryException(
        dir,
        ModelDirectoryException.field(
            FILE, field, shorten(t.toString()), "a string or an object with a string `content`"));
  }

  private static String shorten(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
