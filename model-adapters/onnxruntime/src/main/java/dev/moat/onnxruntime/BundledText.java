package dev.moat.onnxruntime;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.moat.model.BundledModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Text in and out of the bundled model: its tokenizer (DJL's binding of Hugging Face tokenizers,
 * run offline from the bundled {@code tokenizer.json}) and incremental decoding for streaming.
 *
 * <p>Thread-safe for {@link #encode}/{@link #decode}; {@link Stream} is per request.
 */
public final class BundledText implements AutoCloseable {
  static {
    // Never let DJL phone home or download anything.
    System.setProperty("OPT_OUT_TRACKING", System.getProperty("OPT_OUT_TRACKING", "true"));
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
  }

  private final HuggingFaceTokenizer tokenizer;

  private BundledText(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static BundledText load(Path tokenizerJson) throws IOException {
    return new BundledText(
        HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false")));
  }

  /** The bundled model's tokenizer. */
  public static BundledText bundled() throws IOException {
    return load(BundledModel.directory().resolve("tokenizer.json"));
  }

  /** Token ids of {@code text} (no special tokens added). */
  public int[] encode(String text) {
    return Arrays.stream(tokenizer.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
  }

  /** Token ids of {@code text} after {@code bos}: a prompt as the bundled model reads it. */
  public int[] encode(String text, int bos) {
    long[] ids = tokenizer.encode(text).getIds();
    int[] r = new int[ids.length + 1];
    r[0] = bos;
    for (int i = 0; i < ids.length; i++) {
      r[i + 1] = Math.toIntExact(ids[i]);
    }
    return r;
  }

  /** Text of {@code ids}. */
  public String decode(int[] ids) {
    return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray());
  }

  /** Decodes a growing token sequence into the text each new token adds (whole characters only). */
  public final class Stream {
    private final int[] buf;
    private int n;
    private int emittedChars;

    public Stream(int capacity) {
      buf = new int[capacity];
    }

    /** Adds a token; returns the text it completes (empty inside a UTF-8 character). */
    public String add(int token) {
      buf[n++] = token;
      String text = decode(Arrays.copyOf(buf, n));
      // A byte-level token can end inside a UTF-8 character: wait for the rest.
      if (text.endsWith("\uFFFD")) {
        return "";
      }
      String delta = text.length() > emittedChars ? text.substring(emittedChars) : "";
      emittedChars = text.length();
      return delta;
    }
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
