package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;

/**
 * A watermark as a tier's policy configures it: which scheme, with which parameters and key. Each
 * scheme makes its protection (what generation applies) and its detector (what proves it later)
 * from the same settings, so the two cannot drift apart.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface WatermarkSpec
    permits KgwSettings, HfKgwSettings, GumbelSettings, GroupKeyed {
  /** The scheme's name in policy files: {@code kgw}, {@code kgw-hf} or {@code gumbel}. */
  String scheme();

  /** Id of the key in {@link WatermarkKeys}. */
  String keyId();

  /** The protection that applies this watermark during generation. */
  Protection protection(WatermarkKey key);

  /** The detector for text generated under this watermark. */
  WatermarkDetector detector(WatermarkKey key);
}
