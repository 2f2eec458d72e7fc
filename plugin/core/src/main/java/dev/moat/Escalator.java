package dev.moat;

import dev.moat.enforce.Admission;
import dev.moat.enforce.Enforcer;
import dev.moat.enforce.Escalation;
import dev.moat.enforce.Level;
import dev.moat.enforce.LevelChange;
import dev.moat.enforce.Pacing;
import dev.moat.spi.RequestProtection;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One request's escalation: its level, that level's effects as per-request protections (keyed
 * noise, anti-distillation, temperature jitter, pacing) for the request's {@link Pipeline}, its
 * logprob shaping, and its admission to return at the end. Driven by the request's thread: the
 * level changes only at start and in {@link MoatRequest#escalate}, never per token.
 */
final class Escalator {
  private final RequestContext context;
  private final Escalation ladder;
  private final Enforcer enforcer;
  private final @Nullable Admission admission;
  private final Consumer<LevelChange> audit;
  private Level level;
  private @Nullable RequestProtection pacer;
  private final java.util.SplittableRandom random;
  private final java.util.Map<Integer, dev.moat.spi.Protection[]> noise;
  private RequestProtection[] perturbations = NONE;
  private @Nullable TemperatureJitter jitter;
  private static final RequestProtection[] NONE = new RequestProtection[0];

  Escalator(
      RequestContext context,
      Escalation ladder,
      Enforcer enforcer,
      @Nullable Admission admission,
      Consumer<LevelChange> audit,
      java.util.Map<Integer, dev.moat.spi.Protection[]> noise) {
    this.noise = noise;
    this.context = context;
    this.ladder = ladder;
    this.enforcer = enforcer;
    this.admission = admission;
    this.audit = audit;
    this.level = Level.NONE;
    // The request's own keyed randomness for jitter and noise, apart from its sampling stream.
    this.random = new java.util.SplittableRandom(context.sampling().seed() ^ 0x6A09E667F3BCC909L);
    int start =
        admission != null
            ? admission.level()
            : ladder.level(context.probingScore(), context.flaggedGroup() != null);
    moveTo(start, context.probingScore(), context.flaggedGroup());
  }

  Level level() {
    return level;
  }

  /** Raises the level if the new score or group call for it (levels never fall mid-stream). */
  boolean escalate(double score, @Nullable String group) {
    int next = ladder.level(score, group != null);
    if (next <= level.id()) {
      return false;
    }
    moveTo(next, score, group);
    return true;
  }

  private void moveTo(int next, double score, @Nullable String group) {
    if (next == level.id()) {
      return;
    }
    Level l = enforcer.level(next);
    audit.accept(
        new LevelChange(
            context.requestId(),
            context.account(),
            context.session(),
            level.id(),
            next,
            String.format(
                Locale.ROOT,
                "probing score %.3f%s: %s",
                score,
                group == null ? "" : ", group " + group,
                ladder.reason(score, group != null))));
    level = l;
    dev.moat.spi.Protection[] n = noise.get(next);
    RequestProtection[] stream = NONE;
    if (n != null) {
      stream = new RequestProtection[n.length];
      for (int i = 0; i < n.length; i++) {
        stream[i] = n[i].begin(context);
      }
    }
    perturbations = stream;
    jitter =
        l.temperatureJitter() > 0 ? new TemperatureJitter(l.temperatureJitter(), random) : null;
    // A level without pacing keeps the pacing of the level before it (levels only rise).
    if (l.pacingTokensPerSecond() > 0) {
      pacer = Pacing.of(l.pacingTokensPerSecond()).begin(context);
    }
  }

  /** The level's row effects, in order. */
  RequestProtection[] perturbations() {
    return perturbations;
  }

  /** The level's temperature jitter, or null. */
  @Nullable TemperatureJitter jitter() {
    return jitter;
  }

  /** The level's pacing, or null. */
  @Nullable RequestProtection pacer() {
    return pacer;
  }

  double shapeLogprob(double value) {
    return level.logprobsNoise() == 0 ? level.logprob(value) : level.logprob(value, gaussian());
  }

  private double gaussian() {
    double u = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  void finish(long outputTokens) {
    if (admission != null) {
      enforcer.finish(admission, outputTokens);
    }
  }
}
