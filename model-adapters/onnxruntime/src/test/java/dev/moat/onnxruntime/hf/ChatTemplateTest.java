package dev.moat.onnxruntime.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Jinjava's renders of ChatML/Qwen2, Llama 3 and Mistral chat templates equal Python jinja2's (set
 * up as transformers sets it up), character for character, and a template's {@code raise_exception}
 * surfaces with its message. The expected renders are made by {@code fixtures/render_templates.py}.
 */
class ChatTemplateTest {
  private static final String CHAT = "/dev/moat/onnxruntime/chat/";

  @Test
  void rendersEqualPythonJinja2() throws Exception {
    JsonNode renders = json(CHAT + "renders.json");
    int checked = 0;
    int raised = 0;
    List<String> wrong = new ArrayList<>();
    for (JsonNode c : renders.get("cases")) {
      String file = c.get("template").asText();
      ChatTemplate t = new ChatTemplate(text(CHAT + file), "<s>", "</s>");
      List<ChatTemplate.Message> messages = new ArrayList<>();
      for (JsonNode m : renders.get("conversations").get(c.get("conversation").asText())) {
        messages.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()));
      }
      boolean gen = c.get("add_generation_prompt").asBoolean();
      String what = file + " / " + c.get("conversation").asText() + " / generation prompt " + gen;
      String expected =
          c.has("error") ? "raise: " + c.get("error").asText() : c.get("render").asText();
      String actual;
      try {
        actual = t.render(messages, gen);
      } catch (ChatTemplate.TemplateException e) {
        actual = "raise: " + e.getMessage();
        raised++;
      }
      if (!expected.equals(actual)) {
        wrong.add(what + ":\n  jinja2:  " + esc(expected) + "\n  Jinjava: " + esc(actual));
      }
      checked++;
    }
    assertEquals(List.of(), wrong, String.join("\n", wrong));
    assertEquals(42, checked);
    assertTrue(raised >= 4, "the Mistral template refuses some conversations: " + raised);
  }

  private static String esc(String s) {
    return s.replace("\n", "\\n");
  }

  static JsonNode json(String resource) throws Exception {
    return new ObjectMapper().readTree(text(resource));
  }

  static String text(String resource) throws Exception {
    try (InputStream in =
        Objects.requireNonNull(
            ChatTemplateTest.class.getResourceAsStream(resource), resource + " is missing")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
