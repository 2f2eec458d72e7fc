package dev.moat.research;

import dev.moat.detect.Features;
import dev.moat.detect.MlpModel;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the probing classifier: one hidden layer of ReLUs and a logistic output, weighted binary
 * cross-entropy, Adam, L2, inputs standardised (the standardisation is folded into the first layer
 * of the exported {@link MlpModel}). Seeded and single-threaded: the same data and seed give the
 * same weights, bit for bit.
 *
 * <p>Not thread-safe: one trainer per thread.
 */
public final class MlpTrainer {
  private final int n = Features.COUNT;
  private final int h;
  private final double[] w1;
  private final double[] b1;
  private final double[] w2;
  private final double[] b2 = new double[1];
  private final double[] mean = new double[Features.COUNT];
  private final double[] std = new double[Features.COUNT];

  /** A network of {@code hidden} ReLUs, its weights initialised from {@code seed}. */
  public MlpTrainer(int hidden, long seed) {
    this.h = hidden;
    w1 = new double[hidden * n];
    b1 = new double[hidden];
    w2 = new double[hidden];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < w1.length; i++) {
      w1[i] = gaussian(r) * Math.sqrt(2.0 / n);
    }
    for (int j = 0; j < hidden; j++) {
      w2[j] = gaussian(r) * Math.sqrt(1.0 / hidden);
    }
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /**
   * Fits the network to the rows, standardising the inputs first.
   *
   * @param x rows of {@link Features#COUNT} features, one after another
   * @param y labels (1 = campaign)
   * @param weight per-row weights
   * @return the final epoch's weighted mean loss
   */
  public double fit(
      float[] x, byte[] y, double[] weight, int epochs, int batch, double lr, long seed) {
    int rows = y.length;
    double total = 0;
    for (double w : weight) {
      total += w;
    }
    for (int i = 0; i < n; i++) {
      double m = 0;
      for (int r = 0; r < rows; r++) {
        m += weight[r] * x[r * n + i];
      }
      m /= total;
      double v = 0;
      for (int r = 0; r < rows; r++) {
        double d = x[r * n + i] - m;
        v += weight[r] * d * d;
      }
      mean[i] = m;
      std[i] = Math.max(1e-3, Math.sqrt(v / total));
    }
    double scale = rows / total; // mean weight 1
    double l2 = 1e-4;
    double[][] params = {w1, b1, w2, b2};
    double[][] grads = new double[4][];
    double[][] m1 = new double[4][];
    double[][] m2 = new double[4][];
    for (int p = 0; p < 4; p++) {
      grads[p] = new double[params[p].length];
      m1[p] = new double[params[p].length];
      m2[p] = new double[params[p].length];
    }
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    SplittableRandom shuffle = new SplittableRandom(seed);
    double[] in = new double[n];
    double[] hid = new double[h];
    long step = 0;
    double loss = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int i = rows - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      loss = 0;
      for (int start = 0; start < rows; start += batch) {
        int end = Math.min(rows, start + batch);
        for (double[] g : grads) {
          java.util.Arrays.fill(g, 0);
        }
        for (int k = start; k < end; k++) {
          int r = order[k];
          double w = weight[r] * scale;
          for (int i = 0; i < n; i++) {
            in[i] = (x[r * n + i] - mean[i]) / std[i];
          }
          double z = b2[0];
          for (int j = 0; j < h; j++) {
            double a = b1[j];
            for (int i = 0; i < n; i++) {
              a += w1[j * n + i] * in[i];
            }
            hid[j] = Math.max(0, a);
            z += w2[j] * hid[j];
          }
          double p = 1 / (1 + Math.exp(-z));
          double target = y[r];
          loss +=
              w
                  * -(target * Math.log(Math.max(p, 1e-12))
                      + (1 - target) * Math.log(Math.max(1 - p, 1e-12)));
          double dz = w * (p - target);
          grads[3][0] += dz;
          for (int j = 0; j < h; j++) {
            grads[2][j] += dz * hid[j];
            if (hid[j] > 0) {
              double dh = dz * w2[j];
              grads[1][j] += dh;
              for (int i = 0; i < n; i++) {
                grads[0][j * n + i] += dh * in[i];
              }
            }
          }
        }
        step++;
        int size = end - start;
        double c1 = 1 - Math.pow(0.9, (double) step);
        double c2 = 1 - Math.pow(0.999, (double) step);
        for (int p = 0; p < 4; p++) {
          double[] q = params[p];
          for (int i = 0; i < q.length; i++) {
            double g = grads[p][i] / size + (p == 0 || p == 2 ? l2 * q[i] : 0);
            m1[p][i] = 0.9 * m1[p][i] + 0.1 * g;
            m2[p][i] = 0.999 * m2[p][i] + 0.001 * g * g;
            q[i] -= lr * (m1[p][i] / c1) / (Math.sqrt(m2[p][i] / c2) + 1e-8);
          }
        }
      }
      loss /= rows;
    }
    return loss;
  }

  /** The trained model, standardisation folded into the first layer. */
  public MlpModel model(float threshold, float[] reference, Map<String, Object> metadata) {
    float[] fw1 = new float[h * n];
    float[] fb1 = new float[h];
    float[] fw2 = new float[h];
    for (int j = 0; j < h; j++) {
      double b = b1[j];
      for (int i = 0; i < n; i++) {
        double w = w1[j * n + i] / std[i];
        fw1[j * n + i] = (float) w;
        b -= w * mean[i];
      }
      fb1[j] = (float) b;
      fw2[j] = (float) w2[j];
    }
    return new MlpModel(fw1, fb1, fw2, (float) b2[0], threshold, reference, metadata);
  }
}
