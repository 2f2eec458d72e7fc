package dev.moat.sampling;

import dev.moat.internal.BoundedMass;
import dev.moat.internal.ExpMass;
import dev.moat.internal.FloatExp;
import dev.moat.internal.Kernels;
import dev.moat.internal.TopTokens;
import java.util.SplittableRandom;

/**
 * {@link Sampler#sample}'s top-p draw without top-k ({@link #sample}), and its test of whether a
 * proposed token is in the row's nucleus, decided without finding the nucleus ({@link #member}).
 * The sampler proposes tokens from the whole row's softmax ({@link BlockRejection}, exact) and
 * keeps the first one in the nucleus, so that the draw follows the softmax restricted to the
 * nucleus and renormalised, as the walk over the sorted nucleus does; about {@code 1 / topP}
 * proposals a draw on average.
 *
 * <p>The nucleus is {@link Sampler#candidates}'s: weights {@code w = (float) exp((l - max) / T)} of
 * the tokens within the cutoff, their sum {@code S} in double, sorted by weight (descending, lower
 * id first on ties), and the shortest prefix whose running sum reaches {@code S * topP}. A token
 * {@code t} is in it exactly when the running sum of the tokens sorted before it, {@code R}, is
 * below {@code S * topP}. {@link #member} bounds {@code R} and {@code S} and answers {@link #IN} or
 * {@link #OUT} only where the bounds (with the full path's own double rounding, {@code 8 n 2^-53})
 * leave no doubt; otherwise {@link #UNSURE}, and the sampler asks the full path.
 *
 * <ul>
 *   <li>Where few summary groups reach the token ({@value #GATHER_GROUPS} or fewer), the tokens
 *       near and above it are gathered and weighed exactly, so {@code R} is the full path's own
 *       sum, and the gathered weights bound {@code S} from below; the row's mass ({@link
 *       Kernels#expMass}, one pass, within {@link ExpMass#ERROR}) is taken only if that bound does
 *       not settle it, once a row.
 *   <li>Otherwise one pass ({@link Kernels#expMasses}) gives {@code S} and the mass of the tokens
 *       at least a little above and at least a little below the token: scaled logits more than
 *       {@value #APART} apart have strictly ordered float weights, so the first mass bounds {@code
 *       R} from below and the second, less the token's own weight, from above.
 *   <li>A token whose scaled logit lies more than {@value #APART} below a proposal found outside
 *       weighs strictly less, so it is outside too: no pass.
 * </ul>
 *
 * <p>Not thread-safe: part of one request's {@link Sampler}. Allocation-free.
 */
final class NucleusDraw {
  /** {@link #member}'s answers. */
  static final int IN = 1;

  static final int OUT = 0;

  static final int UNSURE = -1;

  /**
   * Scaled logits (floats, compared in double) this far apart have strictly ordered float weights:
   * their exponentials differ by a factor of at least {@code e^1e-6}, more than a float's two
   * half-ulps of rounding ({@code 2^-23}).
   */
  static final double APART = 1e-6;

  /** At most this many summary groups reaching a proposal's cut: gathered and weighed exactly. */
  static final int GATHER_GROUPS = 32;

  private static final Kernels KERNELS = Kernels.get();

  /** The cheaper pass tried before {@link Kernels#expMasses}, where there is one (JDK 25 on). */
  private static final @org.jspecify.annotations.Nullable BoundedMass BOUNDED =
      KERNELS.boundedMass();

  /** Relative error of an {@link Kernels#expMasses} or {@link Kernels#expMass} sum, with room. */
  private static final double E = 1.01 * Math.max(ExpMass.MASSES_ERROR, ExpMass.ERROR);

  private final TopTokens top;
  private final int[] ids;
  private final int vocab;

  /** {@link Nucleus#slack}. */
  private final double slack;

  private final double[] masses = new double[3];

  private final double[] bounded = new double[2];

  /** The row's mass from a pass, NaN until one is made ({@link #newRow}). */
  private double rowMass;

  /** The highest scaled logit of a proposal found outside this row; -Infinity for none. */
  private double outsideX;

  /** Proposals tested, and how each was decided (tests, diagnostics). */
  long tested;

  long byGather;

  long byPass;

  /** Of {@link #byPass}, decided by {@link BoundedMass}'s pass alone. */
  long byBounded;

  long byOutside;

  long unsure;

  /** Passes over the row made: expMasses, expMass and the {@link BoundedMass} pass. */
  long passes;

  /** Rows drawn by the full path's walk after too many refused proposals ({@link #sample}). */
  long gaveUp;

