package dev.moat.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The small causal language model Moat ships so that everything runs offline: {@code model.onnx} (a
 * decoder with a KV cache), {@code tokenizer.json} (byte-level BPE, loadable by Hugging Face
 * tokenizers and DJL), {@code config.json} and {@code reference.json} (PyTorch outputs the runtimes
 * are tested against). See this module's {@code README.md} for how it was trained.
 *
 * <p>Thread-safe: {@link #directory()} extracts the files at most once per JVM.
 */
public final class BundledModel {
  /** Classpath folder of the model files. */
  public static final String RESOURCE_DIR = "dev/moat/model/tiny/";

  /** The files that make up the model. */
  public static final List<String> FILES =
      List.of("model.onnx", "tokenizer.json", "config.json", "reference.json");

  private static volatile @Nullable Path directory;

  private BundledModel() {}

  /** One of {@link #FILES} as bytes. */
  public static byte[] read(String file) {
    try (InputStream in = open(file)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One of {@link #FILES} as a stream; the caller closes it. */
  public static InputStream open(String file) throws IOException {
    if (!FILES.contains(file)) {
      throw new IllegalArgumentException(
          "`file` was '" + file + "' but it must be one of " + FILES);
    }
    InputStream in = BundledModel.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file);
    if (in == null) {
      throw new IOException(
          "bundled model file " + RESOURCE_DIR + file + " is not on the classpath");
    }
    return in;
  }

  /**
   * A directory holding the model files, for runtimes that load from paths (DJL). The classpath
   * folder itself when it is on the file system, else a copy under {@code java.io.tmpdir} named by
   * the content's hash (so concurrent JVMs and new versions never collide).
   */
  public static Path directory() {
    Path d = directory;
    if (d != null) {
      return d;
    }
    synchronized (BundledModel.class) {
      if (directory == null) {
        directory = locate();
      }
      return directory;
    }
  }

  private static Path locate() {
    try {
      URL url = BundledModel.class.getClassLoader().getResource(RESOURCE_DIR + "config.json");
      if (url == null) {
        throw new IllegalStateException(
            "bundled model is not on the classpath (" + RESOURCE_DIR + ")");
      }
      if ("file".equals(url.getProtocol())) {
        return Objects.requireNonNull(Path.of(url.toURI()).getParent(), "config.json's directory");
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String f : FILES) {
        sha.update(read(f));
      }
      String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
      Path target = Path.of(System.getProperty("java.io.tmpdir"), "moat-model-" + hash);
      if (!Files.isRegularFile(target.resolve("model.onnx"))) {
        Path tmp = Files.createTempDirectory("moat-model-");
        for (String f : FILES) {
          try (InputStream in = open(f)) {
            Files.copy(in, tmp.resolve(f));
          }
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
          // Another JVM extracted the same content first: use its copy.
          if (!Files.isRegularFile(target.resolve("model.onnx"))) {
            throw raced;
          }
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
