package dev.moat;

import dev.moat.internal.FusedBias;
import dev.moat.internal.Kernels;
import dev.moat.internal.Logits;
import dev.moat.internal.RowAddend;
import dev.moat.internal.RowSummary;
import dev.moat.spi.FinishReason;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One request's protections compiled into the order they run, when the request starts and again
 * when its level changes (never per token). Its input is the level's effects and the tier's
 * protections, each already in {@link dev.moat.spi.Stage} order; the level's perturbations come
 * before the tier's, so the pipeline is: the level's perturbations (keyed noise, anti-distillation)
 * → the tier's protections by stage (perturbation, watermark, pacing) → sampling (with the level's
 * temperature jitter) → the level's pacing.
 *
 * <p>Fusion is decided here, once: when the tier's first protection is a {@link FusedBias} that can
 * fuse (KGW without an entropy gate or self-hash), it takes the row check into its own pass, and
 * when the level's only row effect is a {@link RowAddend} (keyed noise), that too: one pass over
 * the row, bit-identical to the check, the noise and the watermark in a row.
 *
 * <p>Immutable after compilation; the per-request states it holds are driven by the request's
 * thread.
 */
final class Pipeline {
  private static final RequestProtection[] NONE = {};
  private static final Kernels KERNELS = Kernels.get();

  /** Edit the row, in order, after the {@link #head} if there is one. */
  private final RequestProtection[] rows;

  /** Told each accepted token, in order; every protection, fused or not. */
  private final RequestProtection[] tokens;

  /** Told the request finished: the tier's protections. */
  private final RequestProtection[] finishers;

  private final @Nullable RequestProtection owner;
  private final @Nullable TemperatureJitter jitter;
  private final boolean fused;

  /** The first row stage if it takes the row check into its pass (and the addend it fuses). */
  private final @Nullable FusedBias head;

  private final @Nullable RowAddend headAddend;

  private Pipeline(
      RequestProtection[] rows,
      RequestProtection[] tokens,
      RequestProtection[] finishers,
      @Nullable RequestProtection owner,
      @Nullable TemperatureJitter jitter,
      boolean fused,
      @Nullable FusedBias head,
      @Nullable RowAddend headAddend) {
    this.rows = rows;
    this.tokens = tokens;
    this.finishers = finishers;
    this.owner = owner;
    this.jitter = jitter;
    this.fused = fused;
    this.head = head;
    this.headAddend = headAddend;
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
    // The head: a first stage that takes the row check (and the level's keyed row, if fused) into
    // its own pass. The other row stages follow it.
    FusedBias head = null;
    RowAddend headAddend = null;
    RequestProtection[] rows;
    if (fuse) {
      head = (FusedBias) tier[0];
      headAddend = (RowAddend) perturbations[0];
      rows = Arrays.copyOfRange(tier, 1, tier.length);
    } else if (perturbations.length == 0
        && tier.length > 0
        && tier[0] instanceof FusedBias f
        && f.fusable()) {
      head = f;
      rows = Arrays.copyOfRange(tier, 1, tier.length);
    } else {
      rows = concat(perturbations, tier);
    }
    RequestProtection[] tokens =
        concat(perturbations, pacer == null ? tier : concat(tier, new RequestProtection[] {pacer}));
    return new Pipeline(editingRows(rows), tokens, tier, owner, jitter, fuse, head, headAddend);
  }

  /**
   * Whether a protection's class overrides {@link RequestProtection#processLogits}: one that keeps
   * the interface's empty default (a protection that owns sampling, or watches tokens only) leaves
   * the row as it is, and the step need not call it, nor give up the one-pass check for it.
   */
  private static final ClassValue<Boolean> EDITS_ROW =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          try {
            return type.getMethod("processLogits", float[].class, int.class, TokenHistory.class)
                    .getDeclaringClass()
                != RequestProtection.class;
          } catch (NoSuchMethodException e) {
            return true; // cannot happen for an implementation; if it did, keep calling it
          }
        }
      };

  /** {@code rows} less the protections that do not edit the row ({@link #EDITS_ROW}). */
  private static RequestProtection[] editingRows(RequestProtection[] rows) {
    int n = 0;
    for (RequestProtection p : rows) {
      n += EDITS_ROW.get(p.getClass()) ? 1 : 0;
    }
    if (n == rows.length) {
      return rows;
    }
    RequestProtection[] kept = new RequestProtection[n];
    int i = 0;
    for (RequestProtection p : rows) {
      if (EDITS_ROW.get(p.getClass())) {
        kept[i++] = p;
      }
    }
    return kept;
  }

  static Pipeline of(RequestProtection[] tier, String tierName) {
    return compile(NONE, null, null, tier, tierName);
  }

  /**
   * The row check ({@link Logits#firstInvalid}) and the row's edits, in place, in pipeline order:
   * returns -1, or the index of the row's first NaN or +Infinity. Then no stage has recorded
   * anything, and the row may hold the first stage's edits: a {@link FusedBias} first in line takes
   * the check into its own pass over the row. With {@code summary} non-null (a step that Moat's
   * sampler samples next, itself or for a protection that owns sampling, which must not edit the
   * row there: {@link RequestProtection#sample}), a head that nothing follows may publish the
   * edited row's maximum and summary there; whatever this step does not publish is cleared.
   */
  int processRow(
      float[] logits,
      int offset,
      int vocabSize,
      TokenHistory history,
      @Nullable RowSummary summary) {
    FusedBias h = head;
    if (summary != null) {
      summary.clear(); // whatever was published was for another row
    }
    if (h == null && summary != null && rows.length == 0) {
      // Level 0 sampled by Moat (or by an owner through Moat's sampler): the check and the
      // sampler's scan in one pass.
      float max = KERNELS.maxChecked(logits, offset, vocabSize, summary.groups());
      if (max <= Float.MAX_VALUE) {
        summary.publish(max);
        return -1;
      }
      return Logits.firstInvalid(logits, offset, vocabSize);
    }
    int bad =
        h == null
            ? Logits.firstInvalid(logits, offset, vocabSize)
            : h.processLogitsChecked(
                logits, offset, history, headAddend, rows.length == 0 ? summary : null);
    if (bad >= 0) {
      return bad;
    }
    for (RequestProtection p : rows) {
      p.processLogits(logits, offset, history);
    }
    if (summary != null) {
      summary.markChecked(); // the sampler need not check the row again
    }
    return -1;
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
}
