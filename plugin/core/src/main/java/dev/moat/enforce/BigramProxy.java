package dev.moat.enforce;

import dev.moat.internal.Messages;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The proxy student of {@link AntiDistillation}: for each context token {@code c}, the tokens
 * {@code x} whose training would teach a bigram student the most about a downstream corpus, with a
 * weight in {@code (0, 1]}.
 *
 * <p>What the weight is. A count-based bigram student with add-{@code k} smoothing, {@code p(x|c) =
 * (n(c,x) + k) / (n(c) + kV)}, trained on one more {@code (c, x)} changes its loss on the
 * downstream corpus {@code D}, {@code L = -Σ n_D(c,y) log p(y|c)}, by {@code ∂L/∂n(c,x) = n_D(c) /
 * (n(c) + kV) - n_D(c,x) / (n(c,x) + k)}: the exact directional derivative Antidistillation
 * Sampling (Savani et al. 2025) estimates by finite differences for a neural proxy. Its first term
 * does not depend on {@code x} (the softmax ignores it); the second, relative to the first, is the
 * gain {@code g(c,x)}: 1 for a token that teaches as much as the context's average, more for one
 * the student has not learned yet. The weight is {@code tanh(ln g)} where {@code g > 1} (near 1 for
 * tokens that teach the student what it does not know), and 0 elsewhere: tokens the student already
 * predicts as well as the downstream corpus does are left alone, so that users do not pay for
 * lowering the common continuations (the first version lowered every downstream continuation, and
 * cost users 62% perplexity at a KL budget of 0.125; see {@code examples/distill/REPORT.md}).
 *
 * <p>Layout: compressed rows (an offset per context, then token ids and weights), so a step finds
 * its context's entries with two array reads and no map.
 *
 * <p>Immutable and thread-safe.
 */
public final class BigramProxy {
  private static final int MAGIC = 0x4D424731; // "MBG1"

  private final int vocabSize;
  private final int[] offsets;
  private final int[] ids;
  private final float[] weights;

  private BigramProxy(int vocabSize, int[] offsets, int[] ids, float[] weights) {
    this.vocabSize = vocabSize;
    this.offsets = offsets;
    this.ids = ids;
    this.weights = weights;
  }

  /**
   * Fits the proxy: the student's counts from {@code proxy}, the downstream counts from {@code
   * downstream} (token sequences; bigrams within each sequence).
   *
   * @param k add-k smoothing of the student, > 0
   */
  public static BigramProxy fit(int vocabSize, int[][] proxy, int[][] downstream, double k) {
    if (vocabSize < 2) {
      throw new IllegalArgumentException(Messages.invalid("vocabSize", vocabSize, ">= 2"));
    }
    if (!(k > 0)) {
      throw new IllegalArgumentException(Messages.invalid("k", k, "> 0"));
    }
    long[] ctx = new long[vocabSize];
    Map<Long, Integer> pair = count(vocabSize, proxy, ctx, "proxy");
    long[] ctxD = new long[vocabSize];
    Map<Long, Integer> pairD = count(vocabSize, downstream, ctxD, "downstream");
    long[] keys = pairD.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    int[] offsets = new int[vocabSize + 1];
    int[] ids = new int[keys.length];
    float[] weights = new float[keys.length];
    int n = 0;
    for (long key : keys) {
      int c = (int) (key >>> 32);
      int x = (int) key;
      double teach = Objects.requireNonNull(pairD.get(key)) / (pair.getOrDefault(key, 0) + k);
      double average = ctxD[c] / (ctx[c] + k * vocabSize);
      double g = teach / average;
      if (g <= 1) {
        continue; // teaches no more than the context's average token: left alone
      }
      ids[n] = x;
      weights[n] = (float) ((g * g - 1) / (g * g + 1)); // tanh(ln g)
      offsets[c + 1]++;
      n++;
    }
    for (int c = 0; c < vocabSize; c++) {
      offsets[c + 1] += offsets[c];
    }
    ids = java.util.Arrays.copyOf(ids, n);
    weights = java.util.Arrays.copyOf(weights, n);
    return new BigramProxy(vocabSize, offsets, ids, weights);
  }

