package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import dev.moat.internal.Binomial;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.KgwScheme;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * The open-weights green-mass test of a KGW (left-hash) watermark: how much of its next-token
 * probability a suspect model puts on our green lists, at contexts of the texts we served. The
 * arg-max test ({@link Radioactivity#openWeights}) keeps one bit per context (is the suspect's
 * favourite green?); a student that saw our watermark in a small share of its data moves its
 * distribution towards green tokens by a little at every context, which an arg-max rarely shows.
 * This test keeps that little.
 *
 * <p>The statistic. The suspect reads each served text; at each position {@code i} whose watermark
 * context {@code c = t[i-h .. i)} has not occurred earlier in the same text, its next-token
 * distribution is taken. The distributions at context {@code c} are averaged into {@code P_c} (each
 * context counts once, as in the arg-max test). Then
 *
 * <pre>
 * S_c = sum over v green under c of P_c(v)            (green mass at c)
 * T   = sum over c of (S_c - g · sum_v P_c(v))         (g = the scheme's exact green fraction)
 * V   = g (1 - g) · sum over c, v of P_c(v)^2
 * z   = T / sqrt(V)
 * </pre>
 *
 * Under the null (the suspect never saw our key) each green indicator is an independent
 * Bernoulli(g) draw of the keyed hash, independent of {@code P}, so {@code T} has mean 0 and
 * variance exactly {@code V}. Two p-values are reported: the normal tail of {@code z}, and
 * Chernoff's bound for this sum of independent scaled Bernoulli terms ({@link ChernoffBound}: the
 * exact moment generating function, minimised over its parameter), which holds without any
 * approximation and is the one {@link Result#detected} uses. Wrong keys ({@link
 * Collected#wrongKeys}) put an empirical p-value and a KS test of the null's calibration beside
 * them.
 *
 * <p>The referenced test. Most of {@code V} is chance: how a clean distribution happens to fall on
 * each context's green list. A model owner has a model that never saw the key in question (its own
 * model without the watermark); when it reads the same texts, the same statistic over {@code P_c -
 * Q_c} (suspect minus reference at the same positions) is exact under the same null (both are
 * independent of the green lists), and its variance {@code g (1 - g) sum (P_c - Q_c)^2} is small
 * for exactly the suspects that matter: students that imitate the reference. A suspect unlike the
 * reference pays for it in variance, so both tests are reported.
 *
 * <p>The weighted test ({@link Statistic#WEIGHTED}): the referenced rows each multiplied by {@code
 * sqrt(n_c)}, {@code n_c} the number of texts in which context c was scored. A student learns the
 * green lists of the contexts it saw often; on the project's own students (KGW h = 1, ρ = 25%) this
 * raised z from 11.9 to 17.3, the best of the weightings tried (powers of n from 0 to 2, and
 * weights by the models' probabilities). Like P and Q, {@code n_c} is independent of c's green list
 * (whether c occurs in a text is settled at its first occurrence, before its green list is used
 * there), so it is as exact as the referenced test.
 *
 * <p>What "exact" leaves out. Each row's weights are independent of that row's own green list,
 * which makes every term's mean 0 under the null. The rows are coupled through the texts: a
 * context's distribution is read after tokens that other contexts' green lists chose, and the bound
 * treats the rows as independent. Clean models reading watermarked text showed no excess (the
 * bundled model on its own answers; the project's clean students, z -1.6 to +0.2); wrong keys,
 * whose green lists chose none of the text, cannot show this coupling.
 *
 * <p>Why only first occurrences. A clean model copies: after {@code ... c x ... c} it predicts
 * {@code x}, and {@code x} was chosen green under {@code c} by our watermark. Scoring the second
 * {@code c} would accuse any model with an induction head. At the first occurrence of {@code c} in
 * a text, nothing in the prefix was chosen under {@code c}'s green list, and the green lists of
 * other contexts are independent of it (different SipHash inputs). The prefix's tokens before
 * {@code contextLength} (a prompt) count as earlier occurrences too.
 *
 * <p>What it does not cover: self-hash seeding (the green list depends on the candidate, so the
 * contexts hardly repeat and each needs a SipHash per candidate; rejected with an error), and
 * Gumbel. Memory: one float per vocabulary entry per distinct context (two with a reference), up to
 * {@code maxContexts} contexts (later new contexts are not scored, and {@link
 * Result#contextsDropped} says how many).
 *
 * <p>Thread-safe: {@link Collected} is immutable; {@link #collect} holds its state on its stack.
 */
public final class GreenMass {
  private GreenMass() {}

  /** A suspect model we can run: its next-token distribution at each position of a text. */
  @FunctionalInterface
  public interface Distributions {
    /**
     * Calls {@code sink} with the suspect's next-token probabilities after {@code text[0 .. i)} for
     * every {@code i} in {@code [1, text.length)}, in order. The array may be reused between calls
     * and must not be kept by the sink.
     */
    void forEach(int[] text, Sink sink);
  }

  /** Receives one position's distribution. */
  @FunctionalInterface
  public interface Sink {
    void accept(int position, float[] probabilities);
  }

  /**
   * The test's result.
   *
   * @param tokens positions looked at
   * @param positions positions scored (first occurrences of their context in their text)
   * @param contexts distinct contexts scored
   * @param contextsDropped first occurrences not scored because {@code maxContexts} was reached
   * @param gamma the exact green fraction g
   * @param greenShare the mean over contexts of {@code S_c / sum_v P_c(v)} (g under the null)
   * @param excess T
   * @param variance V
   * @param z {@code T / sqrt(V)}
   * @param log10NormalP log10 of the normal upper tail at z
   * @param log10BoundP log10 of Chernoff's bound (0 when T <= 0)
   * @param boundLambda the bound's parameter lambda where it was attained (0 when T <= 0; NaN where
   *     the bound was not computed): the bound's exponent at this one lambda, {@code -lambda T +
   *     sum psi(lambda a)}, is {@code log10BoundP · ln 10}, which a verifier checks in one pass
   */
  public record Result(
      long tokens,
      int positions,
      int contexts,
      int contextsDropped,
      double gamma,
      double greenShare,
      double excess,
      double variance,
      double z,
      double log10NormalP,
      double log10BoundP,
      double boundLambda) {
    /** Whether Chernoff's bound rejects the null at {@code alpha}. */
    public boolean detected(double alpha) {
      return log10BoundP <= Math.log10(alpha);
    }
  }

  /** Which rows a test sums, {@code a_c} in the class comment. */
  public enum Statistic {
    /** {@code a_c = P_c}: the suspect alone. */
    PLAIN,
    /** {@code a_c = P_c - Q_c}: the suspect minus the reference. */
    REFERENCED,
    /**
     * {@code a_c = sqrt(n_c) (P_c - Q_c)}, {@code n_c} the number of texts in which context c was
     * scored: a student learns a context's green list where it saw the context often, so those
     * contexts weigh more. Whether c occurs in a text is settled before c's own green list is used
     * there (at its first occurrence), so {@code n_c} is independent of it, as P and Q are.
     */
    WEIGHTED
  }

  /** The suspect's (and the reference's) averaged distributions at the scored contexts. */
  public static final class Collected {
    private final int contextWidth;
    private final int vocab;
    private final int[][] contexts;
    private final int[] counts;
    private final double[] weights;
    private final float[][] mean;
    private final float @Nullable [][] difference;
    private final long tokens;
    private final int positions;
    private final int dropped;

    Collected(
        int contextWidth,
        int vocab,
        int[][] contexts,
        int[] counts,
        float[][] mean,
        float @Nullable [][] difference,
        long tokens,
        int positions,
        int dropped) {
      this.contextWidth = contextWidth;
      this.vocab = vocab;
      this.contexts = contexts;
      this.counts = counts;
      this.weights = new double[counts.length];
      for (int c = 0; c < counts.length; c++) {
        weights[c] = Math.sqrt(counts[c]);
      }
      this.mean = mean;
      this.difference = difference;
      this.tokens = tokens;
      this.positions = positions;
      this.dropped = dropped;
    }

    /** Distinct contexts scored. */
    public int contexts() {
      return contexts.length;
    }

    /** The context width h the contexts were taken at. */
    public int contextWidth() {
      return contextWidth;
    }

    /** The vocabulary size: every distribution's length. */
    public int vocab() {
      return vocab;
    }

    /** Context {@code c}'s tokens (a copy), in the order the tests sum them. */
    public int[] context(int c) {
      return contexts[c].clone();
    }

    /** The suspect's averaged distribution {@code P_c} at context {@code c} (a copy). */
    public float[] distribution(int c) {
      return mean[c].clone();
    }

    /**
     * {@code P_c - Q_c} at context {@code c} (a copy), or null when no reference read the texts.
     */
    public float @Nullable [] difference(int c) {
      float[][] d = difference;
      return d == null ? null : d[c].clone();
    }

    /** Whether a reference read the texts. */
    public boolean hasReference() {
      return difference != null;
    }

    /** The test under {@code scheme} (left-hash KGW of the width the contexts were taken at). */
    public Result test(KgwScheme scheme) {
      return test(scheme, Statistic.PLAIN);
    }

    /**
     * The test of {@code statistic} under {@code scheme}. For the referenced statistics {@link
     * Result#greenShare} is the mean (weighted) difference of the two models' green masses (0 under
     * the null).
     *
     * @throws IllegalStateException for a referenced statistic when no reference read the texts
     */
    public Result test(KgwScheme scheme, Statistic statistic) {
      return score(rows(statistic), rowWeights(statistic), scheme, statistic, true);
    }

    /**
     * The referenced test ({@link Statistic#REFERENCED}): the same statistic over {@code P_c -
     * Q_c}, the suspect's averaged distribution minus the reference's at the same positions.
     *
     * @throws IllegalStateException when no reference read the texts
     */
    public Result referenced(KgwScheme scheme) {
      return test(scheme, Statistic.REFERENCED);
    }

    /** The number of texts whose distributions were averaged at context {@code c}. */
    public int count(int c) {
      return counts[c];
    }

    private float[][] rows(Statistic statistic) {
      if (statistic == Statistic.PLAIN) {
        return mean;
      }
      float[][] d = difference;
      if (d == null) {
        throw new IllegalStateException("no reference model read the texts");
      }
      return d;
    }

    private double @Nullable [] rowWeights(Statistic statistic) {
      return statistic == Statistic.WEIGHTED ? weights : null;
    }

    private Result score(
        float[][] a, double @Nullable [] w, KgwScheme scheme, Statistic statistic, boolean bound) {
      check(scheme);
      boolean share = statistic == Statistic.PLAIN;
      double g = scheme.gamma();
      double t = 0;
      double shares = 0;
      double squares = 0;
      for (int c = 0; c < contexts.length; c++) {
        long seed = scheme.seed(contexts[c], contextWidth);
        double green = 0;
        double all = 0;
        float[] p = a[c];
        double wc = w == null ? 1 : w[c];
        for (int v = 0; v < vocab; v++) {
          double x = wc * p[v];
          all += x;
          squares += x * x;
          if (scheme.isGreen(seed, v)) {
            green += x;
          }
        }
        t += green - g * all;
        shares += !share ? green - g * all : all > 0 ? green / all : g;
      }
      double var = g * (1 - g) * squares;
      double z = var > 0 ? t / Math.sqrt(var) : 0;
      double[] b =
          bound ? ChernoffBound.upperTail(a, w, g, t) : new double[] {Double.NaN, Double.NaN};
      return new Result(
          tokens,
          positions,
          contexts.length,
          dropped,
          g,
          contexts.length == 0 ? (share ? g : 0) : shares / contexts.length,
          t,
          var,
          z,
          Binomial.log10NormalUpperTail(z),
          b[0],
          b[1]);
    }

    /**
     * Scores the same distributions under wrong keys {@code 0 .. keys-1} of {@code seed} ({@link
     * WrongKeyControl#key}), in parallel on the common pool, by the test of {@code statistic}.
     *
     * @param schemes the true key's scheme and parameters for another key
     * @param trueExcess the true key's T in the same test
     */
    public GreenMassWrongKeys wrongKeys(
        Function<WatermarkKey, KgwScheme> schemes,
        double trueExcess,
        int keys,
        long seed,
        Statistic statistic) {
      if (keys < WrongKeyControl.MIN_KEYS || keys > WrongKeyControl.MAX_KEYS) {
        throw new IllegalArgumentException(
            invalid(
                "wrong keys",
                keys,
                "in [" + WrongKeyControl.MIN_KEYS + ", " + WrongKeyControl.MAX_KEYS + "]"));
      }
      float[][] a = rows(statistic);
      double[] w = rowWeights(statistic);
      Result[] r = new Result[keys];
      IntStream.range(0, keys)
          .parallel()
          .forEach(
              j -> {
                KgwScheme k = schemes.apply(WrongKeyControl.key(seed, j));
                // T and z only: the bound is the costly part, and the control needs neither.
                r[j] = score(a, w, k, statistic, false);
              });
      double[] e = new double[keys];
      double[] p = new double[keys];
      for (int j = 0; j < keys; j++) {
        e[j] = r[j].excess();
        p[j] = Math.pow(10, r[j].log10NormalP());
      }
      return new GreenMassWrongKeys(e, p, trueExcess);
    }

    private void check(KgwScheme scheme) {
      if (scheme.selfHash()) {
        throw new IllegalArgumentException(
            "the green-mass test takes left-hash KGW; self-hash seeding was given");
      }
      if (scheme.contextWidth() != contextWidth) {
        throw new IllegalArgumentException(
            invalid("scheme context width", scheme.contextWidth(), "= " + contextWidth));
      }
    }
  }

  /**
   * Has the suspect (and the reference, when given) read {@code texts}, and averages their
   * distributions at the first occurrence of each context in each text.
   *
   * @param contextWidth the scheme's h (at least 1)
   * @param reference a model independent of our key that read the same texts (our own model without
   *     the watermark), or null
   * @param contextLength prompt tokens at the start of every text: positions before it are not
   *     scored (their tokens still count as earlier occurrences)
   * @param vocab the suspect's vocabulary size: every distribution must have this length
   * @param maxContexts most distinct contexts held (each costs {@code 4 · vocab} bytes, twice with
   *     a reference)
   */
  public static Collected collect(
      int contextWidth,
      Distributions suspect,
      @Nullable Distributions reference,
      List<int[]> texts,
      int contextLength,
      int vocab,
      int maxContexts) {
    return GreenMassReader.collect(
        contextWidth, suspect, reference, texts, contextLength, vocab, maxContexts, true);
  }
}
