package dev.moat.onnxruntime.hf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Hugging Face model directory Moat cannot serve: each problem names the file, the field, the
 * value found and what is allowed. All of a file's problems are collected before this is thrown.
 *
 * <p>Immutable (thread-safe).
 */
public final class ModelDirectoryException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  ModelDirectoryException(Path dir, List<String> problems) {
    super("model directory " + dir + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One problem with {@code dir} (a runtime's, e.g. {@link HfRuntime#open}). */
  public ModelDirectoryException(Path dir, String problem) {
    this(dir, List.of(problem));
  }

  /** Each problem, as {@code "<file>: `<field>` was '<value>' but it must be ..."}. */
  public List<String> problems() {
    return problems;
  }

  /** The one way a field's problem is worded. */
  static String field(String file, String field, @Nullable Object value, String allowed) {
    return file + ": `" + field + "` was '" + value + "' but it must be " + allowed;
  }

  /** A required file that is absent. */
  static String missing(String file, String what) {
    return file + " is missing; it must hold " + what;
  }
}
