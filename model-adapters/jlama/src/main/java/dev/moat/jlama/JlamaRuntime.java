package dev.moat.jlama;

import dev.moat.onnxruntime.BatchDecoder;
import dev.moat.onnxruntime.KvDecoder;
import dev.moat.onnxruntime.hf.HfConfig;
import dev.moat.onnxruntime.hf.HfDecoders;
import dev.moat.onnxruntime.hf.HfRuntime;
import dev.moat.onnxruntime.hf.ModelDirectoryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The {@code jlama} runtime of {@code ./moat serve --model DIR --runtime jlama}: a Hugging Face
 * directory's safetensors weights run by {@link JlamaCausalLm}, one sequence per model call.
 * Registered for {@link java.util.ServiceLoader} in {@code
 * META-INF/services/dev.moat.onnxruntime.hf.HfRuntime}.
 *
 * <p>Stateless; thread-safe.
 */
public final class JlamaRuntime implements HfRuntime {
  @Override
  public String name() {
    return "jlama";
  }

  @Override
  public boolean accepts(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
  }

  @Override
  public HfDecoders open(Path dir, HfConfig config) throws IOException {
    JlamaCausalLm m;
    try {
      m = JlamaCausalLm.load(dir);
    } catch (IllegalArgumentException e) {
      String why = String.valueOf(e.getMessage());
      throw new ModelDirectoryException(dir, why.replace(dir + ": ", ""));
    }
    if (m.vocabSize() != config.vocabSize()) {
      m.close();
      throw new ModelDirectoryException(
          dir,
          "config.json vocab_size is "
              + config.vocabSize()
              + " but Jlama's model has "
              + m.vocabSize());
    }
    return new Decoders(m);
  }

  private record Decoders(JlamaCausalLm model) implements HfDecoders {
    @Override
    public String describe() {
      return "Jlama, safetensors, float32";
    }

    @Override
    public int maxPositions() {
      return model.maxPositions();
    }

    @Override
    public KvDecoder newDecoder() {
      return model.newDecoder();
    }

    @Override
    public @Nullable String batchingUnsupported() {
      return "the Jlama runtime decodes one sequence per model call";
    }

    @Override
    public BatchDecoder newBatchDecoder() {
      throw new IllegalStateException(batchingUnsupported());
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
