package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How {@link GreenMass} reads texts: which positions are first occurrences of their context (from
 * the text alone, before any model runs), and the models' distributions summed per context.
 *
 * <p>Thread-safe: stateless; each call holds its state on its stack.
 */
final class GreenMassReader {
  private GreenMassReader() {}

  /**
   * {@link GreenMass#collect}; with {@code firstOnly} false every position is scored: the ablation
   * that copying fools.
   */
  static GreenMass.Collected collect(
      int contextWidth,
      GreenMass.Distributions suspect,
      GreenMass.@Nullable Distributions reference,
      List<int[]> texts,
      int contextLength,
      int vocab,
      int maxContexts,
      boolean firstOnly) {
    if (contextWidth < 1) {
      throw new IllegalArgumentException(invalid("contextWidth", contextWidth, ">= 1"));
    }
    if (contextLength < 0) {
      throw new IllegalArgumentException(invalid("contextLength", contextLength, ">= 0"));
    }
    if (vocab < 2) {
      throw new IllegalArgumentException(invalid("vocab", vocab, ">= 2"));
    }
    if (maxContexts < 1) {
      throw new IllegalArgumentException(invalid("maxContexts", maxContexts, ">= 1"));
    }
    Map<Context, Integer> index = new HashMap<>();
    List<int[]> keys = new ArrayList<>();
    List<float[]> sums = new ArrayList<>();
    List<float[]> refs = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    long tokens = 0;
    int positions = 0;
    int dropped = 0;
    int start = Math.max(contextLength, contextWidth);
    for (int[] t : texts) {
      Set<Context> earlier = new HashSet<>();
      for (int j = contextWidth; j < Math.min(start, t.length); j++) {
        earlier.add(new Context(Arrays.copyOfRange(t, j - contextWidth, j)));
      }
      // Which positions are scored, and into which context's row, decided from the text alone
      // before any model runs: first occurrences, while there is room for their context.
      int[] row = new int[t.length];
      Arrays.fill(row, -1);
      for (int i = start; i < t.length; i++) {
        tokens++;
        Context c = new Context(Arrays.copyOfRange(t, i - contextWidth, i));
        if (!earlier.add(c) && firstOnly) {
          continue;
        }
        Integer k = index.get(c);
        if (k == null) {
          if (keys.size() >= maxContexts) {
            dropped++;
            continue;
          }
          k = keys.size();
          index.put(c, k);
          keys.add(c.tokens);
          sums.add(new float[vocab]);
          refs.add(reference == null ? new float[0] : new float[vocab]);
          counts.add(0);
        }
        row[i] = k;
        counts.set(k, counts.get(k) + 1);
        positions++;
      }
      read(suspect, "suspect", t, row, sums, vocab);
      if (reference != null) {
        read(reference, "reference", t, row, refs, vocab);
      }
    }
    int[][] ctx = keys.toArray(new int[0][]);
    float[][] mean = new float[ctx.length][];
    float[][] difference = reference == null ? null : new float[ctx.length][];
    for (int k = 0; k < ctx.length; k++) {
      float[] s = sums.get(k);
      float[] q = refs.get(k);
      float n = counts.get(k);
      for (int v = 0; v < vocab; v++) {
        s[v] /= n;
      }
      mean[k] = s;
      if (difference != null) {
        for (int v = 0; v < vocab; v++) {
          q[v] = s[v] - q[v] / n;
        }
        difference[k] = q;
      }
    }
    int[] n = new int[ctx.length];
    for (int k = 0; k < n.length; k++) {
      n[k] = counts.get(k);
    }
    return new GreenMass.Collected(
        contextWidth, vocab, ctx, n, mean, difference, tokens, positions, dropped);
  }

  /** Adds {@code model}'s distribution at each position with a row into that row's sum. */
  private static void read(
      GreenMass.Distributions model,
      String who,
      int[] t,
      int[] row,
      List<float[]> sums,
      int vocab) {
    int[] seen = {0};
    model.forEach(
        t,
        (i, p) -> {
          if (p.length != vocab) {
            throw new IllegalArgumentException(
                invalid("the " + who + "'s distribution length", p.length, "= vocab " + vocab));
          }
          if (i < 1 || i >= t.length || row[i] < 0) {
            return;
          }
          seen[0]++;
          float[] s = sums.get(row[i]);
          for (int v = 0; v < vocab; v++) {
            float x = p[v];
            if (!(x >= 0 && x <= 1)) {
              throw new IllegalArgumentException(
                  invalid("the " + who + "'s probability of token " + v, x, "in [0, 1]"));
            }
            s[v] += x;
          }
        });
    int expected = 0;
    for (int r : row) {
      expected += r >= 0 ? 1 : 0;
    }
    if (seen[0] != expected) {
      throw new IllegalArgumentException(
          invalid(
              "the " + who + "'s scored positions in a text of " + t.length + " tokens",
              seen[0],
              "= " + expected + " (one distribution per position)"));
    }
  }

  /** A context's tokens, compared by value. */
  private static final class Context {
    final int[] tokens;

    Context(int[] tokens) {
      this.tokens = tokens;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Context c && Arrays.equals(tokens, c.tokens);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(tokens);
    }
  }
}
