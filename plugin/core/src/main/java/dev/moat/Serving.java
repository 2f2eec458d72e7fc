package dev.moat;

import dev.moat.detect.Detector;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import dev.moat.enforce.Admission;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The lifecycle every host runs around its generation loop, in one place: score the request at its
 * start (the detector's graduated verdict), admit it through the fair delay queue (budgets at the
 * level the verdict gives), begin it, and while it generates re-read the account's verdict every N
 * tokens and raise its level when the tier's ladder says so (inside {@link MoatRequest#accept}).
 * The model server, the ONNX Runtime and DJL loops and a user's own loop all start requests here
 * and then drive the returned {@link MoatRequest}.
 *
 * <pre>{@code
 * Serving serving = Serving.of(moat, detector);
 * serving.start(traceRecord, RequestContext.builder()...).thenAccept(s -> {
 *   if (!s.admitted()) { reply429(s.admission().waitNanos()); return; }
 *   try (MoatRequest r = s.request()) { ...sample, accept, emit...; r.finish(STOP); }
 * });
 * }</pre>
 *
 * <p>Thread-safe: one per server. Without a detector every request starts with verdict score 0 (no
 * escalation from behaviour; budgets still apply).
 */
public final class Serving {
  private final Moat moat;
  private final @Nullable Detector detector;

  private Serving(Moat moat, @Nullable Detector detector) {
    this.moat = Objects.requireNonNull(moat, "moat");
    this.detector = detector;
  }

  /** A facade over {@code moat}, scoring requests with {@code detector} (null: none). */
  public static Serving of(Moat moat, @Nullable Detector detector) {
    return new Serving(moat, detector);
  }

  public Moat moat() {
    return moat;
  }

  /**
   * Starts a request whose trace record is made from its context: account, tier, client, session,
   * prompt text, {@code max_tokens} and temperature (account age and system prompt unknown). Hosts
   * that know more pass their own record to {@link #start(TraceRecord, RequestContext.Builder)}.
   */
  public CompletableFuture<Start> start(RequestContext.Builder context) {
    RequestContext c = context.build();
    TraceRecord record =
        new TraceRecord(
            System.currentTimeMillis(),
            c.account(),
            -1,
            c.tier(),
            c.client(),
            c.session(),
            -1,
            null,
            c.promptText(),
            c.sampling().maxTokens(),
            c.sampling().temperature(),
            0,
            0);
    return start(record, context);
  }

  /**
   * Starts a request: the detector observes {@code record} (the request as the trace format has it)
   * and its verdict goes into {@code context} ({@link RequestContext.Builder#probing}); the request
   * is admitted through {@link Moat#admitQueued}; if admitted it is begun at the admission's level
   * and follows the account's verdict from then on. The future completes on the queue's thread (or
   * at once); it fails only if {@code begin} does (an unknown tier, untrusted overrides).
   */
  public CompletableFuture<Start> start(TraceRecord record, RequestContext.Builder context) {
    Detector d = detector;
    Detector.@Nullable Session session = d == null ? null : d.begin(record);
    Verdict verdict = session == null ? null : session.verdict();
    if (verdict != null) {
      // The graduated verdict, not the raw score: per-account evidence alone reaches the ladder's
      // watch rung (0.5) at most; enforcement needs a flag (1.0).
      context.probing(verdict.escalationScore(), verdict.flagged() ? verdict.group() : null);
    }
    RequestContext ctx = context.build();
    return moat.admitQueued(ctx)
        .thenApply(
            a -> {
              if (!a.admitted()) {
                return new Start(ctx, a, verdict, null);
              }
              MoatRequest r = moat.begin(ctx, a);
              if (session != null) {
                r.follow(new SessionFeed(session));
              }
              return new Start(ctx, a, verdict, r);
            });
  }

  /**
   * How a request started: admitted and begun, or refused with a retry-after.
   *
   * <p>Immutable; the {@link MoatRequest} it carries is the request's own (one thread at a time).
   */
  public static final class Start {
    private final RequestContext context;
    private final Admission admission;
    private final @Nullable Verdict verdict;
    private final @Nullable MoatRequest request;

    Start(
        RequestContext context,
        Admission admission,
        @Nullable Verdict verdict,
        @Nullable MoatRequest request) {
      this.context = context;
      this.admission = admission;
      this.verdict = verdict;
      this.request = request;
    }

    /** True if the request was admitted and begun. */
    public boolean admitted() {
      return request != null;
    }

    /** The admission: its level, token cap, and when refused the reason and the wait. */
    public Admission admission() {
      return admission;
    }

    /** The detector's verdict at the start, or null without a detector. */
    public @Nullable Verdict verdict() {
      return verdict;
    }

    /** The context as built, with the verdict in it. */
    public RequestContext context() {
      return context;
    }

    /**
     * The running request, to drive and finish.
     *
     * @throws IllegalStateException if the request was refused
     */
    public MoatRequest request() {
      MoatRequest r = request;
      if (r == null) {
        throw new IllegalStateException(
            "request " + context.requestId() + " was refused: " + admission.reason());
      }
      return r;
    }
  }

  /** The detector's per-request session as a {@link VerdictFeed}. */
  private static final class SessionFeed implements VerdictFeed {
    private final Detector.Session session;

    SessionFeed(Detector.Session session) {
      this.session = session;
    }

    @Override
    public boolean onToken() {
      return session.onToken();
    }

    @Override
    public double escalationScore() {
      return session.verdict().escalationScore();
    }

    @Override
    public @Nullable String flaggedGroup() {
      Verdict v = session.verdict();
      return v.flagged() ? v.group() : null;
    }
  }
}
