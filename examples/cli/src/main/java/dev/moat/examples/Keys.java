package dev.moat.examples;

import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Where the command line takes watermark keys from. Thread-safe: stateless. */
final class Keys {
  static final String ENV = "MOAT_WATERMARK_KEYS";

  private Keys() {}

  /**
   * {@code --keys FILE}, else {@code $MOAT_WATERMARK_KEYS}, else the public demo key (with a note).
   */
  static WatermarkKeys load(@Nullable String file, java.io.PrintStream err) throws IOException {
    if (file != null) {
      return WatermarkKeys.fromFile(Path.of(file));
    }
    WatermarkKeys env = WatermarkKeys.fromEnvironment(ENV);
    if (!env.ids().isEmpty()) {
      return env;
    }
    err.println("note: using the public demo key (no --keys FILE, no $" + ENV + ")");
    return demo();
  }

  /** The key {@code id} of {@code keys}, or an error naming the ids they hold. */
  static WatermarkKey get(WatermarkKeys keys, String id) {
    return keys.get(id)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "`--key-id` was '" + id + "' but the keys hold " + keys.ids()));
  }

  static WatermarkKeys demo() throws IOException {
    try (InputStream in = Keys.class.getResourceAsStream("demo-keys.properties")) {
      if (in == null) {
        throw new IOException("demo-keys.properties is missing from the classpath");
      }
      return WatermarkKeys.parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo-keys.properties");
    }
  }
}
