package dev.moat.research;

import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;
import dev.moat.watermark.KgwScheme;

/**
 * A fingerprint in the spirit of Antidistillation Fingerprinting (2026): a perturbation computed
 * from one forward pass of a proxy model, chosen so that a student trained on the output moves its
 * fingerprint statistic as much as possible. Here the proxy is the served model itself (its logits
 * at this step), the fingerprint statistic is the proxy's green mass {@code G = Σ p(v) g(v)} under
 * a KGW green list (h = 1, so detection is the KGW test), and one gradient step of the proxy's
 * output layer on token {@code x} changes {@code G} by {@code ⟨e_x − p, p ⊙ (g − G)⟩ = p(x)(g(x) −
 * G) − const}. So each logit moves by {@code δ · p(x)(g(x) − G) / max|p(v)(g(v) − G)|}: likely
 * green tokens up, likely red tokens down, unlikely tokens left alone (a student rarely sees them,
 * so moving them teaches it nothing). Every logit moves within {@code [−δ, δ]}: at most {@code
 * δ²/2} nats of KL per step (Hoeffding over a range of 2δ).
 *
 * <p>An experiment's protection, not a product one (examples): it costs a softmax over the row per
 * step. Immutable and thread-safe; per request it allocates a scratch row once.
 */
final class AdfFingerprint implements Protection {
  private final KgwScheme scheme;
  private final float delta;

  AdfFingerprint(KgwScheme scheme, double delta) {
    if (scheme.contextWidth() != 1 || scheme.selfHash()) {
      throw new IllegalArgumentException("the fingerprint uses a KGW green list with h = 1");
    }
    this.scheme = scheme;
    this.delta = (float) delta;
  }

  @Override
  public String id() {
    return "adf_fingerprint";
  }

  @Override
  public Stage stage() {
    return Stage.WATERMARK;
  }

  @Override
  public String describe() {
    return "adf_fingerprint{delta=" + delta + ", gamma=" + scheme.gamma() + "}";
  }

  @Override
  public RequestProtection begin(RequestView request) {
    int vocab = request.vocabSize();
    int[] special = request.specialTokens();
    double[] a = new double[vocab];
    int[] ctx = new int[1];
    return new RequestProtection() {
      @Override
      public void processLogits(float[] logits, int offset, TokenHistory history) {
        int n = history.length();
        if (n < 1) {
          return;
        }
        ctx[0] = history.get(n - 1);
        long seed = scheme.seed(ctx, 1);
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, logits[offset + v]);
        }
        double z = 0;
        double green = 0;
        for (int v = 0; v < vocab; v++) {
          double p = Math.exp(logits[offset + v] - max);
          a[v] = p;
          z += p;
          if (scheme.isGreen(seed, v)) {
            green += p;
          }
        }
        double g = green / z;
        double m = 0;
        for (int v = 0; v < vocab; v++) {
          a[v] = a[v] / z * ((scheme.isGreen(seed, v) ? 1 : 0) - g);
          m = Math.max(m, Math.abs(a[v]));
        }
        if (m == 0) {
          return;
        }
        for (int v = 0; v < vocab; v++) {
          if (!isSpecial(v)) {
            logits[offset + v] += (float) (delta * a[v] / m);
          }
        }
      }

      private boolean isSpecial(int v) {
        for (int s : special) {
          if (s == v) {
            return true;
          }
        }
        return false;
      }
    };
  }
}