  private static Map<Long, Integer> count(
      int vocabSize, int[][] corpus, long[] contexts, String field) {
    Map<Long, Integer> pairs = new HashMap<>();
    for (int s = 0; s < corpus.length; s++) {
      int[] seq = corpus[s];
      for (int i = 0; i < seq.length; i++) {
        int t = seq[i];
        if (t < 0 || t >= vocabSize) {
          throw new IllegalArgumentException(
              Messages.tokenOutOfRange(field + "[" + s + "][" + i + "]", t, vocabSize));
        }
        if (i > 0) {
          contexts[seq[i - 1]]++;
          pairs.merge(((long) seq[i - 1] << 32) | t, 1, Integer::sum);
        }
      }
    }
    return pairs;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** Entries (context, token) with a weight. */
  public int entries() {
    return ids.length;
  }

  /** The weight of token {@code x} after context {@code c}, 0 if it has none. */
  public float weight(int c, int x) {
    for (int j = offsets[c]; j < offsets[c + 1]; j++) {
      if (ids[j] == x) {
        return weights[j];
      }
    }
    return 0f;
  }

  int from(int c) {
    return offsets[c];
  }

  int to(int c) {
    return offsets[c + 1];
  }

  int id(int j) {
    return ids[j];
  }

  float weightAt(int j) {
    return weights[j];
  }

  /** Writes the proxy (a small binary format, read back by {@link #read}). */
  public void write(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out));
    d.writeInt(MAGIC);
    d.writeInt(vocabSize);
    d.writeInt(ids.length);
    for (int c = 1; c <= vocabSize; c++) {
      d.writeInt(offsets[c]);
    }
    for (int j = 0; j < ids.length; j++) {
      d.writeInt(ids[j]);
      d.writeFloat(weights[j]);
    }
    d.flush();
  }

  /**
   * Reads a proxy written by {@link #write}; a damaged file fails with the field, the value and
   * what was expected.
   */
  public static BigramProxy read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in));
    int magic = d.readInt();
    if (magic != MAGIC) {
      throw new IOException(Messages.invalid("magic", Integer.toHexString(magic), "4d424731"));
    }
    int vocab = d.readInt();
    int n = d.readInt();
    if (vocab < 2 || vocab > 16_777_216) {
      throw new IOException(Messages.invalid("vocabSize", vocab, "2 to 16777216"));
    }
    if (n < 0 || n > 200_000_000) {
      throw new IOException(Messages.invalid("entries", n, "0 to 200000000"));
    }
    int[] offsets = new int[vocab + 1];
    for (int c = 1; c <= vocab; c++) {
      offsets[c] = d.readInt();
      if (offsets[c] < offsets[c - 1] || offsets[c] > n) {
        throw new IOException(
            Messages.invalid("offsets[" + c + "]", offsets[c], "non-decreasing, at most " + n));
      }
    }
    if (offsets[vocab] != n) {
      throw new IOException(
          Messages.invalid("offsets[" + vocab + "]", offsets[vocab], "the entry count " + n));
    }
    int[] ids = new int[n];
    float[] weights = new float[n];
    for (int j = 0; j < n; j++) {
      ids[j] = d.readInt();
      weights[j] = d.readFloat();
      if (ids[j] < 0 || ids[j] >= vocab) {
        throw new IOException(Messages.tokenOutOfRange("ids[" + j + "]", ids[j], vocab));
      }
      if (!(weights[j] >= 0 && weights[j] <= 1)) {
        throw new IOException(Messages.invalid("weights[" + j + "]", weights[j], "in [0, 1]"));
      }
    }
    return new BigramProxy(vocab, offsets, ids, weights);
  }
}
