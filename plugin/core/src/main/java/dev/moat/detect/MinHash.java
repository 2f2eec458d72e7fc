package dev.moat.detect;

/**
 * MinHash signatures of a text's word shingles, and locality-sensitive hashing (LSH) band keys over
 * them. Each shingle is hashed once with a strong mixer, then per position with a multiply-add (a
 * cheap universal family, enough on well-mixed input, and a loop the JIT vectorizes). One-
 * permutation hashing with densification was tried and dropped: for short prompts, borrowed bins
 * make whole bands copies of one shingle, so texts sharing a single shingle collided. Two texts
 * whose shingle sets have Jaccard similarity {@code s} agree in a position with probability about
 * {@code s}: two texts whose shingle sets have Jaccard similarity {@code s} share a given band with
 * probability {@code s^r} (r rows per band), so with {@code b} bands they share at least one with
 * probability {@code 1 - (1 - s^r)^b}. The defaults (64 hashes, 16 bands of 4 rows) make that 0.5
 * at s ≈ 0.5, 0.98 at s = 0.8 and 0.06 at s = 0.2.
 *
 * <p>Immutable and thread-safe. {@link #signature} allocates its result only.
 */
public final class MinHash {
  private final int hashes;
  private final int bands;
  private final int shingle;
  private final long[] mult;
  private final long[] offset;

  /**
   * @param hashes signature length, a multiple of {@code bands}
   * @param bands LSH bands
   * @param shingle words per shingle
   */
  public MinHash(int hashes, int bands, int shingle) {
    if (hashes < 1 || bands < 1 || hashes % bands != 0) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid(
              "hashes", hashes, "a positive multiple of bands (" + bands + ")"));
    }
    if (shingle < 1) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.invalid("shingle", shingle, "at least 1"));
    }
    this.hashes = hashes;
    this.bands = bands;
    this.shingle = shingle;
    this.mult = new long[hashes];
    this.offset = new long[hashes];
    long z = 0x5EED0FD15CL;
    for (int i = 0; i < hashes; i++) {
      z += 0x9E3779B97F4A7C15L;
      mult[i] = mix(z) | 1;
      z += 0x9E3779B97F4A7C15L;
      offset[i] = mix(z);
    }
  }

  /** 64 hashes, 16 bands of 4, shingles of 3 words. */
  public static MinHash standard() {
    return new MinHash(64, 16, 3);
  }

  public int bands() {
    return bands;
  }

  /**
   * The signature of {@code text} (split on single spaces, as {@link PromptSkeleton} leaves it).
   */
  public long[] signature(String text) {
    long[] words = new long[16];
    int count = 0;
    int start = 0;
    int n = text.length();
    for (int i = 0; i <= n; i++) {
      if (i == n || text.charAt(i) == ' ') {
        if (i > start) {
          if (count == words.length) {
            words = java.util.Arrays.copyOf(words, count * 2);
          }
          words[count++] = wordHash(text, start, i);
        }
        start = i + 1;
      }
    }
    return signature(words, count);
  }

  /**
   * The signature of a text given as the hashes of its words ({@link #wordHash}), for callers that
   * split the text once for several uses.
   */
  long[] signature(long[] wordHashes, int count) {
    long[] sig = new long[hashes];
    signature(wordHashes, count, sig, new long[shingle]);
    return sig;
  }

  /** As {@link #signature(long[], int)}, into {@code sig}, with a caller's shingle window. */
  void signature(long[] wordHashes, int count, long[] sig, long[] window) {
    java.util.Arrays.fill(sig, Long.MAX_VALUE);
    // The window is a ring whose slots are counted, not found by division: four integer divisions
    // per word went (signature was a tenth of replay's reading thread in a profile).
    int slot = 0; // w % shingle
    for (int w = 0; w < count; w++) {
      window[slot] = wordHashes[w];
      slot = slot + 1 == shingle ? 0 : slot + 1; // (w + 1) % shingle: the oldest word's slot
      if (w + 1 >= shingle) {
        add(sig, shingleHash(window, slot, shingle));
      }
    }
    if (count > 0 && count < shingle) {
      add(sig, shingleHash(window, 0, count)); // a short text is one shingle
    }
  }

  /** Jaccard similarity estimated from two signatures: the fraction of equal positions. */
  public static double similarity(long[] a, long[] b) {
    int same = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b[i]) {
        same++;
      }
    }
    return same / (double) a.length;
  }

  /** The key of band {@code band} of a signature: a hash of its rows and the band index. */
  public long bandKey(long[] signature, int band) {
    int rows = hashes / bands;
    long h = mix(band + 0x1234567L);
    for (int r = band * rows; r < (band + 1) * rows; r++) {
      h = mix(h ^ signature[r]);
    }
    return h;
  }

  private void add(long[] sig, long x) {
    // x is already well mixed: multiply-add hashing per position is enough, and vectorizes. The
    // minimum is branch-free arithmetic, not Math.min: JDK 17's C2 does not vectorize a min of
    // longs, and this loop ran 4 times slower there (5.2 against 1.3 µs for 40 shingles). Both
    // values have 63 bits, so v - s cannot overflow and s + (d & (d >> 63)) is exactly min(v, s).
    for (int i = 0; i < sig.length; i++) {
      long v = (x * mult[i] + offset[i]) >>> 1;
      long s = sig[i];
      long d = v - s;
      sig[i] = s + (d & (d >> 63));
    }
  }

  /** The hash of {@code count} words of the ring {@code window}, oldest (at {@code from}) first. */
  private long shingleHash(long[] window, int from, int count) {
    long h = 0x243F6A8885A308D3L;
    int i = from;
    for (int k = 0; k < count; k++) {
      h = mix(h ^ window[i]);
      i = i + 1 == shingle ? 0 : i + 1;
    }
    return h;
  }

  static long wordHash(String s, int from, int to) {
    long h = 0xCBF29CE484222325L; // FNV-1a over the chars, then mixed
    for (int i = from; i < to; i++) {
      h = (h ^ s.charAt(i)) * 0x100000001B3L;
    }
    return mix(h);
  }

  /** SplitMix64's finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
