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

  /**
   * System prompts recently scanned and their keys: {@link #SYSTEM_SETS} sets of {@link
   * #SYSTEM_WAYS}, found by {@link #sampledHash}. Hosts resend one with every request, and a thread
   * that serves several products alternates between them (the third generator's seed 5: 37 system
   * prompts, the prompt before a request's a different one for 53% of them).
   */
  private final char[] @Nullable [] systems = new char[SYSTEM_SETS * SYSTEM_WAYS][];

  /** The characters of the system prompt being looked up (grows to the longest prefix read). */
  private char[] incoming = new char[256];

  private final long[] systemKeys = new long[SYSTEM_SETS * SYSTEM_WAYS];
  private final byte[] systemNext = new byte[SYSTEM_SETS];

  private static final int SYSTEM_SETS = 16;
  private static final int SYSTEM_WAYS = 4;

  /**
   * A hash of the length {@code n} and of 32 characters spread over {@code s[0, n)}: a server
   * parses a new {@code String} for every request, whose {@code hashCode} would read all of it
   * (copying and hashing a 1,250-character prompt took 1,105-1,148 ns on JDK 17 against 69-83 ns
   * for the copy alone, 137 against 73 ns on JDK 25: {@code SystemPromptBenchmark}, 2026-12-04, the
   * 2-core machine); a comparison confirms, vectorized.
   */
  static int sampledHash(char[] s, int n) {
    int h = n;
    for (int k = 0; k < 32 && n > 0; k++) {
      h = h * 31 + s[(int) ((long) k * n / 32)];
    }
    return h ^ (h >>> 16);
  }

  /**
   * The key of a system prompt: the hash of its skeleton's first {@code maxChars} characters, mixed
   * with {@code salt}, scanned once while it stays among the thread's recent ones. The scan reads
   * at most {@code maxChars + 2} characters (a "://" may start at the last one it takes), so
   * prompts equal that far have one key: a thread holds at most 64 copies of at most {@code
   * maxChars + 2} characters, whatever hosts send.
   *
   * <p>The prompt's first characters are copied into a buffer and compared with {@link
   * java.util.Arrays#equals(char[], int, int, char[], int, int)}, vectorized on every JDK: on JDK
   * 17, {@code String.regionMatches} (how a kept prefix was compared) reads a byte at a time, 7% of
   * a replay's reading thread on the third generator's seed 13, whose agent products send
   * 2,000-character system prompts (JFR, 2026-12-04).
   */
  long systemKey(String system, int maxChars, long salt) {
    int n = Math.min(system.length(), maxChars + 2);
    if (incoming.length < n) {
      incoming = new char[Math.max(n, 2 * incoming.length)];
    }
    char[] c = incoming;
    system.getChars(0, n, c, 0);
    int set = sampledHash(c, n) & (SYSTEM_SETS - 1);
    for (int w = set * SYSTEM_WAYS; w < (set + 1) * SYSTEM_WAYS; w++) {
      char[] kept = systems[w];
      if (kept != null && kept.length == n && java.util.Arrays.equals(c, 0, n, kept, 0, n)) {
        return systemKeys[w];
      }
    }
    systemScan.scan(system, maxChars);
    long key = MinHash.mix(systemScan.textHash ^ salt);
    int w = set * SYSTEM_WAYS + systemNext[set];
    systemNext[set] = (byte) ((systemNext[set] + 1) % SYSTEM_WAYS);
    systems[w] = java.util.Arrays.copyOf(c, n);
    systemKeys[w] = key;
    return key;
  }

  final long[] sig;
  final long[] window = new long[3];
  final long[] flagKeys;
  final long[] allKeys; // the template keys, the phrase keys, the creation hour's: one store call
  final long[] bits;
  final float[] x = new float[Features.COUNT];
  final float[] own = new float[Features.COUNT];
  final int[] marks = new int[18];

  DetectorScratch(int hashes, int bands) {
    sig = new long[hashes];
    flagKeys = new long[bands + PhraseKeys.MAX];
    allKeys = new long[bands + 2 + PhraseKeys.MAX];
    bits = new long[(bands + 2 + PhraseKeys.MAX) * LinkStore.WORDS];
  }
}
