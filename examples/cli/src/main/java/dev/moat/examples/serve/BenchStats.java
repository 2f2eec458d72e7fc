package dev.moat.examples.serve;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The statistics of {@link ServeBench}: per configuration, throughput per round, and each level's
 * paired ratio to Moat off in the same round, summarised as a geometric mean with a 95% interval
 * (Student's t on the log ratios, rounds as independent pairs). An interval whose lower end is at
 * least the goal certifies it; one that reaches below it does not, however close its middle is.
 *
 * <p>Stateless; not instantiable.
 */
final class BenchStats {
  private BenchStats() {}

  /** Student's t, 97.5th percentile, for 1 to 30 degrees of freedom. */
  private static final double[] T975 = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042
  };

  /** The goals checked: level 0 at least 99% of Moat off, level 2 at least 95%. */
  static final double[][] GOALS = {{0, 0.99}, {2, 0.95}};

  /** Student's t 97.5th percentile for {@code df} degrees of freedom (within 0.01 beyond 30). */
  static double t975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom was " + df + " but must be >= 1");
    }
    return df <= T975.length ? T975[df - 1] : 1.96 + 2.4 / df;
  }

  /**
   * The geometric mean of {@code ratios} and its 95% interval: {@code {mean, low, high}}. Needs at
   * least two ratios, each positive.
   */
  static double[] geometricInterval(double[] ratios) {
    int n = ratios.length;
    if (n < 2) {
      throw new IllegalArgumentException("ratios: " + n + " given but at least 2 are needed");
    }
    double sum = 0;
    for (double r : ratios) {
      if (!(r > 0) || Double.isInfinite(r)) {
        throw new IllegalArgumentException("ratio was " + r + " but must be positive and finite");
      }
      sum += Math.log(r);
    }
    double mean = sum / n;
    double ss = 0;
    for (double r : ratios) {
      double d = Math.log(r) - mean;
      ss += d * d;
    }
    double half = t975(n - 1) * Math.sqrt(ss / (n - 1) / n);
    return new double[] {Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half)};
  }

  /** Prints the table and the goals' verdicts; returns 0, or 1 if any request failed. */
  static int report(List<ServeBench.Phase> list, int[] configs, int rounds, PrintStream out) {
    int n = configs.length;
    double[][] tps = new double[n][rounds];
    double[] ttft = new double[n];
    long[] err = new long[n];
    long[] req = new long[n];
    long[] wrong = new long[n];
    for (int p = 0; p < list.size(); p++) {
      ServeBench.Phase ph = list.get(p);
      int i = index(configs, ph.config);
      double window = Math.max(1, ph.end - ph.countFrom) / 1e9;
      tps[i][p / n] = ph.tokens.sum() / window;
      err[i] += ph.errors.sum();
      req[i] += ph.requests.sum();
      wrong[i] += ph.wrongLevel.sum();
      List<Long> ts;
      synchronized (ph.ttft) {
        ts = new ArrayList<>(ph.ttft);
      }
      Collections.sort(ts);
      ttft[i] += (ts.isEmpty() ? 0 : ts.get(ts.size() / 2) / 1e6) / rounds;
    }
    int off = index(configs, -1);
    out.println();
    out.println(
        "| | tokens/s (median of rounds) | / off (geometric mean of paired rounds) | / off: 95%"
            + " interval | median time to first token | / off | requests | errors | wrong level |");
    out.println("|---|---|---|---|---|---|---|---|---|");
    double[][] intervals = new double[n][];
    for (int i = 0; i < n; i++) {
      intervals[i] = pairedInterval(tps[i], tps[off]);
      out.printf(
          Locale.ROOT,
          "| %s | %.0f | %s | %s | %.0f ms | %.3f | %d | %d | %d |%n",
          configs[i] < 0 ? "Moat off" : "level " + configs[i],
          median(tps[i]),
          intervals[i][0] > 0 ? String.format(Locale.ROOT, "%.3f", intervals[i][0]) : "n/a",
          intervals[i][0] > 0
              ? String.format(Locale.ROOT, "%.3f to %.3f", intervals[i][1], intervals[i][2])
              : "n/a (a round without tokens: phases too short)",
          ttft[i],
          ttft[off] > 0 ? ttft[i] / ttft[off] : 0,
          req[i],
          err[i],
          wrong[i]);
    }
    out.println();
    for (double[] goal : GOALS) {
      if (!has(configs, (int) goal[0])) {
        continue; // a run of fewer levels checks the goals of those it ran
      }
      double[] ci = intervals[index(configs, (int) goal[0])];
      out.printf(
          Locale.ROOT,
          "level %d >= %.0f%% of Moat off: %s (95%% interval %.3f to %.3f over %d rounds)%n",
          (int) goal[0],
          100 * goal[1],
          ci[1] >= goal[1] ? "certified" : "not certified",
          ci[1],
          ci[2],
          rounds);
    }
    reportCpu(list, configs, rounds, out);
    long bad = 0;
    for (int i = 0; i < n; i++) {
      bad += err[i] + wrong[i];
    }
    return bad == 0 ? 0 : 1;
  }

  /**
   * The server's CPU time per token ({@link ServerCpu}) per configuration, each level over Moat off
   * in the same round, and the goals read as CPU-bound throughput: a level keeps at least a share g
   * of Moat off's tokens per second when its CPU per token is at most 1/g of Moat off's.
   */
  static void reportCpu(List<ServeBench.Phase> list, int[] configs, int rounds, PrintStream out) {
    int n = configs.length;
    double[][] cpt = new double[n][rounds];
    for (int p = 0; p < list.size(); p++) {
      ServeBench.Phase ph = list.get(p);
      long tokens = ph.tokens.sum();
      long cpu = ph.cpuEnd - ph.cpuFrom;
      cpt[index(configs, ph.config)][p / n] =
          ph.cpuFrom < 0 || tokens == 0 ? 0 : (double) cpu / tokens;
    }
    int off = index(configs, -1);
    out.println();
    out.println(
        "| | server CPU per token, µs (median of rounds) | / off (geometric mean of paired rounds)"
            + " | / off: 95% interval |");
    out.println("|---|---|---|---|");
    double[][] intervals = new double[n][];
    for (int i = 0; i < n; i++) {
      intervals[i] = pairedInterval(cpt[i], cpt[off]);
      out.printf(
          Locale.ROOT,
          "| %s | %s | %s | %s |%n",
          configs[i] < 0 ? "Moat off" : "level " + configs[i],
          ServerCpu.micros(median(cpt[i])),
          intervals[i][0] > 0 ? String.format(Locale.ROOT, "%.4f", intervals[i][0]) : "n/a",
          intervals[i][0] > 0
              ? String.format(Locale.ROOT, "%.4f to %.4f", intervals[i][1], intervals[i][2])
              : "n/a (no CPU time or no tokens in a round)");
    }
    out.println();
    for (double[] goal : GOALS) {
      if (!has(configs, (int) goal[0])) {
        continue; // a run of fewer levels checks the goals of those it ran
      }
      double[] ci = intervals[index(configs, (int) goal[0])];
      boolean ok = ci[0] > 0 && ci[2] <= 1 / goal[1];
      out.printf(
          Locale.ROOT,
          "level %d CPU per token <= %.4f x Moat off (>= %.0f%% of its throughput where CPU-bound):"
              + " %s (95%% interval %.4f to %.4f over %d rounds)%n",
          (int) goal[0],
          1 / goal[1],
          100 * goal[1],
          ok ? "certified" : "not certified",
          ci[1],
          ci[2],
          rounds);
    }
  }

  /**
   * {@link #geometricInterval} of the per-round ratios {@code on[r] / off[r]}; all zeros when a
   * round has no ratio (no tokens, or a phase shorter than the drain): n/a, never certified.
   */
  static double[] pairedInterval(double[] on, double[] off) {
    double[] ratio = new double[on.length];
    for (int r = 0; r < on.length; r++) {
      ratio[r] = off[r] > 0 ? on[r] / off[r] : 0;
    }
    return positive(ratio) ? geometricInterval(ratio) : new double[] {0, 0, 0};
  }

  private static boolean positive(double[] xs) {
    for (double x : xs) {
      if (!(x > 0) || Double.isInfinite(x)) {
        return false;
      }
    }
    return true;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  private static boolean has(int[] configs, int config) {
    for (int c : configs) {
      if (c == config) {
        return true;
      }
    }
    return false;
  }

  private static int index(int[] configs, int config) {
    for (int i = 0; i < configs.length; i++) {
      if (configs[i] == config) {
        return i;
      }
    }
    throw new IllegalArgumentException("config " + config + " not in " + Arrays.toString(configs));
  }
}
