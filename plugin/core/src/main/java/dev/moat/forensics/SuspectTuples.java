package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The (watermark context, token) tuples of suspect texts that a radioactivity test scores, gathered
 * once and independently of any key: position {@code i >= h} of each text is the tuple {@code
 * (t[i-h .. i), t[i])}. With de-duplication each distinct tuple is kept once (compared on the
 * tokens themselves, not on a keyed hash), optionally only those whose context occurred in our
 * served output ({@link Contexts}). Since the list does not depend on the key, the true key and
 * every wrong key of a control ({@link WrongKeyControl}) score exactly the same tuples, and an
 * independent verifier gathers the same list from the same token ids.
 *
 * <p>Immutable and thread-safe.
 */
public final class SuspectTuples {
  private final int contextWidth;
  private final int size;
  private final long tokens;
  private final boolean dedup;
  private final boolean filtered;

  /** Tuple {@code j} at {@code [j·(h+1), (j+1)·(h+1))}: its h context tokens, then the token. */
  private final int[] flat;

  private SuspectTuples(
      int contextWidth, int[] flat, int size, long tokens, boolean dedup, boolean filtered) {
    this.contextWidth = contextWidth;
    this.flat = flat;
    this.size = size;
    this.tokens = tokens;
    this.dedup = dedup;
    this.filtered = filtered;
  }

  /**
   * The tuples of {@code texts} (token ids; the first {@code h} tokens of each text are context
   * only).
   *
   * @param contextWidth the watermark's context width h, in [1, 64]
   * @param dedup keep each distinct tuple once
   * @param filter when not null, only tuples whose context is in it
   */
  public static SuspectTuples of(
      List<int[]> texts, int contextWidth, boolean dedup, @Nullable Contexts filter) {
    checkWidth(contextWidth);
    if (filter != null && filter.contextWidth != contextWidth) {
      throw new IllegalArgumentException(
          invalid("filter context width", filter.contextWidth, "the tuples' " + contextWidth));
    }
    int w = contextWidth + 1;
    Set<Seq> seen = new HashSet<>();
    int[] flat = new int[64 * w];
    int n = 0;
    long tokens = 0;
    for (int[] t : texts) {
      for (int i = contextWidth; i < t.length; i++) {
        tokens++;
        if (filter != null && !filter.set.contains(new Seq(t, i - contextWidth, contextWidth))) {
          continue;
        }
        if (dedup && !seen.add(new Seq(t, i - contextWidth, w))) {
          continue;
        }
        if ((n + 1) * w > flat.length) {
          flat = Arrays.copyOf(flat, Math.max(flat.length * 2, (n + 1) * w));
        }
        System.arraycopy(t, i - contextWidth, flat, n * w, w);
        n++;
      }
    }
    return new SuspectTuples(
        contextWidth, Arrays.copyOf(flat, n * w), n, tokens, dedup, filter != null);
  }

  private static void checkWidth(int contextWidth) {
    if (contextWidth < 1 || contextWidth > 64) {
      throw new IllegalArgumentException(invalid("contextWidth", contextWidth, "in [1, 64]"));
    }
  }

  /** Tuples kept. */
  public int size() {
    return size;
  }

  /** Positions looked at (every position {@code i >= h} of every text). */
  public long tokens() {
    return tokens;
  }

  public int contextWidth() {
    return contextWidth;
  }

  /** Whether each distinct tuple was kept once. */
  public boolean dedup() {
    return dedup;
  }

  /** Whether only tuples of contexts in a filter were kept. */
  public boolean filtered() {
    return filtered;
  }

  /** The total score of the tuples under {@code scorer} (the green count for KGW). */
  public double score(Radioactivity.Scorer scorer) {
    if (scorer.contextWidth() != contextWidth) {
      throw new IllegalArgumentException(
          invalid("scorer context width", scorer.contextWidth(), "the tuples' " + contextWidth));
    }
    int w = contextWidth + 1;
    double total = 0;
    for (int j = 0; j < size; j++) {
      total += scorer.score(flat, j * w + contextWidth);
    }
    return total;
  }

  /** The radioactivity test of these tuples under {@code scorer}: score and exact p-value. */
  public Radioactivity.Result test(Radioactivity.Scorer scorer) {
    double total = score(scorer);
    return new Radioactivity.Result(
        tokens, size, total, scorer.pValue(size, total), scorer.log10PValue(size, total));
  }

  /**
   * The watermark contexts (the h tokens before each position {@code i >= h}) of texts, typically
   * our served output: where a student can have learned the bias. Immutable and thread-safe.
   */
  public static final class Contexts {
    private final int contextWidth;
    private final Set<Seq> set;

    private Contexts(int contextWidth, Set<Seq> set) {
      this.contextWidth = contextWidth;
      this.set = set;
    }

    /** The contexts of width {@code contextWidth} in {@code texts}. */
    public static Contexts of(List<int[]> texts, int contextWidth) {
      checkWidth(contextWidth);
      Set<Seq> s = new HashSet<>();
      for (int[] t : texts) {
        for (int i = contextWidth; i < t.length; i++) {
          s.add(new Seq(t, i - contextWidth, contextWidth));
        }
      }
      return new Contexts(contextWidth, s);
    }

    /** Distinct contexts. */
    public int size() {
      return set.size();
    }
  }

  /** A copied run of token ids, compared by value. */
  private static final class Seq {
    private final int[] ids;
    private final int hash;

    Seq(int[] t, int from, int length) {
      ids = Arrays.copyOfRange(t, from, from + length);
      hash = Arrays.hashCode(ids);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Seq s && Arrays.equals(s.ids, ids);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
