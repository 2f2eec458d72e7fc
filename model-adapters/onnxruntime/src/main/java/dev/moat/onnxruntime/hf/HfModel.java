package dev.moat.onnxruntime.hf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtException;
import dev.moat.onnxruntime.DeviceUnavailableException;
import dev.moat.onnxruntime.ExecutionDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Hugging Face model directory ready to generate from: {@code config.json} ({@link HfConfig}),
 * {@code generation_config.json} ({@link GenerationDefaults}), {@code tokenizer.json} (DJL's
 * binding of the Rust {@code tokenizers} library, its native code inside the jar: nothing is
 * downloaded), {@code tokenizer_config.json} or {@code chat_template.jinja} ({@link
 * TokenizerSettings}, {@link ChatTemplate}) and the decoder graph ({@link HfDecoderModel}).
 *
 * <p>Thread-safe: tokenizing, rendering and {@link HfDecoderModel#newDecoder} may run on many
 * threads at once.
 */
public final class HfModel implements AutoCloseable {
  static {
    // Never let DJL phone home or download anything.
    System.setProperty("OPT_OUT_TRACKING", System.getProperty("OPT_OUT_TRACKING", "true"));
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
  }

  private final Path dir;
  private final HfConfig config;
  private final GenerationDefaults defaults;
  private final TokenizerSettings settings;
  private final @Nullable ChatTemplate chatTemplate;
  private final HuggingFaceTokenizer tokenizer;
  private final HfDecoders decoder;
  private final int[] eosTokenIds;

  private HfModel(
      Path dir,
      HfConfig config,
      GenerationDefaults defaults,
      TokenizerSettings settings,
      HuggingFaceTokenizer tokenizer,
      HfDecoders decoder) {
    this.dir = dir;
    this.config = config;
    this.defaults = defaults;
    this.settings = settings;
    String t = settings.chatTemplate();
    this.chatTemplate =
        t == null ? null : new ChatTemplate(t, settings.bosToken(), settings.eosToken());
    this.tokenizer = tokenizer;
    this.decoder = decoder;
    Set<Integer> eos = new LinkedHashSet<>(defaults.eosTokenIds());
    eos.addAll(config.eosTokenIds());
    this.eosTokenIds = eos.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Loads {@code dir}, checking every file against the others before any generation can start.
   *
   * @param intraOpThreads ONNX Runtime threads per model call (1 suits a server)
   * @throws ModelDirectoryException the directory cannot be served; the message names the file, the
   *     field, the value and what is allowed
   */
  public static HfModel load(Path dir, int intraOpThreads) throws IOException {
    return load(dir, ONNX_RUNTIME, intraOpThreads);
  }

  /** The runtime name of ONNX Runtime, always present. */
  public static final String ONNX_RUNTIME = "onnxruntime";

  /** The runtime name that picks one from what the directory holds. */
  public static final String AUTO = "auto";

  /**
   * Loads {@code dir} with the decoder run by {@code runtime}: {@link #ONNX_RUNTIME}, a {@link
   * HfRuntime}'s name (e.g. {@code jlama}), or {@link #AUTO}: ONNX Runtime when the directory has
   * an ONNX graph, else the first runtime that accepts its weights.
   *
   * @param intraOpThreads ONNX Runtime threads per model call (1 suits a server)
   * @throws ModelDirectoryException the directory cannot be served, or no runtime of this build
   *     runs it; the message names the file, the field and what is allowed
   */
  public static HfModel load(Path dir, String runtime, int intraOpThreads) throws IOException {
    return load(dir, runtime, intraOpThreads, ExecutionDevice.CPU);
  }

  /**
   * {@link #load(Path, String, int)} with ONNX Runtime's decoder on {@code device}.
   *
   * @throws DeviceUnavailableException the device cannot run the decoder here: a GPU asked of a
   *     runtime other than ONNX Runtime, or one that ONNX Runtime cannot start (the message says
   *     which)
   */
  public static HfModel load(Path dir, String runtime, int intraOpThreads, ExecutionDevice device)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ModelDirectoryException(dir, "it is not a directory");
    }
    HfConfig config = HfConfig.read(dir);
    GenerationDefaults defaults = GenerationDefaults.read(dir, config.vocabSize());
    TokenizerSettings settings = TokenizerSettings.read(dir);
    Path tj = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tj)) {
      throw new ModelDirectoryException(
          dir,
          ModelDirectoryException.missing(
              "tokenizer.json", "the tokenizer (Hugging Face tokenizers format)"));
    }
    HuggingFaceTokenizer tok;
    try {
      tok = HuggingFaceTokenizer.newInstance(tj, Map.of("addSpecialTokens", "false"));
    } catch (IOException | RuntimeException e) {
      throw new ModelDirectoryException(
          dir, "tokenizer.json could not be loaded: " + e.getMessage());
    }
    try {
      return new HfModel(
          dir,
          config,
          defaults,
          settings,
          tok,
          decoders(dir, config, runtime, intraOpThreads, device));
    } catch (IOException | RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  /** The decoder of {@code dir} run by {@code runtime} (see {@link #load(Path, String, int)}). */
  private static HfDecoders decoders(
      Path dir, HfConfig config, String runtime, int threads, ExecutionDevice device)
      throws IOException {
    List<HfRuntime> others = new ArrayList<>();
    ServiceLoader.load(HfRuntime.class, HfModel.class.getClassLoader()).forEach(others::add);
    List<String> names = new ArrayList<>(List.of(AUTO, ONNX_RUNTIME));
    others.forEach(r -> names.add(r.name()));
    if (runtime.equals(ONNX_RUNTIME) || (runtime.equals(AUTO) && DecoderGraph.anyGraph(dir))) {
      return HfDecoderModel.load(dir, config, threads, device);
    }
    for (HfRuntime r : others) {
      if (r.name().equals(runtime) || (runtime.equals(AUTO) && r.accepts(dir))) {
        if (device.isCuda()) {
          throw new DeviceUnavailableException(
              "device was '"
                  + device
                  + "' but the "
                  + r.name()
                  + " runtime runs on the CPU only; a GPU runs ONNX Runtime's decoder (a directory"
                  + " with an ONNX graph, --runtime onnxruntime)");
        }
        return r.open(dir, config);
      }
    }
    if (runtime.equals(AUTO)) {
      if (Files.isRegularFile(dir.resolve("model.safetensors"))
          || Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
        throw new ModelDirectoryException(
            dir,
            "it holds safetensors weights and no ONNX graph: the Jlama runtime runs those, and this"
                + " build has none (it is built on JDK 22 or later); runtimes here: "
                + String.join(", ", names));
      }
      return HfDecoderModel.load(dir, config, threads, device); // names the graph files sought
    }
    throw new ModelDirectoryException(
        dir,
        "runtime was '"
            + runtime
            + "' but this build runs "
            + String.join(", ", names)
            + (runtime.equals("jlama")
                ? " (the Jlama runtime, moat-jlama, is built on JDK 22 or later only)"
                : ""));
  }

  public Path directory() {
    return dir;
  }

  public HfConfig config() {
    return config;
  }

  public GenerationDefaults generationDefaults() {
    return defaults;
  }

  public TokenizerSettings tokenizerSettings() {
    return settings;
  }

  /** What runs the decoder: ONNX Runtime's graph, or another {@link HfRuntime}'s. */
  public HfDecoders decoder() {
    return decoder;
  }

  /** The directory's chat template, null when it has none. */
  public @Nullable ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  /** End-of-sequence ids: {@code generation_config.json}'s, then {@code config.json}'s. */
  public int[] eosTokenIds() {
    return eosTokenIds.clone();
  }

  /** Whether {@code token} ends a sequence. */
  public boolean isEos(int token) {
    for (int e : eosTokenIds) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  /**
   * The model's input for a prompt: {@code text} tokenized as Hugging Face does ({@code chat}: a
   * rendered template, without the tokenizer's special tokens, as {@code apply_chat_template} does;
   * else with them, as the tokenizer's post-processor adds them), then BOS in front when {@code
   * add_bos_token} asks for it and it is not there already (never twice).
   */
  public int[] promptIds(String text, boolean chat) {
    long[] raw = tokenizer.encode(text, !chat, false).getIds();
    int[] ids = Arrays.stream(raw).mapToInt(Math::toIntExact).toArray();
    int bos = config.bosTokenId();
    if (settings.addBosToken() && bos >= 0 && (ids.length == 0 || ids[0] != bos)) {
      int[] r = new int[ids.length + 1];
      r[0] = bos;
      System.arraycopy(ids, 0, r, 1, ids.length);
      return r;
    }
    return ids;
  }

  /** Token ids of {@code text}, no special tokens added. */
  public int[] encode(String text) {
    return Arrays.stream(tokenizer.encode(text, false, false).getIds())
        .mapToInt(Math::toIntExact)
        .toArray();
  }

  /** Text of {@code ids}. */
  public String decode(int[] ids) {
    return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray());
  }

  /** Renders {@code messages} through the chat template, or fails when the directory has none. */
  public String renderChat(List<ChatTemplate.Message> messages, boolean addGenerationPrompt) {
    ChatTemplate t = chatTemplate;
    if (t == null) {
      throw new IllegalStateException(
          "model directory "
              + dir
              + " has no chat template (tokenizer_config.json `chat_template` or chat_template.jinja)");
    }
    return t.render(messages, addGenerationPrompt);
  }

  @Override
  public void close() throws OrtException {
    tokenizer.close();
    decoder.close();
  }
}
