package dev.moat.research;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The radioactivity experiment's student: an interpolated trigram model (0.5 trigram, 0.3 bigram,
 * 0.2 add-one unigram) that learns from answers and can write. Each of its three components is a
 * list of the successors seen after a context (with repeats), so sampling picks a component by its
 * weight (among those whose context was seen) and then a successor uniformly: O(1) per token.
 *
 * <p>Not thread-safe while it trains; once trained it is only read (writing and arg-maxes change
 * nothing).
 */
final class TrigramStudent {
  private static final int TAIL = RadioactivitySetup.TAIL; // the prompt tokens before a text

  private final int vocab;
  private final Map<Long, IntList> tri = new HashMap<>();
  private final Map<Integer, IntList> bi = new HashMap<>();
  private final IntList uni = new IntList();
  private final int[] uniCount;

  TrigramStudent(int vocab) {
    this.vocab = vocab;
    this.uniCount = new int[vocab];
  }

  void train(int[] prompt, int[] output) {
    int prev2 = prompt[prompt.length - 2];
    int prev = prompt[prompt.length - 1];
    for (int t : output) {
      tri.computeIfAbsent(((long) prev2 << 32) | prev, k -> new IntList()).add(t);
      bi.computeIfAbsent(prev, k -> new IntList()).add(t);
      uni.add(t);
      uniCount[t]++;
      prev2 = prev;
      prev = t;
    }
  }

  int sample(int prev2, int prev, SplittableRandom r) {
    IntList t = tri.get(((long) prev2 << 32) | prev);
    IntList b = bi.get(prev);
    double wt = t == null ? 0 : 0.5;
    double wb = b == null ? 0 : 0.3;
    double u = r.nextDouble() * (wt + wb + 0.2);
    if (t != null && u < wt) {
      return t.get(r.nextInt(t.size()));
    }
    if (b != null && u < wt + wb) {
      return b.get(r.nextInt(b.size()));
    }
    // Add-one unigram: a seen token by its count, or any token.
    int k = r.nextInt(uni.size() + vocab);
    return k < uni.size() ? uni.get(k) : k - uni.size();
  }

  /** As {@link #write}, each token from {@code other} (if given) instead with probability 1/2. */
  List<int[]> writeMixed(
      @Nullable TrigramStudent other, int[][] prompts, int offset, int count, int len, long seed) {
    List<int[]> l = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      SplittableRandom r = new SplittableRandom(seed + p);
      int[] pr = prompts[offset + p];
      int[] t = new int[TAIL + len];
      System.arraycopy(pr, pr.length - TAIL, t, 0, TAIL);
      for (int i = TAIL; i < t.length; i++) {
        TrigramStudent s = other == null || r.nextBoolean() ? this : other;
        t[i] = s.sample(t[i - 2], t[i - 1], r);
      }
      l.add(t);
    }
    return l;
  }

  /** The arg-max of the interpolated distribution after every prefix of a text (i >= 2). */
  int[] argmaxes(int[] text) {
    int[] out = new int[text.length];
    double[] p = new double[vocab];
    for (int i = 2; i < text.length; i++) {
      IntList t = tri.get(((long) text[i - 2] << 32) | text[i - 1]);
      IntList b = bi.get(text[i - 1]);
      double wt = t == null ? 0 : 0.5;
      double wb = b == null ? 0 : 0.3;
      double z = wt + wb + 0.2;
      double uw = 0.2 / z / (uni.size() + vocab);
      for (int v = 0; v < vocab; v++) {
        p[v] = uw * (uniCount[v] + 1);
      }
      if (t != null) {
        for (int k = 0; k < t.size(); k++) {
          p[t.get(k)] += wt / z / t.size();
        }
      }
      if (b != null) {
        for (int k = 0; k < b.size(); k++) {
          p[b.get(k)] += wb / z / b.size();
        }
      }
      int best = 0;
      for (int v = 1; v < vocab; v++) {
        if (p[v] > p[best]) {
          best = v;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** Continuations of prompts {@code offset ..}, each with its prompt's last tokens in front. */
  List<int[]> write(int[][] prompts, int offset, int count, int len, long seed) {
    return writeMixed(null, prompts, offset, count, len, seed);
  }

  /** A growable int list. */
  private static final class IntList {
    private int[] a = new int[4];
    private int n;

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    int get(int i) {
      return a[i];
    }

    int size() {
      return n;
    }
  }
}
