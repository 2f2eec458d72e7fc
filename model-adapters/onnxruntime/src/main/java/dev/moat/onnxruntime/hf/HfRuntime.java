package dev.moat.onnxruntime.hf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A runtime for Hugging Face model directories besides ONNX Runtime, found with {@link
 * java.util.ServiceLoader} (a module registers one in {@code
 * META-INF/services/dev.moat.onnxruntime.hf.HfRuntime}): {@code moat-jlama}, built on JDK 22+, runs
 * safetensors checkpoints. {@link HfModel#load(Path, String, int)} picks one by name, or by what
 * the directory holds.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface HfRuntime {
  /** The name {@code --runtime} selects it by, e.g. {@code jlama}. */
  String name();

  /** Whether {@code dir} holds weights this runtime loads (e.g. {@code model.safetensors}). */
  boolean accepts(Path dir);

  /**
   * Loads the directory's weights.
   *
   * @throws ModelDirectoryException the weights cannot be served; the message names the file and
   *     the field
   */
  HfDecoders open(Path dir, HfConfig config) throws IOException;
}