  /**
   * Proposals a draw makes before it draws from the full path's nucleus instead ({@link #sample}):
   * about {@code 1 / topP} are needed on average, but a nucleus of a small share of the row's mass
   * (a small top-p on a flat row) would need many.
   */
  static final int MAX_PROPOSALS = 16;

  private final BlockRejection proposals;
  private final SplittableRandom random;

  NucleusDraw(
      TopTokens top, int[] ids, int vocab, BlockRejection proposals, SplittableRandom random) {
    this.top = top;
    this.ids = ids;
    this.vocab = vocab;
    this.proposals = proposals;
    this.random = random;
    this.slack = Nucleus.slack(vocab);
  }

  /**
   * The draw of {@link Sampler#sample} under top-p without top-k: tokens proposed from the whole
   * row's softmax ({@link BlockRejection}, one set of block bounds a row, each proposal from a
   * fresh seed of the request's randomness) until one is in the nucleus ({@link #member}); where
   * that test is unsure, the full path finds the nucleus ({@link Sampler#candidates}) and the row's
   * later proposals are judged against its last token. Every proposal is accepted exactly when it
   * is in that nucleus, so the draw follows the walk over the sorted nucleus's distribution (not
   * its picks for a seed). After {@value #MAX_PROPOSALS} refused proposals the row is drawn by that
   * walk: exact, since whatever was refused, the rest of a rejection draw follows the nucleus's
   * weights.
   */
  int sample(Sampler sampler, float[] logits, int offset, float invT, float topP) {
    float max = top.scanMax(logits, offset);
    if (max == Float.NEGATIVE_INFINITY) {
      throw new IllegalArgumentException(
          "every token was excluded: all " + vocab + " logits are -Infinity");
    }
    float floor = max - Sampler.CUTOFF / invT;
    long bounds = proposals.bounds(logits, offset, max, invT);
    newRow();
    float lastWeight = Float.NaN; // the full path's last nucleus token, once it was asked
    int lastId = -1;
    for (int tries = 0; tries < MAX_PROPOSALS; tries++) {
      int t = proposals.draw(logits, offset, random.nextLong(), invT, max, bounds);
      int in = lastId < 0 ? member(logits, offset, t, max, invT, floor, topP) : UNSURE;
      if (in == UNSURE) {
        if (lastId < 0) {
          int n = sampler.candidates(logits, offset);
          lastWeight = sampler.candidateWeight(n - 1);
          lastId = sampler.candidateId(n - 1);
        }
        float w = FloatExp.exp((logits[offset + t] - max) * invT);
        in = t == lastId || Nucleus.sortsBefore(w, t, lastWeight, lastId) ? IN : OUT;
      }
      if (in == IN) {
        return t;
      }
    }
    gaveUp++;
    return sampler.walk(sampler.candidates(logits, offset));
  }

  /** Forgets the last row's mass and outside proposals. */
  void newRow() {
    rowMass = Double.NaN;
    outsideX = Double.NEGATIVE_INFINITY;
  }

  /**
   * Whether token {@code t}, at least {@code floor} and not -Infinity, is in the nucleus of mass
   * {@code topP} of the row: {@link #IN}, {@link #OUT}, or {@link #UNSURE} where the bounds cannot
   * tell. {@code max} is the row's maximum, and the row's summary is this row's ({@link
   * TopTokens#scanMax} done on it). Overwrites {@code ids}.
   */
  int member(float[] logits, int offset, int t, float max, float invT, float floor, float topP) {
    tested++;
    float lt = logits[offset + t];
    float xt = (lt - max) * invT;
    if ((double) xt < outsideX - APART) {
      byOutside++;
      return OUT;
    }
    float wt = FloatExp.exp(xt);
    float cutLo = below(lt, xt, max, invT);
    float[] summary = top.summary();
    int answer;
    if (KERNELS.countAtLeast(summary, summary.length, cutLo) <= GATHER_GROUPS) {
      answer = gathered(logits, offset, t, wt, max, invT, floor, cutLo, topP);
      byGather += answer == UNSURE ? 0 : 1;
    } else {
      answer = bounded(logits, offset, wt, max, invT, cutLo, topP);
      if (answer == UNSURE) {
        float cutHi = above(lt, xt, max, invT);
        KERNELS.expMasses(logits, offset, vocab, max, invT, floor, cutLo, cutHi, masses);
        passes++;
        rowMass = masses[0];
        double rLow = masses[2] / (1 + E);
        double rHigh = Math.max(0, masses[1] / (1 - E) - wt);
        answer = decide(rLow, rHigh, masses[0], topP);
      }
      byPass += answer == UNSURE ? 0 : 1;
    }
    if (answer == OUT) {
      outsideX = Math.max(outsideX, xt);
    } else if (answer == UNSURE) {
      unsure++;
    }
    return answer;
  }

