package dev.moat.watermark;

import dev.moat.spi.Protection;
import dev.moat.spi.Stage;

/**
 * What every watermark protection shares: its policy id and its place in the pipeline. Immutable
 * and thread-safe, as its subclasses must be.
 */
abstract class WatermarkProtection implements Protection {
  @Override
  public final String id() {
    return "watermark";
  }

  @Override
  public final Stage stage() {
    return Stage.WATERMARK;
  }
}
