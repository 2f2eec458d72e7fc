package dev.moat.research.usage;

import java.util.List;
import java.util.SplittableRandom;

/** Random draws used throughout the generator. Stateless; thread-safe. */
final class Dist {
  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  private Dist() {}

  static double uniform(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  static int between(SplittableRandom r, int lo, int hi) {
    return lo + r.nextInt(hi - lo + 1);
  }

  /** Log-normal with the given median and log-space standard deviation. */
  static double logNormal(SplittableRandom r, double median, double sigma) {
    return median * Math.exp(sigma * r.nextGaussian());
  }

  /** A count of at least 1 with the given mean (shifted geometric). */
  static int atLeastOne(SplittableRandom r, double mean) {
    if (mean <= 1) {
      return 1;
    }
    double p = 1 / mean;
    return 1 + (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(1 - p));
  }

  /** Poisson count (Knuth for small means, normal approximation above 50). */
  static int poisson(SplittableRandom r, double mean) {
    if (mean > 50) {
      return Math.max(0, (int) Math.round(mean + Math.sqrt(mean) * r.nextGaussian()));
    }
    double l = Math.exp(-mean);
    double p = 1;
    int k = 0;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l);
    return k - 1;
  }

  static boolean chance(SplittableRandom r, double p) {
    return r.nextDouble() < p;
  }

  static <T> T pick(SplittableRandom r, List<T> items) {
    return items.get(r.nextInt(items.size()));
  }

  static String pick(SplittableRandom r, String[] items) {
    return items[r.nextInt(items.length)];
  }

  static double pick(SplittableRandom r, double[] items) {
    return items[r.nextInt(items.length)];
  }

  static int pick(SplittableRandom r, int[] items) {
    return items[r.nextInt(items.length)];
  }

  /** Index drawn in proportion to the weights. */
  static int weighted(SplittableRandom r, double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double x = r.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  /** A 64-bit mix (SplitMix64's finaliser), for stable per-key decisions. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A stable number in [0, 1) for a key. */
  static double unit(long key) {
    return (mix(key) >>> 11) * 0x1.0p-53;
  }
}