  /**
   * {@link #IN} where {@link BoundedMass}'s pass alone shows it: the running sum before the token
   * is at most the bounded mass at or above {@code cutLo} less its own weight, the row's mass at
   * least the bounded mass's lower bound (a proposal with less than about 84-89% of the mass above
   * it, at top-p 0.95); else {@link #UNSURE}, and the exact pass decides. Never {@link #OUT}: the
   * bounds are too loose for that at the top-p values that need it.
   */
  private int bounded(
      float[] logits, int offset, float wt, float max, float invT, float cutLo, float topP) {
    BoundedMass b = BOUNDED;
    if (b == null) {
      return UNSURE;
    }
    b.masses(logits, offset, vocab, max, invT, cutLo, bounded);
    passes++;
    double rHigh = BoundedMass.upperBound(bounded[1], vocab) - wt;
    double s = BoundedMass.lowerBound(bounded[0], vocab);
    if (rHigh * (1 + slack) < topP * s * (1 - slack)) {
      byBounded++;
      return IN;
    }
    return UNSURE;
  }

  /** {@link #member} from the tokens at or above {@code cutLo}, weighed exactly. */
  private int gathered(
      float[] logits,
      int offset,
      int t,
      float wt,
      float max,
      float invT,
      float floor,
      float cutLo,
      float topP) {
    int m = top.collect(logits, offset, cutLo);
    double before = 0;
    double weighed = 0;
    int[] at = ids;
    for (int j = 0; j < m; j++) {
      int i = at[j];
      float l = logits[offset + i];
      if (!(l >= floor)) {
        continue; // below the cutoff: weighs nothing in the full path
      }
      float w = FloatExp.exp((l - max) * invT);
      weighed += w;
      if (Nucleus.sortsBefore(w, i, wt, t)) {
        before += w;
      }
    }
    // Every candidate was gathered: the row's mass is the gathered weights' (in another order).
    if (cutLo <= floor) {
      return decide(before, before, weighed, topP);
    }
    // The gathered weights are part of the row's mass: enough to keep the token.
    if (before * (1 + slack) < topP * weighed * (1 - slack)) {
      return IN;
    }
    if (Double.isNaN(rowMass)) {
      rowMass = KERNELS.expMass(logits, offset, vocab, max, invT, floor, Float.POSITIVE_INFINITY);
      passes++;
    }
    return decide(before, before, rowMass, topP);
  }

  /**
   * {@link #IN} if the running sum before the token, between {@code rLow} and {@code rHigh}, is
   * below {@code topP} times the row's mass {@code s} (an estimate within {@link #E}) however the
   * full path rounds; {@link #OUT} if it reaches it however it rounds; else {@link #UNSURE}.
   */
  private int decide(double rLow, double rHigh, double s, float topP) {
    if (rHigh * (1 + slack) < topP * (s / (1 + E)) * (1 - slack)) {
      return IN;
    }
    if (rLow * (1 - slack) >= topP * (s / (1 - E)) * (1 + slack)) {
      return OUT;
    }
    return UNSURE;
  }

  /**
   * A cut below {@code lt} such that every entry below it has a scaled logit more than {@link
   * #APART} below {@code xt}: the scaled logit is monotone in the logit, so checking the float just
   * below the cut is enough.
   */
  private static float below(float lt, float xt, float max, float invT) {
    double m = 1e-5 * (1 + Math.abs(xt)) / invT + 1e-6 * (Math.abs(lt) + Math.abs(max));
    for (; ; m *= 2) {
      float c = (float) (lt - m);
      if (c == Float.NEGATIVE_INFINITY
          || (double) ((Math.nextDown(c) - max) * invT) < (double) xt - APART) {
        return c;
      }
    }
  }

  /**
   * A cut above {@code lt} such that every entry at or above it is more than {@link #APART} above.
   */
  private static float above(float lt, float xt, float max, float invT) {
    double m = 1e-5 * (1 + Math.abs(xt)) / invT + 1e-6 * (Math.abs(lt) + Math.abs(max));
    for (; ; m *= 2) {
      float c = (float) (lt + m);
      if (c == Float.POSITIVE_INFINITY || (double) ((c - max) * invT) > (double) xt + APART) {
        return c;
      }
    }
  }
}
