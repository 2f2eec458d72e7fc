package dev.moat.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A Hugging Face safetensors checkpoint (Llama, Mistral or Qwen2 architecture) run by Jlama's
 * pure-Java engine, decoding one sequence at a time with a KV cache: {@link #newDecoder} gives the
 * next-token scores after the prompt and after each fed token, for Moat to process and sample.
 *
 * <p>The scores are log-probabilities: Jlama's output layer gives the next token's distribution,
 * whose logarithm differs from the raw logits by one constant per step (log-sum-exp), to which
 * every sampling decision, watermark bias and returned logprob is blind. A token whose probability
 * underflows float32 (over about 87 nats below the most likely) scores -Infinity.
 *
 * <p>Weights and activations are float32: a bfloat16 or float16 checkpoint is widened once at load
 * (exactly, at twice its memory), so the scores match the checkpoint's reference forward pass to
 * float rounding.
 *
 * <p>Thread-safety: the model is shared; each decoder belongs to one request and one thread at a
 * time. Decoders of one model may run on different threads; their model calls are serialised (Jlama
 * already spreads each call over the machine's cores).
 */
public final class JlamaCausalLm implements AutoCloseable {
  /** The {@code config.json} architectures this adapter serves (Jlama's decoder families). */
  public static final List<String> ARCHITECTURES =
      List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The widest float vector Jlama's kernels step by (AVX-512: 16 floats). */
  static final int LANES = 16;

  private final AbstractModel model;
  private final KvBufferCache kv;
  private final Path dir;
  private final int vocabSize;
  private final int maxPositions;
  private final int[] eos;
  private final int bos;

  private JlamaCausalLm(AbstractModel model, Path dir) {
    this.model = model;
    this.kv = new KvBufferCache(model);
    this.dir = dir;
    var c = model.getConfig();
    this.vocabSize = c.vocabularySize;
    // Jlama 0.8.4 reads its rotary table at position + 2 * (head - 1) for the highest rotated head
    // (CausalSelfAttention), so the last positions of the context index past its end: decode only
    // as far as that table reaches (2 positions short of 256 on tiny-llama-st).
    int rotated = c.isGQA ? c.numberOfKeyValueHeads : c.numberOfHeads;
    this.maxPositions = c.contextLength - 2 * (rotated - 1);
    this.eos = c.eosTokens == null ? new int[0] : c.eosTokens.stream().mapToInt(i -> i).toArray();
    this.bos = c.bosToken;
  }

  /**
   * Jlama 0.8.4's float32 kernels (e.g. {@code PanamaTensorOperations.GemmerF32}) step through a
   * dot product {@value #LANES} floats at a time on an AVX-512 CPU and have no tail loop, so a
   * width that is not a multiple of that reads past its row: with {@code head_dim} 8 the attention
   * scores took in the next head's values (10.7 nats from the PyTorch reference on the test model)
   * or threw {@code IndexOutOfBoundsException} ({@code CrossRuntimeTest}). Published models use
   * head dimensions of 64 to 256; this refuses the rest by name, on every CPU alike.
   */
  private static void checkWidths(Path config, JsonNode c) {
    int hidden = c.path("hidden_size").asInt(0);
    int heads = c.path("num_attention_heads").asInt(0);
    boolean explicit = c.path("head_dim").isInt();
    requireLanes(config, "hidden_size", hidden);
    requireLanes(config, "intermediate_size", c.path("intermediate_size").asInt(0));
    requireLanes(
        config,
        explicit ? "head_dim" : "head_dim (hidden_size / num_attention_heads)",
        explicit ? c.get("head_dim").asInt() : heads > 0 ? hidden / heads : 0);
  }

  private static void requireLanes(Path config, String field, int value) {
    if (value <= 0 || value % LANES != 0) {
      throw new IllegalArgumentException(
          config
              + ": "
              + field
              + " was "
              + value
              + " but the Jlama runtime needs a positive multiple of "
              + LANES
              + " (its SIMD kernels have no tail loop); --runtime onnxruntime serves any width");
    }
  }

  /**
   * Loads the checkpoint in {@code dir}: {@code config.json} (an architecture of {@link
   * #ARCHITECTURES}), {@code model.safetensors} or {@code model.safetensors.index.json} with its
   * shards, and {@code tokenizer.json}. A directory that is not one fails here, with the file and
   * field named.
   */
  public static JlamaCausalLm load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model directory " + dir + " does not exist");
    }
    Path config = dir.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException(dir + ": no config.json (a Hugging Face model directory)");
    }
    JsonNode c;
    try {
      c = JSON.readTree(config.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(config + " is not valid JSON: " + e.getMessage(), e);
    }
    String arch = c.path("architectures").path(0).asText("");
    if (!ARCHITECTURES.contains(arch)) {
      throw new IllegalArgumentException(
          config
              + ": architectures was '"
              + arch
              + "' but the Jlama runtime serves "
              + String.join(", ", ARCHITECTURES));
    }
    if (!c.path("model_type").isTextual()) {
      throw new IllegalArgumentException(config + ": model_type is missing");
    }
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))
        && !Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
      throw new IllegalArgumentException(
          dir + ": no model.safetensors or model.safetensors.index.json (the weights)");
    }
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException(dir + ": no tokenizer.json");
    }
    checkWidths(config, c);
    AbstractModel m;
    try {
      // Weights widened to float32 (exact for bfloat16 and float16) and float32 activations: left
      // to itself, Jlama rounds the activations of a bfloat16 checkpoint to bfloat16 (3e-3 nats
      // off on the test checkpoint; JlamaReferenceTest), which no reference reproduces.
      m =
          ModelSupport.loadModel(
              dir.toFile(), null, DType.F32, DType.F32, Optional.of(DType.F32), Optional.empty());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(dir + ": Jlama could not load it: " + e, e);
    }
    return new JlamaCausalLm(m, dir);
  }

  public int vocabSize() {
    return vocabSize;
  }

  /**
   * Positions a sequence may use: the model's {@code max_position_embeddings}, less the few at its
   * end that Jlama 0.8.4 cannot decode (its rotary table is read past its end there).
   */
  public int maxPositions() {
    return maxPositions;
  }

  /** The end-of-sequence token ids. */
  public int[] eosTokenIds() {
    return eos.clone();
  }

  public boolean isEos(int token) {
    for (int e : eos) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  public int bosTokenId() {
    return bos;
  }

  /**
   * The host loop over this model ({@link dev.moat.onnxruntime.KvGenerator}, the one ONNX Runtime's
   * models use): Moat in every step, holds honoured, ends at an end-of-sequence token, {@code
   * max_tokens} or the context's end.
   */
  public dev.moat.onnxruntime.KvGenerator generator() {
    return new dev.moat.onnxruntime.KvGenerator(
        this::newDecoder, vocabSize, maxPositions, this::isEos);
  }

  /** A decoder for one sequence, with its own KV cache. */
  public Decoder newDecoder() {
    return new Decoder();
  }

  @Override
  public void close() {
    kv.close();
    model.close();
  }

  @Override
  public String toString() {
    return "JlamaCausalLm[" + dir + ", vocab " + vocabSize + "]";
  }

  /**
   * One sequence: {@link #prefill} once, then {@link #next} per generated token. Each returns a new
   * {@code float[vocabSize]} of next-token log-probabilities.
   *
   * <p>Not thread-safe: one request's.
   */
  public final class Decoder implements dev.moat.onnxruntime.KvDecoder {
    private final KvBufferCache.KvBuffer buffer = kv.getEphemeralKvBuffer();
    private int position;

    private Decoder() {}

    /** Runs the prompt; the scores for the token after it. */
    @Override
    public float[] prefill(int[] prompt) {
      if (position != 0) {
        throw new IllegalStateException("prefill runs once, before any token");
      }
      if (prompt.length == 0 || prompt.length >= maxPositions) {
        throw new IllegalArgumentException(
            "prompt length was " + prompt.length + " but must be in [1, " + maxPositions + ")");
      }
      for (int t : prompt) {
        checkToken(t);
      }
      synchronized (model) {
        try (AbstractTensor<?, ?> out = model.batchForward(prompt, 0, buffer);
            AbstractTensor<?, ?> last = out.slice(out.shape().first() - 1)) {
          position = prompt.length;
          return logProbabilities(last);
        }
      }
    }

    /** Feeds {@code token} at the next position; the scores for the token after it. */
    @Override
    public float[] next(int token) {
      if (position == 0) {
        throw new IllegalStateException("prefill first");
      }
      if (position >= maxPositions) {
        throw new IllegalStateException("the context is full: " + maxPositions + " positions");
      }
      checkToken(token);
      synchronized (model) {
        try (AbstractTensor<?, ?> out = model.forward(token, position, buffer, Optional.empty())) {
          position++;
          return logProbabilities(out);
        }
      }
    }

    /** Positions consumed so far. */
    @Override
    public int position() {
      return position;
    }

    private void checkToken(int t) {
      if (t < 0 || t >= vocabSize) {
        throw new IllegalArgumentException(
            "token id was " + t + " but must be in [0, " + vocabSize + ")");
      }
    }

    private float[] logProbabilities(AbstractTensor<?, ?> hidden) {
      float[] p = model.getLogits(hidden); // the softmax of the logits
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) Math.log(p[i]);
      }
      return p;
    }

    @Override
    public void close() {
      buffer.close();
    }
  }
}
