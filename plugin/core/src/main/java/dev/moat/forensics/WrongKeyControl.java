package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import dev.moat.key.WatermarkKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The wrong-key control of a radioactivity test: the suspect's tuples scored under K keys that were
 * never used, which puts the analytic p-value beside an empirical one and checks the analytic
 * null's calibration on the suspect's own text.
 *
 * <ul>
 *   <li><b>Empirical p-value:</b> {@code (1 + #{j : score_j >= score_true}) / (K + 1)}, the rank of
 *       the true key among K + 1 keys. Under the null (the suspect never saw our key) the true key
 *       is one more key the suspect knows nothing about, so its rank is uniform and this p-value is
 *       valid whatever the text's dependence structure; it can be no smaller than 1/(K + 1). Every
 *       key scores the same tuples ({@link SuspectTuples}), so scores compare directly.
 *   <li><b>Calibration:</b> the wrong keys' p-values must be Uniform(0, 1); {@link
 *       KolmogorovSmirnov} tests that. KGW's atom at the observed count is split by a keyed tie
 *       break ({@link Radioactivity.Scorer#nullPValue}), which makes the p-value exactly uniform
 *       under the null.
 * </ul>
 *
 * <p>The wrong keys are public and reproducible: key j's material is {@code SHA-256("moat-wrong-
 * key-v1" || 0x00 || le64(seed) || le32(j))} (32 bytes) and its tie break is {@code ((le64 of the
 * first 8 bytes of SHA-256("moat-wrong-key-v1/tiebreak" || 0x00 || le64(seed) || le32(j))) >>> 11)
 * + 0.5) · 2^-53}. Derived from a public label they cannot be anyone's production key (those come
 * from a secure random source), and a verifier derives the same keys from the seed.
 *
 * <p>Thread-safe: stateless; {@link #run} scores the keys in parallel on the common pool.
 */
public final class WrongKeyControl {
  /** The label wrong keys are derived from. */
  public static final String DERIVATION = "moat-wrong-key-v1";

  /** Fewest and most wrong keys a control takes. */
  public static final int MIN_KEYS = 100;

  public static final int MAX_KEYS = KolmogorovSmirnov.MAX_N;

  private WrongKeyControl() {}

  /** The control's result. Immutable and thread-safe (the arrays are copied out). */
  public static final class Result {
    private final int keys;
    private final long seed;
    private final int tuples;
    private final double[] scores;
    private final double[] nullPValues;
    private final double trueScore;
    private final int atLeast;
    private final KolmogorovSmirnov.Result ks;

    Result(
        int keys,
        long seed,
        int tuples,
        double[] scores,
        double[] nullPValues,
        double trueScore,
        int atLeast,
        KolmogorovSmirnov.Result ks) {
      this.keys = keys;
      this.seed = seed;
      this.tuples = tuples;
      this.scores = scores;
      this.nullPValues = nullPValues;
      this.trueScore = trueScore;
      this.atLeast = atLeast;
      this.ks = ks;
    }

    /** K, the wrong keys scored. */
    public int keys() {
      return keys;
    }

    /** The seed the wrong keys were derived from. */
    public long seed() {
      return seed;
    }

    /** Tuples each key scored. */
    public int tuples() {
      return tuples;
    }

    /** Each wrong key's total score, by index j. */
    public double[] scores() {
      return scores.clone();
    }

    /** Each wrong key's randomised p-value ({@link Radioactivity.Scorer#nullPValue}), by j. */
    public double[] nullPValues() {
      return nullPValues.clone();
    }

    /** The true key's score on the same tuples. */
    public double trueScore() {
      return trueScore;
    }

    /** Wrong keys scoring at least the true key. */
    public int atLeast() {
      return atLeast;
    }

    /** The KS test that the wrong keys' p-values are uniform. */
    public KolmogorovSmirnov.Result ks() {
      return ks;
    }

    /** {@code (1 + atLeast) / (keys + 1)}. */
    public double empiricalP() {
      return (1.0 + atLeast) / (keys + 1.0);
    }

    /** Wrong keys whose p-value is at most {@code alpha}. */
    public int belowAlpha(double alpha) {
      int c = 0;
      for (double p : nullPValues) {
        if (p <= alpha) {
          c++;
        }
      }
      return c;
    }
  }

  /**
   * Scores {@code tuples} under wrong keys {@code 0 .. keys-1} of {@code seed}.
   *
   * @param scorers the scheme's scorer for a key (the same scheme and parameters as the true key's)
   * @param trueScore the true key's score on the same tuples
   */
  public static Result run(
      Function<WatermarkKey, Radioactivity.Scorer> scorers,
      SuspectTuples tuples,
      double trueScore,
      int keys,
      long seed) {
    if (keys < MIN_KEYS || keys > MAX_KEYS) {
      throw new IllegalArgumentException(
          invalid("wrong keys", keys, "in [" + MIN_KEYS + ", " + MAX_KEYS + "]"));
    }
    double[] scores = new double[keys];
    double[] p = new double[keys];
    int n = tuples.size();
    IntStream.range(0, keys)
        .parallel()
        .forEach(
            j -> {
              Radioactivity.Scorer s = scorers.apply(key(seed, j));
              scores[j] = tuples.score(s);
              p[j] = s.nullPValue(n, scores[j], tieBreak(seed, j));
            });
    int atLeast = (int) Arrays.stream(scores).filter(x -> x >= trueScore).count();
    return new Result(keys, seed, n, scores, p, trueScore, atLeast, KolmogorovSmirnov.uniform(p));
  }

  /** Wrong key {@code j} of {@code seed} (id {@code wrong-j}). */
  public static WatermarkKey key(long seed, int j) {
    return WatermarkKey.of("wrong-" + j, sha256(DERIVATION, seed, j));
  }

  /** Wrong key {@code j}'s tie break, in (0, 1). */
  public static double tieBreak(long seed, int j) {
    long bits =
        ByteBuffer.wrap(sha256(DERIVATION + "/tiebreak", seed, j))
            .order(ByteOrder.LITTLE_ENDIAN)
            .getLong(0);
    return ((bits >>> 11) + 0.5) * 0x1.0p-53;
  }

  private static byte[] sha256(String label, long seed, int j) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(label.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(
          ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(seed).putInt(j).array());
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
