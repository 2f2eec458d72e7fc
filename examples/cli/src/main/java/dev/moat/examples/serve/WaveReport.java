package dev.moat.examples.serve;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@link WaveBench}'s own report beside {@link BenchStats}'s: where a token's time goes by the
 * server's timers, and every wave's figures as a CSV file.
 *
 * <p>Stateless; not instantiable.
 */
final class WaveReport {
  private WaveReport() {}

  /**
   * Where a token's time goes by the server's own timers, per configuration: the sampling step
   * (Moat's work, or the plain sampler when Moat is off: {@code moat_token_overhead_seconds}) and
   * the model step, per token, medians of the waves; then each level's sampling step minus Moat
   * off's in the same round, the mean with its 95% interval (Student's t over rounds).
   */
  static void split(
      List<ServeBench.Phase> list, double[][] split, int[] configs, int rounds, PrintStream out) {
    int n = configs.length;
    double[][] sampling = new double[n][rounds];
    double[][] modelStep = new double[n][rounds];
    long[] tokens = new long[n];
    long[] requests = new long[n];
    int off = 0;
    for (int p = 0; p < list.size(); p++) {
      int i = 0;
      while (configs[i] != list.get(p).config) {
        i++;
      }
      sampling[i][p / n] = split[p][0];
      modelStep[i][p / n] = split[p][1];
      tokens[i] += list.get(p).tokens.sum();
      requests[i] += list.get(p).requests.sum();
      if (configs[i] < 0) {
        off = i;
      }
    }
    out.println();
    out.println(
        "| | sampling step per token, µs (median of waves) | minus Moat off's, same round: mean"
            + " (95% interval), µs | model step per token, µs (median of waves) | tokens per"
            + " request |");
    out.println("|---|---|---|---|---|");
    for (int i = 0; i < n; i++) {
      double[] diff = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        diff[r] = sampling[i][r] - sampling[off][r];
      }
      double[] ci = meanInterval(diff);
      out.printf(
          Locale.ROOT,
          "| %s | %.1f | %s | %.1f | %.2f |%n",
          configs[i] < 0 ? "Moat off" : "level " + configs[i],
          BenchStats.median(sampling[i]) / 1e3,
          i == off
              ? "—"
              : String.format(
                  Locale.ROOT, "%+.1f (%+.1f to %+.1f)", ci[0] / 1e3, ci[1] / 1e3, ci[2] / 1e3),
          BenchStats.median(modelStep[i]) / 1e3,
          requests[i] > 0 ? (double) tokens[i] / requests[i] : 0);
    }
  }

  /** One line per counted wave, in the order run: its round, configuration and figures. */
  static void writeCsv(Path csv, List<ServeBench.Phase> list, double[][] split, int perRound)
      throws java.io.IOException {
    StringBuilder sb =
        new StringBuilder(
            "round,config,seconds,tokens,requests,errors,server_cpu_ns,sampling_ns_per_token,"
                + "model_ns_per_token\n");
    for (int p = 0; p < list.size(); p++) {
      ServeBench.Phase ph = list.get(p);
      sb.append(p / perRound)
          .append(',')
          .append(ph.config < 0 ? "off" : "level" + ph.config)
          .append(',')
          .append(String.format(Locale.ROOT, "%.6f", (ph.end - ph.countFrom) / 1e9))
          .append(',')
          .append(ph.tokens.sum())
          .append(',')
          .append(ph.requests.sum())
          .append(',')
          .append(ph.errors.sum())
          .append(',')
          .append(ph.cpuFrom < 0 ? -1 : ph.cpuEnd - ph.cpuFrom)
          .append(',')
          .append(String.format(Locale.ROOT, "%.0f", split[p][0]))
          .append(',')
          .append(String.format(Locale.ROOT, "%.0f", split[p][1]))
          .append('\n');
    }
    Files.writeString(csv, sb);
  }

  /** The mean of {@code xs} and its 95% interval (Student's t): {@code {mean, low, high}}. */
  static double[] meanInterval(double[] xs) {
    int k = xs.length;
    double sum = 0;
    for (double x : xs) {
      sum += x;
    }
    double mean = sum / k;
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    double half = BenchStats.t975(k - 1) * Math.sqrt(ss / (k - 1) / k);
    return new double[] {mean, mean - half, mean + half};
  }
}
