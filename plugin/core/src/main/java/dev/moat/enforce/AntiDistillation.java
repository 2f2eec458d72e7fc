package dev.moat.enforce;

import dev.moat.internal.Messages;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;

/**
 * Anti-distillation sampling in the spirit of Savani et al. 2025: each step lowers the logits of
 * the tokens whose training would most improve a proxy student on a downstream corpus, so that what
 * a distiller harvests teaches less. The proxy is a {@link BigramProxy}, for which the effect of
 * one training token on the downstream loss is exact and costs a table read: after context {@code
 * c}, token {@code x} is lowered by {@code delta · w(c, x)} with {@code w} in {@code [0, 1]} and
 * {@code delta = 2 · sqrt(2 · kl)}, so each step moves the distribution by at most {@code kl} nats
 * of KL (Hoeffding's lemma, as for {@link KeyedNoise}).
 *
 * <p>What it is not: the paper's version takes the proxy's gradient on the downstream loss and two
 * extra forward passes of the proxy per step; a bigram proxy needs neither, and is only as good as
 * a bigram is at standing in for the student (see {@code examples/distill/REPORT.md} for what it
 * costs users and what it does to a student).
 *
 * <p>Per step: the context's entries only (a few on average, never the whole row); special tokens
 * and excluded tokens are left alone. Immutable and thread-safe; allocates nothing per token.
 */
public final class AntiDistillation implements Protection {
  private final BigramProxy proxy;
  private final double kl;
  private final float delta;

  /**
   * @param proxy the proxy student, fitted for the model's vocabulary
   * @param kl the per-step KL budget in nats, in (0, 2]
   */
  public AntiDistillation(BigramProxy proxy, double kl) {
    if (!(kl > 0 && kl <= 2)) {
      throw new IllegalArgumentException(Messages.invalid("anti_distillation_kl", kl, "in (0, 2]"));
    }
    this.proxy = proxy;
    this.kl = kl;
    this.delta = (float) (2 * Math.sqrt(2 * kl));
  }

  /** The largest lowering, {@code 2 · sqrt(2 · kl)} nats. */
  public float delta() {
    return delta;
  }

  @Override
  public String id() {
    return "anti_distillation";
  }

  @Override
  public Stage stage() {
    return Stage.PERTURBATION;
  }

  @Override
  public RequestProtection begin(RequestView request) {
    if (request.vocabSize() != proxy.vocabSize()) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "vocabSize",
              request.vocabSize(),
              "the proxy student's vocabulary size " + proxy.vocabSize()));
    }
    return new PerRequest(proxy, delta, request.specialTokens());
  }

  @Override
  public String describe() {
    return "anti_distillation{kl=" + kl + ", proxy bigram entries=" + proxy.entries() + "}";
  }

  private static final class PerRequest implements RequestProtection {
    private final BigramProxy proxy;
    private final float delta;
    private final int[] special;

    PerRequest(BigramProxy proxy, float delta, int[] special) {
      this.proxy = proxy;
      this.delta = delta;
      this.special = special;
    }

    @Override
    public void processLogits(float[] logits, int offset, TokenHistory history) {
      int n = history.length();
      if (n == 0) {
        return;
      }
      int c = history.get(n - 1);
      int end = proxy.to(c);
      for (int j = proxy.from(c); j < end; j++) {
        int x = proxy.id(j);
        if (!isSpecial(x)) {
          logits[offset + x] -= delta * proxy.weightAt(j);
        }
      }
    }

    private boolean isSpecial(int x) {
      for (int s : special) {
        if (s == x) {
          return true;
        }
      }
      return false;
    }
  }
}
