package dev.moat.internal;

/**
 * The keyed per-token hashes the watermarks and races share: MurmurHash3's finaliser over {@code (v
 * * GOLDEN + s0) XOR s1}, and the 53-bit uniform built from two of them (moat-gumbel-v2). The
 * vector kernels compute the same lane by lane. Thread-safe: static and stateless.
 */
public final class TokenHash {
  private TokenHash() {}

  /** MurmurHash3's 32-bit finaliser. */
  public static int fmix32(int x) {
    x ^= x >>> 16;
    x *= 0x85EBCA6B;
    x ^= x >>> 13;
    x *= 0xC2B2AE35;
    x ^= x >>> 16;
    return x;
  }

  /**
   * The high 32 bits of {@link #u53}: {@code fmix32((v · Kernels.GOLDEN + s0) XOR s1)}, where
   * {@code s0} and {@code s1} are the low and high words of {@code seed}.
   */
  public static int uniformHigh(long seed, int v) {
    return fmix32((v * Kernels.GOLDEN + (int) seed) ^ (int) (seed >>> 32));
  }

  /**
   * The 53-bit keyed uniform of token {@code v} (moat-gumbel-v2): {@link #uniformHigh} as the high
   * 32 bits, then the top 21 bits of {@code fmix32((v · Kernels.GOLDEN + s1) XOR s0)}.
   */
  public static long u53(long seed, int v) {
    int lo = fmix32((v * Kernels.GOLDEN + (int) (seed >>> 32)) ^ (int) seed);
    return (Integer.toUnsignedLong(uniformHigh(seed, v)) << 21) | (lo >>> 11);
  }
}
