package dev.moat.examples;

import dev.moat.watermark.WatermarkKeys;
import java.io.IOException;
import java.io.PrintStream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --keys FILE}, the watermark keys of every command that reads them ({@link Keys#load}: the
 * file, else {@code $MOAT_WATERMARK_KEYS}, else the public demo key). Not thread-safe: picocli sets
 * its field.
 */
final class KeysOption {
  @Option(
      names = "--keys",
      paramLabel = "FILE",
      description =
          "Watermark keys (id=hex lines; default: $MOAT_WATERMARK_KEYS, else the public demo key).")
  @Nullable String file;

  WatermarkKeys load(PrintStream err) throws IOException {
    return Keys.load(file, err);
  }
}
