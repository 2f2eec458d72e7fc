package dev.moat.forensics;

/**
 * The wrong-key control of a {@link GreenMass} test: the same averaged distributions scored under K
 * keys never used. Immutable and thread-safe (the arrays are copied out).
 */
public final class GreenMassWrongKeys {
  private final double[] excesses;
  private final double[] pValues;
  private final int atLeast;
  private final KolmogorovSmirnov.Result ks;

  GreenMassWrongKeys(double[] excesses, double[] pValues, double trueExcess) {
    this.excesses = excesses;
    this.pValues = pValues;
    int n = 0;
    for (double e : excesses) {
      n += e >= trueExcess ? 1 : 0;
    }
    this.atLeast = n;
    this.ks = KolmogorovSmirnov.uniform(pValues);
  }

  /** K. */
  public int keys() {
    return excesses.length;
  }

  /** Wrong keys whose T is at least the true key's. */
  public int atLeast() {
    return atLeast;
  }

  /** {@code (1 + atLeast) / (K + 1)}. */
  public double empiricalP() {
    return (1.0 + atLeast) / (keys() + 1.0);
  }

  /** The KS test that the wrong keys' normal p-values are Uniform(0, 1). */
  public KolmogorovSmirnov.Result ks() {
    return ks;
  }

  /** Wrong keys whose normal p-value is at most 1e-3. */
  public int belowMilli() {
    int n = 0;
    for (double p : pValues) {
      n += p <= 1e-3 ? 1 : 0;
    }
    return n;
  }

  /** Each wrong key's T, by index j. */
  public double[] excesses() {
    return excesses.clone();
  }

  /** Each wrong key's normal p-value, by index j. */
  public double[] pValues() {
    return pValues.clone();
  }
}
