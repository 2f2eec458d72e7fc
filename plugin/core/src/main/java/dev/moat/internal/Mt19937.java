package dev.moat.internal;

/**
 * The 32-bit Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998) with the reference {@code
 * init_genrand} seeding: the generator behind PyTorch's CPU {@code torch.Generator}, which seeds it
 * with the low 32 bits of {@code manual_seed}'s value. Used only to reproduce Hugging Face's
 * watermark green lists bit for bit.
 *
 * <p>Not thread-safe.
 */
public final class Mt19937 {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] mt = new int[N];
  private int index;

  public Mt19937(long seed) {
    reseed(seed);
  }

  /** Re-initialises with the low 32 bits of {@code seed}, as PyTorch's CPU generator does. */
  public void reseed(long seed) {
    mt[0] = (int) seed;
    for (int i = 1; i < N; i++) {
      int prev = mt[i - 1];
      mt[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;
    }
    index = N;
  }

  /** The next 32-bit output, as an unsigned value. */
  public long nextUnsignedInt() {
    if (index >= N) {
      twist();
    }
    int y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y & 0xFFFFFFFFL;
  }

  private void twist() {
    for (int i = 0; i < N; i++) {
      int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
    }
    index = 0;
  }

  /**
   * {@code torch.randperm(n, generator=g)} on the CPU for {@code n} below 2^32 / 20: the identity
   * permutation shuffled by {@code swap(r[i], r[i + random() % (n - i)])} for {@code i < n - 1}.
   * Writes the first {@code out.length} entries of the permutation to {@code out}. Position {@code
   * i} is final once step {@code i} has run (later steps swap only positions after it), so only
   * {@code out.length} steps are needed, not {@code n - 1}.
   */
  public static void torchRandpermPrefix(long seed, int n, int[] perm, int[] out) {
    Mt19937 g = new Mt19937(seed);
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    int steps = Math.min(out.length, n - 1);
    for (int i = 0; i < steps; i++) {
      int z = (int) (g.nextUnsignedInt() % (n - i));
      int t = perm[i];
      perm[i] = perm[z + i];
      perm[z + i] = t;
    }
    System.arraycopy(perm, 0, out, 0, out.length);
  }
}
