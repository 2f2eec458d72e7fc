package dev.moat.onnxruntime.hf;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template rendered with Jinjava, set up as transformers sets up jinja2 ({@code
 * trim_blocks}, {@code lstrip_blocks}, Python's operator precedence and whitespace control, {@code
 * raise_exception(message)}), with the variables templates use: {@code messages} (a list of {role,
 * content}), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}.
 *
 * <p>Immutable and thread-safe: Jinjava makes a fresh interpreter per render.
 */
public final class ChatTemplate {
  private final String source;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;

  /** One message of a conversation. */
  public record Message(String role, String content) {}

  /** Raised by a template's {@code raise_exception(message)}: the conversation is not allowed. */
  public static final class TemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    TemplateException(String message) {
      super(message);
    }
  }

  public ChatTemplate(String source, String bosToken, String eosToken) {
    this.source = source;
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withLegacyOverrides(
                    LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(
                            true) // `a + b | trim` as Python parses it
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} as in Python
                        .withHandleBackslashInQuotesOnly(true)
                        .withKeepNullableLoopValues(true)
                        .withDefaultKeepTrailingNewlineBehavior(true)
                        .withAllowAdjacentTextNodes(true)
                        .build())
                .build());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
  }

  /** The template's source. */
  public String source() {
    return source;
  }

  /**
   * The prompt for {@code messages}.
   *
   * @throws TemplateException the template refused the conversation ({@code raise_exception}), or
   *     Jinjava could not render it; the message says why
   */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> ms = new ArrayList<>(messages.size());
    for (Message m : messages) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("role", m.role());
      e.put("content", m.content());
      ms.add(e);
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put("messages", ms);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bosToken);
    vars.put("eos_token", eosToken);
    RenderResult r = jinjava.renderForResult(source, vars);
    for (TemplateError e : r.getErrors()) {
      Throwable cause = e.getException();
      while (cause != null) {
        if (cause instanceof Raised raised) {
          throw new TemplateException(raised.text);
        }
        cause = cause.getCause();
      }
    }
    for (TemplateError e : r.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new TemplateException(
            "the chat template failed at line " + e.getLineno() + ": " + e.getMessage());
      }
    }
    return r.getOutput();
  }

  /** {@code raise_exception(message)}, callable from templates. */
  public static String raiseException(String message) {
    throw new Raised(message);
  }

  private static final class Raised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String text;

    Raised(String message) {
      super(message);
      this.text = message;
    }
  }
}
