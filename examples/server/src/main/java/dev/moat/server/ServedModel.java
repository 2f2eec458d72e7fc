package dev.moat.server;

import ai.onnxruntime.OrtException;
import dev.moat.onnxruntime.BatchDecoder;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.ExecutionDevice;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.hf.ChatTemplate;
import dev.moat.onnxruntime.hf.HfModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The model the server generates from: the bundled model (the default, {@code moat-tiny}, its own
 * plain chat format) or a Hugging Face model directory ({@code --model DIR}: its tokenizer, chat
 * template, end-of-sequence ids and default sampling). What the routes and the generation loop
 * need, whichever it is.
 *
 * <p>Thread-safe: decoders are per generation, tokenizing and rendering may run concurrently.
 */
final class ServedModel implements AutoCloseable {
  private final String id;
  private final String description;
  private final @Nullable OnnxCausalLm bundled;
  private final @Nullable HfModel hf;
  private final BundledText text;
  private final int vocabSize;
  private final int maxPositions;
  private final int[] eos;
  private final int bos;
  private final float defaultTemperature;
  private final float defaultTopP;

  private ServedModel(
      String id,
      String description,
      @Nullable OnnxCausalLm bundled,
      @Nullable HfModel hf,
      BundledText text,
      int vocabSize,
      int maxPositions,
      int[] eos,
      int bos,
      float defaultTemperature,
      float defaultTopP) {
    this.id = id;
    this.description = description;
    this.bundled = bundled;
    this.hf = hf;
    this.text = text;
    this.vocabSize = vocabSize;
    this.maxPositions = maxPositions;
    this.eos = eos;
    this.bos = bos;
    this.defaultTemperature = defaultTemperature;
    this.defaultTopP = defaultTopP;
  }

  /**
   * The bundled model, served as {@code moat-tiny}; for batching, its graph with per-row masks and
   * positions ({@link OnnxCausalLm#bundledForBatching}) run with {@code intraOpThreads} threads per
   * call (one decode loop makes every call), else as exported with one thread per call (one call
   * per worker).
   */
  static ServedModel bundled(boolean batching, int intraOpThreads, ExecutionDevice device)
      throws IOException {
    OnnxCausalLm m =
        batching
            ? OnnxCausalLm.bundledForBatching(intraOpThreads, device)
            : OnnxCausalLm.bundled(1, device);
    var c = m.config();
    return new ServedModel(
        CompletionRequest.MODEL,
        "the bundled model (moat-tiny)",
        m,
        null,
        BundledText.bundled(),
        c.vocabSize(),
        c.maxPositions(),
        new int[] {c.eosTokenId()},
        c.bosTokenId(),
        1f,
        1f);
  }

  /**
   * A Hugging Face model directory, served as {@code id} (null: the directory's name), its decoder
   * run by {@code runtime} on {@code device} ({@link HfModel#load(Path, String, int,
   * ExecutionDevice)}).
   *
   * @throws IOException the directory cannot be served (the message names the file and field)
   */
  static ServedModel huggingFace(
      Path dir, @Nullable String id, String runtime, int intraOpThreads, ExecutionDevice device)
      throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    HfModel m = HfModel.load(abs, runtime, intraOpThreads, device);
    try {
      var c = m.config();
      var g = m.generationDefaults();
      String name = id != null ? id : String.valueOf(abs.getFileName());
      Double t = g.temperature();
      Double p = g.topP();
      return new ServedModel(
          name,
          name + " (" + c.architecture() + " from " + abs + ", " + m.decoder().describe() + ")",
          null,
          m,
          BundledText.load(abs.resolve("tokenizer.json")), // incremental decoding for streams
          c.vocabSize(),
          m.decoder().maxPositions(),
          m.eosTokenIds(),
          c.bosTokenId(),
          t == null ? 1f : t.floatValue(),
          p == null ? 1f : p.floatValue());
    } catch (IOException | RuntimeException e) {
      try {
        m.close();
      } catch (OrtException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  String id() {
    return id;
  }

  String description() {
    return description;
  }

  int vocabSize() {
    return vocabSize;
  }

  int maxPositions() {
    return maxPositions;
  }

  /** The end-of-sequence ids (Moat's special tokens: perturbations never move them). */
  int[] eosTokenIds() {
    return eos.clone();
  }

  boolean isEos(int token) {
    for (int e : eos) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  /** A request's temperature when it gives none ({@code generation_config.json}'s, else 1). */
  float defaultTemperature() {
    return defaultTemperature;
  }

  /** A request's top_p when it gives none ({@code generation_config.json}'s, else 1). */
  float defaultTopP() {
    return defaultTopP;
  }

  BundledText text() {
    return text;
  }

  /**
   * Why this model's steps cannot be batched, or null when they can: the bundled model loaded for
   * batching, or a Hugging Face graph that takes {@code position_ids}.
   */
  @Nullable String batchingUnsupported() {
    if (hf != null) {
      return hf.decoder().batchingUnsupported();
    }
    return java.util.Objects.requireNonNull(bundled).batching()
        ? null
        : "the bundled model was loaded without batching";
  }

  /** A continuous-batching decoder ({@link #batchingUnsupported} must be null). */
  BatchDecoder newBatchDecoder() throws OrtException {
    return hf != null
        ? hf.decoder().newBatchDecoder()
        : java.util.Objects.requireNonNull(bundled).newBatchDecoder();
  }

  KvDecoder newDecoder() {
    return hf != null
        ? hf.decoder().newDecoder()
        : java.util.Objects.requireNonNull(bundled).newDecoder();
  }

  /**
   * The model's input for a prompt. The bundled model: BOS, then the text. A Hugging Face model: as
   * {@link HfModel#promptIds} (the template's or the tokenizer's BOS, never twice).
   */
  int[] promptIds(String prompt, boolean chat) {
    if (hf != null) {
      return hf.promptIds(prompt, chat);
    }
    return text.encode(prompt, bos);
  }

  /**
   * The prompt of a chat. The bundled model: the system messages, a blank line, then one line per
   * turn, {@code User: ...} or {@code Assistant: ...}, and {@code Assistant:} to answer. A Hugging
   * Face model: its chat template (a template's refusal is the client's error, on {@code
   * messages}).
   */
  String renderChat(List<ChatTemplate.Message> messages) {
    if (hf != null) {
      if (hf.chatTemplate() == null) {
        throw ApiError.invalid(
            "messages", "This model has no chat template; use /v1/completions with a prompt.");
      }
      try {
        return hf.renderChat(messages, true);
      } catch (ChatTemplate.TemplateException e) {
        throw ApiError.invalid(
            "messages", "The model's chat template refused the messages: " + e.getMessage());
      }
    }
    StringBuilder system = new StringBuilder();
    StringBuilder turns = new StringBuilder();
    for (ChatTemplate.Message m : messages) {
      switch (m.role()) {
        case "system", "developer" -> system.append(m.content()).append('\n');
        case "user" -> turns.append("User: ").append(m.content()).append('\n');
        default -> turns.append("Assistant: ").append(m.content()).append('\n');
      }
    }
    String s = system.length() == 0 ? "" : system + "\n";
    return s + turns + "Assistant:";
  }

  @Override
  public void close() throws OrtException {
    text.close();
    if (hf != null) {
      hf.close();
    }
    if (bundled != null) {
      bundled.close();
    }
  }
}
