package dev.moat.key;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) with a 128-bit key, 64-bit output. The keyed PRF under
 * Moat's watermarks: fast for the few bytes of a token context and a real MAC, so the green lists
 * cannot be predicted without the key.
 *
 * <p>Thread-safe: immutable.
 */
public final class SipHash {
  private final long k0;
  private final long k1;

  public SipHash(long k0, long k1) {
    this.k0 = k0;
    this.k1 = k1;
  }

  /** SipHash-2-4 of a byte string; the reference definition, used by tests and key derivation. */
  public long hash(byte[] message) {
    State s = new State(k0, k1);
    int len = message.length;
    int full = len & ~7;
    for (int i = 0; i < full; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        m = (m << 8) | (message[i + j] & 0xFFL);
      }
      s.compress(m);
    }
    long last = ((long) len) << 56;
    for (int j = len - 1; j >= full; j--) {
      last |= (message[j] & 0xFFL) << (8 * (j - full));
    }
    s.compress(last);
    return s.finish();
  }

  /**
   * SipHash-2-4 of the message {@code le32(first) || le32(ints[from]) || … ||
   * le32(ints[from+more-1])}. Equal to {@link #hash(byte[])} of those bytes; allocation-free, used
   * per token on the watermark's context.
   */
  public long hashInts(int first, int[] ints, int from, int more) {
    // The State never escapes this method: C2's escape analysis keeps it in registers (JMH -prof gc
    // shows 0 B/op for the watermark step).
    State s = new State(k0, k1);
    int n = more + 1;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      int a = i == 0 ? first : ints[from + i - 1];
      int b = ints[from + i];
      s.compress((a & 0xFFFFFFFFL) | ((long) b << 32));
    }
    long last = (4L * n) << 56;
    if (i < n) {
      int a = i == 0 ? first : ints[from + i - 1];
      last |= a & 0xFFFFFFFFL;
    }
    s.compress(last);
    return s.finish();
  }

  private static final class State {
    long v0;
    long v1;
    long v2;
    long v3;

    State(long k0, long k1) {
      v0 = k0 ^ 0x736f6d6570736575L;
      v1 = k1 ^ 0x646f72616e646f6dL;
      v2 = k0 ^ 0x6c7967656e657261L;
      v3 = k1 ^ 0x7465646279746573L;
    }

    void compress(long m) {
      v3 ^= m;
      round();
      round();
      v0 ^= m;
    }

    long finish() {
      v2 ^= 0xff;
      round();
      round();
      round();
      round();
      return v0 ^ v1 ^ v2 ^ v3;
    }

    private void round() {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
  }
}
