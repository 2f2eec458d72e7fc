package dev.moat;

import dev.moat.internal.Messages;
import dev.moat.internal.RowSummary;
import dev.moat.internal.TokenBuffer;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import dev.moat.state.ActivityLedger;
import java.util.List;
import java.util.Objects;
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
 * <p>The path of one token, compiled once per level into a {@link Pipeline}: check the row (length;
 * no NaN or +Infinity; a rejected row throws {@link IllegalArgumentException} and records nothing,
 * but may hold the first stage's edits, since the check rides in that stage's pass where it can) →
 * the level's perturbations (keyed noise, anti-distillation) → the tier's protections in stage
 * order (perturbation, watermark) → sampling (Moat's {@link Sampler}, with the level's temperature
 * jitter, or the protection that owns it) → the host calls {@link #accept} → every protection is
 * told the token, and pacing says how long to hold it. Each step is allocation-, lock- and
 * log-free.
 *
 * <p>Not thread-safe: one request is driven by one thread at a time.
 */
public final class MoatRequest implements AutoCloseable {
  private final RequestContext context;
  private final String tier;
  private final List<String> applied;

  /** The tier's protections for this request, in stage order. */
  private final RequestProtection[] protections;

  /** What runs, in order: recompiled when the level changes. */
  private Pipeline pipeline;

  /**
   * Made by the first {@link #sample} call: its scratch is a few vocabulary-sized arrays, which a
   * host that samples itself never needs (measured: 147 KB and, on a fresh heap, 0.6 ms per request
   * at vocab 32,000 when it was made at request start).
   */
  private @Nullable Sampler sampler;

  /**
   * The sampler's {@link RowSummary}: the fused pass of a step that Moat samples publishes the
   * edited row's maximum and group maxima there, so that the sampler does not scan the row again.
   */
  private @Nullable RowSummary summary;

  private final TokenBuffer history;
  private final int vocabSize;
  private final ActivityLedger.Activity account;
  private final ActivityLedger.@Nullable Activity session;
  private boolean finished;
  private @Nullable FinishReason finishReason;
  private int step;
  private @Nullable Escalator escalator;
  private @Nullable VerdictFeed feed;

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
    this.pipeline = Pipeline.of(protections, tier);
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
    return pipeline.owner() != null;
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
    if (pipeline.owner() != null) {
      throw new IllegalStateException(
          "tier '"
              + tier
              + "' applies a protection that chooses tokens"
              + " itself; call sample() instead of processLogits() and sampling yourself");
    }
    processRow(logits, offset, null);
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
    Sampler sampler = this.sampler;
    RowSummary summary = this.summary;
    if (sampler == null || summary == null) { // once per request
      summary = this.summary = new RowSummary(vocabSize);
      sampler = this.sampler = new Sampler(context.sampling(), vocabSize, summary);
    }
    processRow(logits, offset, summary);
    Pipeline p = pipeline;
    TemperatureJitter jitter = p.jitter();
    if (jitter != null) {
      jitter.beforeSample(sampler);
    }
    RequestProtection owner = p.owner();
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
    VerdictFeed f = feed;
    if (f != null && f.onToken()) {
      escalate(f.escalationScore(), f.flaggedGroup()); // compiles a new pipeline if the level rises
    }
    return pipeline.onToken(token, history);
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
    pipeline.onFinish(reason, history);
  }

  /** How many steps' passes left their row's maximum and summary to the sampler (tests). */
  long rowSummariesPublished() {
    RowSummary s = summary;
    return s == null ? 0 : s.published();
  }

  /** Whether the next step runs the level's keyed row and the watermark as one pass (tests). */
  boolean fusesNextStep() {
    return pipeline.fused();
  }

  void escalator(Escalator e) {
    this.escalator = e;
    recompile(e);
  }

  /** The pipeline for the level the request is now at (at start and when the level rises). */
  private void recompile(Escalator e) {
    pipeline = Pipeline.compile(e.perturbations(), e.jitter(), e.pacer(), protections, tier);
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
    Escalator e = escalator;
    if (e == null || !e.escalate(score, flaggedGroup)) {
      return false;
    }
    recompile(e);
    return true;
  }

  /**
   * Follows the account's verdict while the request runs: every token {@link #accept} polls the
   * feed and, when it refreshed, {@link #escalate}s with its score and group. {@link Serving} sets
   * this for the requests it starts.
   */
  public void follow(VerdictFeed feed) {
    this.feed = Objects.requireNonNull(feed, "feed");
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

  private void processRow(float[] logits, int offset, @Nullable RowSummary summary) {
    int bad = pipeline.processRow(logits, offset, vocabSize, history, summary);
    if (bad >= 0) {
      throw new IllegalArgumentException(Messages.nonFiniteLogit(bad, logits[offset + bad], step));
    }
  }
}
