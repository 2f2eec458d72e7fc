package dev.moat.detect;

import org.jspecify.annotations.Nullable;

/**
 * A detector's per-thread buffers: a request allocates only its prepared form and its verdict.
 *
 * <p>Not thread-safe: one per thread (a {@code ThreadLocal}).
 */
final class DetectorScratch {
  final PromptScan scan = new PromptScan();
  final PromptScan systemScan = new PromptScan();
  @Nullable String lastSystem;
  long lastSystemKey;
  final long[] sig;
  final long[] window = new long[3];
  final long[] flagKeys;
  final long[] allKeys; // the template keys, then the phrase keys: one store call
  final long[] bits;
  final float[] x = new float[Features.COUNT];
  final float[] own = new float[Features.COUNT];
  final int[] marks = new int[17];

  DetectorScratch(int hashes, int bands) {
    sig = new long[hashes];
    flagKeys = new long[bands + PhraseKeys.MAX];
    allKeys = new long[bands + 1 + PhraseKeys.MAX];
    bits = new long[(bands + 1 + PhraseKeys.MAX) * LinkStore.WORDS];
  }
}
