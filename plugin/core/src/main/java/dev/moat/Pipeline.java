package dev.moat;

import dev.moat.internal.FusedBias;
import dev.moat.internal.RowAddend;
import dev.moat.spi.FinishReason;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import org.jspecify.annotations.Nullable;

/**
 * One request's protections compiled into the order they run, when the request starts and again
 * when its level changes (never per token). Its input is the level's effects and the tier's
 * protections, each already in {@link dev.moat.spi.Stage} order; the level's perturbations come
 * before the tier's, so the pipeline is: the level's perturbations (keyed noise, anti-distillation)
 * → the tier's protections by stage (perturbation, watermark, pacing) → sampling (with the level's
 * temperature jitter) → the level's pacing.
 *
 * <p>Fusion is decided here, once: when the level's only row effect is a {@link RowAddend} (keyed
 * noise) and the tier's first protection is a {@link FusedBias} that can take it (KGW without an
 * entropy gate or self-hash), the two run as one pass over the row, bit-identical to the two in a
 * row.
 *
 * <p>Immutable after compilation; the per-request states it holds are driven by the request's
 * thread.
 */
final class Pipeline {
  private static final RequestProtection[] NONE = {};

  /** Edit the row, in order (a fused pair counts as one). */
  private final RequestProtection[] rows;

  /** Told each accepted token, in order; every protection, fused or not. */
  private final RequestProtection[] tokens;

  /** Told the request finished: the tier's protections. */
  private final RequestProtection[] finishers;

  private final @Nullable RequestProtection owner;
  private final @Nullable TemperatureJitter jitter;
  private final boolean fused;

  private Pipeline(
      RequestProtection[] rows,
      RequestProtection[] tokens,
      RequestProtection[] finishers,
      @Nullable RequestProtection owner,
      @Nullable TemperatureJitter jitter,
      boolean fused) {
    this.rows = rows;
    this.tokens = tokens;
    this.finishers = finishers;
    this.owner = owner;
    this.jitter = jitter;
    this.fused = fused;
  }

  /**
   * @param perturbations the level's row effects, in order
   * @param jitter the level's temperature jitter, or null
   * @param pacer the level's pacing, or null
   * @param tier the tier's protections in stage order
   * @param tierName for the error when two protections own sampling
   */
  static Pipeline compile(
      RequestProtection[] perturbations,
      @Nullable TemperatureJitter jitter,
      @Nullable RequestProtection pacer,
      RequestProtection[] tier,
      String tierName) {
    RequestProtection owner = null;
    for (RequestProtection p : tier) {
      if (p.ownsSampling()) {
        if (owner != null) {
          throw new IllegalStateException(
              "two protections own sampling in tier '"
                  + tierName
                  + "': "
                  + owner.getClass().getName()
                  + " and "
                  + p.getClass().getName());
        }
        owner = p;
      }
    }
    boolean fuse =
        perturbations.length == 1
            && perturbations[0] instanceof RowAddend
            && tier.length > 0
            && tier[0] instanceof FusedBias f
            && f.fusable();
    RequestProtection[] rows;
    if (fuse) {
      rows = new RequestProtection[tier.length];
      rows[0] = new Fused((FusedBias) tier[0], (RowAddend) perturbations[0]);
      System.arraycopy(tier, 1, rows, 1, tier.length - 1);
    } else {
      rows = concat(perturbations, tier);
    }
    RequestProtection[] tokens =
        concat(perturbations, pacer == null ? tier : concat(tier, new RequestProtection[] {pacer}));
    return new Pipeline(rows, tokens, tier, owner, jitter, fuse);
  }

  static Pipeline of(RequestProtection[] tier, String tierName) {
    return compile(NONE, null, null, tier, tierName);
  }

  /** The row's edits, in place, in pipeline order. */
  void processRow(float[] logits, int offset, TokenHistory history) {
    for (RequestProtection p : rows) {
      p.processLogits(logits, offset, history);
    }
  }

  /** The protection that chooses tokens itself, or null. */
  @Nullable RequestProtection owner() {
    return owner;
  }

  /** The level's temperature jitter, applied when Moat samples; or null. */
  @Nullable TemperatureJitter jitter() {
    return jitter;
  }

  /** The longest hold any protection asks for the accepted token. */
  long onToken(int token, TokenHistory history) {
    long hold = 0;
    for (RequestProtection p : tokens) {
      hold = Math.max(hold, p.onToken(token, history));
    }
    return hold;
  }

  void onFinish(FinishReason reason, TokenHistory history) {
    for (RequestProtection p : finishers) {
      p.onFinish(reason, history);
    }
  }

  boolean fused() {
    return fused;
  }

  private static RequestProtection[] concat(RequestProtection[] a, RequestProtection[] b) {
    if (a.length == 0) {
      return b;
    }
    RequestProtection[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** A keyed row and the stage that takes it into its own pass. */
  private static final class Fused implements RequestProtection {
    private final FusedBias head;
    private final RowAddend addend;

    Fused(FusedBias head, RowAddend addend) {
      this.head = head;
      this.addend = addend;
    }

    @Override
    public void processLogits(float[] logits, int offset, TokenHistory history) {
      head.processLogits(logits, offset, history, addend);
    }
  }
}
