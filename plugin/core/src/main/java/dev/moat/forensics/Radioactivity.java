package dev.moat.forensics;

import dev.moat.internal.Binomial;
import dev.moat.internal.GammaTail;
import dev.moat.internal.Messages;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.KgwScheme;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The radioactivity test (Sander et al. 2024, "Watermarking Makes Language Models Radioactive"):
 * does text from a suspect model carry our watermark, because the suspect was trained on our
 * watermarked output? Each (watermark context, token) tuple of the suspect's text is scored once
 * (de-duplication: a student repeats what it learned, and repeated tuples are not independent
 * evidence), optionally only the tuples that occurred in our served output (the filter: where a
 * student can have learned the bias), and the scores are combined into a p-value that is exact
 * under the null hypothesis "the suspect never saw our watermark" — each de-duplicated tuple is
 * then green with probability gamma independently (KGW: binomial tail), or has an Exp(1) score
 * (Gumbel: Gamma tail), since the keyed hash of distinct tuples is independent of anything the
 * suspect learned elsewhere.
 *
 * <p>Immutable and thread-safe.
 */
public final class Radioactivity {
  /** One scheme's view of a token: its tuple and its score. */
  public interface Scorer {
    /** Tokens of context the watermark hashes (h). */
    int contextWidth();

    /** A 64-bit key of the tuple (context, token) ending at {@code i}, for de-duplication. */
    long tuple(int[] tokens, int i);

    /** A 64-bit key of the watermark context of position {@code i} alone, for the filter. */
    long context(int[] tokens, int i);

    /** The token's score: 1 or 0 (green or not) for KGW, {@code -ln(1 - u)} for Gumbel. */
    double score(int[] tokens, int i);

    /** The p-value of {@code total} over {@code n} independent scores under the null. */
    double pValue(int n, double total);

    /** {@code log10} of {@link #pValue}, finite where the p-value underflows. */
    double log10PValue(int n, double total);

    /**
     * The p-value made exactly Uniform(0, 1) under the null, for checking the null's calibration
     * (the KS test of wrong keys' p-values in {@link WrongKeyControl}): a discrete statistic's atom
     * at {@code total} is split by {@code tieBreak} in [0, 1), the randomised p-value {@code P[X >
     * x] + tieBreak · P[X = x]}; a continuous statistic's p-value is uniform already. Without the
     * split, KGW's p-values on a few hundred tuples sit on a coarse grid that a KS test over 1,000
     * keys tells apart from uniform.
     */
    default double nullPValue(int n, double total, double tieBreak) {
      return n == 0 ? tieBreak : pValue(n, total);
    }
  }

  /**
   * The result of one test.
   *
   * @param tokens tokens looked at (after the context of each text)
   * @param scored de-duplicated (and filtered) tuples scored
   * @param score their total score (green count for KGW)
   * @param pValue the exact p-value under the null
   * @param log10PValue its log10, finite where it underflows
   */
  public record Result(long tokens, int scored, double score, double pValue, double log10PValue) {
    /** Whether the null is rejected at false-positive rate {@code alpha}. */
    public boolean detected(double alpha) {
      return pValue <= alpha;
    }
  }

  private Radioactivity() {}

  /**
   * Tests suspect texts.
   *
   * @param scorer the scheme and key
   * @param texts the suspect's texts (token ids); each text's first {@code contextLength} tokens
   *     (our prompt) are context only
   * @param contextLength prompt tokens at the start of every text
   * @param dedup score each tuple once
   * @param filter when not null, score only positions whose watermark context is in this set (see
   *     {@link #contexts})
   */
  public static Result test(
      Scorer scorer,
      List<int[]> texts,
      int contextLength,
      boolean dedup,
      @Nullable Set<Long> filter) {
    if (contextLength < 0) {
      throw new IllegalArgumentException(Messages.invalid("contextLength", contextLength, ">= 0"));
    }
    int h = scorer.contextWidth();
    Set<Long> seen = dedup ? new HashSet<>() : null;
    long tokens = 0;
    int n = 0;
    double total = 0;
    for (int[] t : texts) {
      for (int i = Math.max(contextLength, h); i < t.length; i++) {
        tokens++;
        if (filter != null && !filter.contains(scorer.context(t, i))) {
          continue;
        }
        long key = scorer.tuple(t, i);
        if (seen != null && !seen.add(key)) {
          continue;
        }
        n++;
        total += scorer.score(t, i);
      }
    }
    return new Result(tokens, n, total, scorer.pValue(n, total), scorer.log10PValue(n, total));
  }

