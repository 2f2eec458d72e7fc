package dev.moat;

import dev.moat.internal.Logits;
import dev.moat.internal.Messages;
import dev.moat.internal.TokenBuffer;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import dev.moat.state.ActivityLedger;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Moat's part of one generation request, driven by the host's sampling loop:
 *
 * <pre>{@code
 * try (MoatRequest r = moat.begin(ctx)) {
 *   while (!done) {
 *     float[] logits = model.forward(...);   // one row of vocabSize
 *     int token = r.sample(logits);          // protections, then temperature/top-k/top-p
 *     long holdNanos = r.accept(token);      // pause before emitting (rate shaping), usually 0
 *     emit(token, holdNanos);
 *   }
 *   r.finish(FinishReason.STOP);
 * }
 * }</pre>
 *
 * <p>Hosts that keep their own sampler call {@link #processLogits} instead of {@link #sample}
 * (allowed unless a protection owns sampling, see {@link #ownsSampling()}), then {@link #accept}.
 * Continuous-batching hosts address rows of a flat {@code [batch × vocab]} array by offset.
 *
 * <p>The path of one token: check the row (length; no NaN or +Infinity) → perturbation protections
 * → watermark protections → sampling (Moat's {@link Sampler} or the protection that owns it) → the
 * host calls {@link #accept} → pacing protections. Each step is allocation-, lock- and log-free.
 *
 * <p>Not thread-safe: one request is driven by one thread at a time.
 */
public final class MoatRequest implements AutoCloseable {
  private final RequestContext context;
  private final String tier;
  private final List<String> applied;
  private final RequestProtection[] protections;
  private final @Nullable RequestProtection samplingOwner;

  /** The first protection, when it can take the level's keyed row into its pass; else null. */
  private final dev.moat.internal.@Nullable FusedBias fusedHead;

  /**
   * Made by the first {@link #sample} call: its scratch is a few vocabulary-sized arrays, which a
   * host that samples itself never needs (measured: 147 KB and, on a fresh heap, 0.6 ms per request
   * at vocab 32,000 when it was made at request start).
   */
  private @Nullable Sampler sampler;

  private final TokenBuffer history;
  private final int vocabSize;
  private final ActivityLedger.Activity account;
  private final ActivityLedger.@Nullable Activity session;
  private boolean finished;
  private @Nullable FinishReason finishReason;
  private int step;
  private @Nullable Escalator escalator;

  MoatRequest(
      RequestContext context,
      String tier,
      List<String> applied,
      RequestProtection[] protections,
      ActivityLedger.Activity account,
      ActivityLedger.@Nullable Activity session) {
    this.context = context;
    this.tier = tier;
    this.applied = List.copyOf(applied);
    this.protections = protections;
    this.vocabSize = context.vocabSize();
    this.history = new TokenBuffer(context.promptTokens(), context.sampling().maxTokens());
    this.account = account;
    this.session = session;
    RequestProtection owner = null;
    for (RequestProtection p : protections) {
      if (p.ownsSampling()) {
        if (owner != null) {
          throw new IllegalStateException(
              "two protections own sampling in tier '"
                  + tier
                  + "': "
                  + owner.getClass().getName()
                  + " and "
                  + p.getClass().getName());
        }
        owner = p;
      }
    }
    this.samplingOwner = owner;
    this.fusedHead =
        protections.length > 0
                && protections[0] instanceof dev.moat.internal.FusedBias f
                && f.fusable()
            ? f
            : null;
  }

  public RequestContext context() {
    return context;
  }

  /** The tier whose policy this request runs under. */
  public String tier() {
    return tier;
  }

  /** What the policy applied to this request, in pipeline order (no secrets). */
  public List<String> appliedProtections() {
    return applied;
  }

  /** True if a protection chooses tokens itself: the host must call {@link #sample}. */
  public boolean ownsSampling() {
    return samplingOwner != null;
  }

  /** Prompt and accepted tokens so far. */
  public TokenHistory history() {
    return history;
  }

  /** A copy of the tokens accepted so far. */
  public int[] generatedTokens() {
    return history.generatedTokens();
  }

  /** Steps accepted so far. */
  public int steps() {
    return step;
  }

  /** Runs the protections over one row of exactly {@code vocabSize} logits, in place. */
  public void processLogits(float[] logits) {
    if (logits.length != vocabSize) {
      throw new IllegalArgumentException(Messages.logitsLength(logits.length, vocabSize));
    }
    processLogits(logits, 0);
  }

  /**
   * Runs the protections over the row {@code logits[offset .. offset + vocabSize)} of a batch, in
   * place. Not allowed when a protection owns sampling.
   */
  public void processLogits(float[] logits, int offset) {
    checkRow(logits, offset);
    if (samplingOwner != null) {
      throw new IllegalStateException(
          "tier '"
              + tier
              + "' applies a protection that chooses tokens"
              + " itself; call sample() instead of processLogits() and sampling yourself");
    }
    processRow(logits, offset);
  }

  /** Processes one row of exactly {@code vocabSize} logits and picks the next token. */
  public int sample(float[] logits) {
    if (logits.length != vocabSize) {
      throw new IllegalArgumentException(Messages.logitsLength(logits.length, vocabSize));
    }
    return sample(logits, 0);
  }

  /** Processes the row at {@code offset} of a batch and picks its next token. */
  public int sample(float[] logits, int offset) {
    checkRow(logits, offset);
    processRow(logits, offset);
    Sampler sampler = this.sampler;
    if (sampler == null) {
      sampler = this.sampler = new Sampler(context.sampling(), vocabSize); // once per request
    }
    Escalator e = escalator;
    if (e != null) {
      e.beforeSample(sampler);
    }
    RequestProtection owner = samplingOwner;
    if (owner != null) {
      int t = owner.sample(logits, offset, history, sampler);
      if (t < 0 || t >= vocabSize) {
        throw new IllegalStateException(Messages.tokenOutOfRange("sampled token", t, vocabSize));
      }
      return t;
    }
    return sampler.sample(logits, offset);
  }

  /**
   * Records the token the host will emit (whoever sampled it) and returns how many nanoseconds to
   * hold it before emitting; 0 means emit now.
   */
  public long accept(int token) {
    if (token < 0 || token >= vocabSize) {
      throw new IllegalArgumentException(Messages.tokenOutOfRange("token", token, vocabSize));
    }
    if (finished) {
      throw new IllegalStateException(
          "request " + context.requestId() + " already finished (" + finishReason + ")");
    }
    history.append(token);
    step++;
    long hold = 0;
    for (RequestProtection p : protections) {
      hold = Math.max(hold, p.onToken(token, history));
    }
    Escalator e = escalator;
    if (e != null) {
      hold = Math.max(hold, e.onToken(token, history));
    }
    return hold;
  }

  /** Ends the request; later calls are ignored. */
  public void finish(FinishReason reason) {
    if (finished) {
      return;
    }
    finished = true;
    finishReason = reason;
    account.finish(step);
    if (session != null) {
      session.finish(step);
    }
    if (escalator != null) {
      escalator.finish(step);
    }
    for (RequestProtection p : protections) {
      p.onFinish(reason, history);
    }
  }

  /** Whether the next step runs the level's keyed row and the watermark as one pass (tests). */
  boolean fusesNextStep() {
    Escalator e = escalator;
    return e != null && e.rowAddend() != null && fusedHead != null;
  }

  void escalator(Escalator e) {
    this.escalator = e;
  }

  /**
   * The escalation level the request runs at: what it may return ({@link
   * dev.moat.enforce.Level#topLogprobs}, {@link dev.moat.enforce.Level#logprob}), whether to accept
   * {@code logit_bias}, and the pacing already applied through {@link #accept}.
   */
  public dev.moat.enforce.Level level() {
    return escalator == null ? dev.moat.enforce.Level.NONE : escalator.level();
  }

  /**
   * How many {@code top_logprobs} the request may return at its level, when it asked for {@code
   * requested}.
   */
  public int topLogprobs(int requested) {
    return level().topLogprobs(requested);
  }

  /**
   * A log-probability as the request may return it at its level: with the level's keyed noise (from
   * the request's own randomness) and rounding. Unchanged at level 0.
   */
  public double shapeLogprob(double value) {
    Escalator e = escalator;
    return e == null ? value : e.shapeLogprob(value);
  }

  /**
   * A new probing score mid-stream (the detector's verdict refreshed every N tokens): raises the
   * request's level if the tier's ladder says so, at once (pacing included), with an audit record.
   * Levels never fall within a request. Returns true if the level rose.
   */
  public boolean escalate(double score, @Nullable String flaggedGroup) {
    if (!(score >= 0 && score <= 1)) {
      throw new IllegalArgumentException(Messages.invalid("score", score, "in [0, 1]"));
    }
    return escalator != null && escalator.escalate(score, flaggedGroup);
  }

  /** Why the request ended, or null while it runs. */
  public @Nullable FinishReason finishReason() {
    return finishReason;
  }

  /** Finishes as {@link FinishReason#CANCELLED} unless {@link #finish} was called. */
  @Override
  public void close() {
    finish(FinishReason.CANCELLED);
  }

  private void checkRow(float[] logits, int offset) {
    if (offset < 0 || (long) offset + vocabSize > logits.length) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "offset",
              offset,
              "in [0, "
                  + (logits.length - vocabSize)
                  + "] for a logits array of length "
                  + logits.length
                  + " and vocabSize "
                  + vocabSize));
    }
  }

  private void processRow(float[] logits, int offset) {
    int bad = Logits.firstInvalid(logits, offset, vocabSize);
    if (bad >= 0) {
      throw new IllegalArgumentException(Messages.nonFiniteLogit(bad, logits[offset + bad], step));
    }
    Escalator e = escalator;
    RequestProtection[] ps = protections;
    int from = 0;
    if (e != null) {
      // The perturbation stage comes first (Stage). Keyed noise followed by a KGW watermark runs
      // as one pass over the row, bit-identical to the two (MoatRequestFusionTest).
      dev.moat.internal.RowAddend add = e.rowAddend();
      dev.moat.internal.FusedBias head = fusedHead;
      if (add != null && head != null) {
        head.processLogits(logits, offset, history, add);
        from = 1;
      } else {
        e.perturb(logits, offset, history);
      }
    }
    for (int i = from; i < ps.length; i++) {
      ps[i].processLogits(logits, offset, history);
    }
  }
}