  /**
   * A suspect model we can run (the open-weights setting): its most likely next token at every
   * position of a text.
   */
  public interface Suspect {
    /** {@code out[i]} = the suspect's arg-max next token after {@code text[0 .. i)}, for i >= 1. */
    int[] argmaxes(int[] text);
  }

  /**
   * The open-weights test: the suspect reads texts (typically our served output, where a student
   * would have learned the bias) and at each watermark context, taken once, its own arg-max
   * prediction is scored. Under the null the prediction does not depend on our key, so the test is
   * exact as above; a student that learned our green lists predicts green tokens.
   */
  public static Result openWeights(
      Scorer scorer, Suspect suspect, List<int[]> texts, int contextLength) {
    if (contextLength < 0) {
      throw new IllegalArgumentException(Messages.invalid("contextLength", contextLength, ">= 0"));
    }
    int h = scorer.contextWidth();
    Set<Long> seen = new HashSet<>();
    long tokens = 0;
    int n = 0;
    double total = 0;
    for (int[] t : texts) {
      int[] pred = suspect.argmaxes(t);
      int[] scratch = t.clone();
      for (int i = Math.max(Math.max(contextLength, h), 1); i < t.length; i++) {
        tokens++;
        if (!seen.add(scorer.context(t, i))) {
          continue; // each context once
        }
        scratch[i] = pred[i];
        n++;
        total += scorer.score(scratch, i);
        scratch[i] = t[i];
      }
    }
    return new Result(tokens, n, total, scorer.pValue(n, total), scorer.log10PValue(n, total));
  }

  /** The watermark contexts of texts (our served output), for the filter. */
  public static Set<Long> contexts(Scorer scorer, List<int[]> texts, int contextLength) {
    Set<Long> s = new HashSet<>();
    int h = scorer.contextWidth();
    for (int[] t : texts) {
      for (int i = Math.max(contextLength, h); i < t.length; i++) {
        s.add(scorer.context(t, i));
      }
    }
    return s;
  }

  /** The KGW scorer: green indicators, exact binomial tail at the scheme's gamma. */
  public static Scorer kgw(KgwScheme scheme) {
    return new Scorer() {
      @Override
      public int contextWidth() {
        return scheme.contextWidth();
      }

      @Override
      public long tuple(int[] tokens, int i) {
        return mixTuple(scheme.tokenSeed(tokens, i), tokens[i]);
      }

      @Override
      public long context(int[] tokens, int i) {
        return scheme.seed(tokens, i);
      }

      @Override
      public double score(int[] tokens, int i) {
        return scheme.isGreen(scheme.tokenSeed(tokens, i), tokens[i]) ? 1 : 0;
      }

      @Override
      public double pValue(int n, double total) {
        return n == 0 ? 1 : Binomial.upperTail(n, (int) Math.round(total), scheme.gamma());
      }

      @Override
      public double log10PValue(int n, double total) {
        return n == 0 ? 0 : Binomial.log10UpperTail(n, (int) Math.round(total), scheme.gamma());
      }

      @Override
      public double nullPValue(int n, double total, double tieBreak) {
        int k = (int) Math.round(total);
        double above = Binomial.upperTail(n, k + 1, scheme.gamma());
        return above + tieBreak * (Binomial.upperTail(n, k, scheme.gamma()) - above);
      }
    };
  }

  /** The Gumbel (exponential) scorer: {@code -ln(1 - u)} per tuple, exact Gamma(n, 1) tail. */
  public static Scorer gumbel(GumbelScheme scheme) {
    return new Scorer() {
      @Override
      public int contextWidth() {
        return scheme.contextWidth();
      }

      @Override
      public long tuple(int[] tokens, int i) {
        return mixTuple(scheme.seed(tokens, i), tokens[i]);
      }

      @Override
      public long context(int[] tokens, int i) {
        return scheme.seed(tokens, i);
      }

      @Override
      public double score(int[] tokens, int i) {
        return GumbelScheme.score(scheme.seed(tokens, i), tokens[i]);
      }

      @Override
      public double pValue(int n, double total) {
        return Math.pow(10, log10PValue(n, total));
      }

      @Override
      public double log10PValue(int n, double total) {
        return n == 0 ? 0 : GammaTail.log10Upper(n, total);
      }
    };
  }

  /** A tuple key from the context's keyed seed and the token (64-bit mix; collisions ~2^-64). */
  static long mixTuple(long seed, int token) {
    long x = seed ^ (token * 0x9E3779B97F4A7C15L);
    x ^= x >>> 33;
    x *= 0xFF51AFD7ED558CCDL;
    x ^= x >>> 33;
    x *= 0xC4CEB9FE1A85EC53L;
    return x ^ (x >>> 33);
  }
}
