package dev.moat.research.usage;

import dev.moat.detect.TraceRecord;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * One account as a session process. Sessions start as a Poisson process thinned by the account's
 * {@link Rhythm}; a session holds a geometric number of conversations, a conversation a geometric
 * number of turns; turns and conversations are separated by log-normal gaps. Optional one-off
 * requests ("extras", such as a trending prompt) are merged in at fixed times.
 *
 * <p>Not thread-safe.
 */
final class Account {
  /**
   * Session parameters.
   *
   * @param sessionsPerDay session starts per day at peak rhythm
   * @param rhythm relative activity over time
   * @param convsPerSession mean conversations per session (at least 1)
   * @param turnsPerConv mean turns per conversation (at least 1)
   * @param turnGapMs median gap between turns of a conversation
   * @param turnGapSigma log-space spread of that gap
   * @param convGapMs median gap between conversations of a session
   * @param convGapSigma log-space spread of that gap
   * @param from no request before this instant
   * @param until no request at or after this instant
   */
  record Shape(
      double sessionsPerDay,
      Rhythm rhythm,
      double convsPerSession,
      double turnsPerConv,
      double turnGapMs,
      double turnGapSigma,
      double convGapMs,
      double convGapSigma,
      long from,
      long until) {
    Shape {
      if (!(sessionsPerDay > 0)) {
        throw new IllegalArgumentException(
            "sessionsPerDay was " + sessionsPerDay + ", must be > 0");
      }
    }

    Shape during(long newFrom, long newUntil) {
      return new Shape(
          sessionsPerDay,
          rhythm,
          convsPerSession,
          turnsPerConv,
          turnGapMs,
          turnGapSigma,
          convGapMs,
          convGapSigma,
          newFrom,
          newUntil);
    }
  }

  /** Chooses the network fingerprint of each request. */
  @FunctionalInterface
  interface Clients {
    @Nullable String pick(SplittableRandom r);
  }

  final String id;
  final String population;
  final long created;
  final String tier;
  final int seq;
  private final Clients clients;
  private final Shape shape;
  private final Voice voice;
  private final boolean conversationIds;
  private final SplittableRandom r;
  private final long idSalt;
  private long[] extras = new long[0];
  private @Nullable Voice extraVoice;
  private int extraAt;

  private final Voice.Turn turn = new Voice.Turn();
  private final Voice.Turn extraTurn = new Voice.Turn();
  private long sessionNext;
  private int convsLeft;
  private int turnsLeft;
  private int conversations;

  /** The next request's time, or {@link Long#MAX_VALUE} when the account is done. */
  long next;

  Account(
      String id,
      String population,
      long created,
      String tier,
      int seq,
      Clients clients,
      Shape shape,
      Voice voice,
      boolean conversationIds,
      SplittableRandom r) {
    this.id = id;
    this.population = population;
    this.created = created;
    this.tier = tier;
    this.seq = seq;
    this.clients = clients;
    this.shape = shape;
    this.voice = voice;
    this.conversationIds = conversationIds;
    this.r = r;
    this.idSalt = r.nextLong();
    this.sessionNext = startSession(Math.max(shape.from(), created));
    this.next = sessionNext;
  }

  /** Adds one-off requests at the given sorted times, spoken by {@code v}. */
  Account withExtras(long[] times, Voice v) {
    this.extras = times.clone();
    java.util.Arrays.sort(this.extras);
    this.extraVoice = v;
    this.next = Math.min(sessionNext, extraTime());
    return this;
  }

  private long extraTime() {
    while (extraAt < extras.length
        && (extras[extraAt] < Math.max(shape.from(), created)
            || extras[extraAt] >= shape.until())) {
      extraAt++;
    }
    return extraAt < extras.length ? extras[extraAt] : Long.MAX_VALUE;
  }

  /** The request at {@link #next}; advances the account. */
  UsageGenerator.Event fire() {
    long t = next;
    Voice.Utterance u;
    Voice.Turn at;
    if (extraAt < extras.length && extras[extraAt] == t && extraVoice != null) {
      extraAt++;
      at = extraTurn;
      at.conversation = conversationIds ? newConversationId() : null;
      at.turn = 0;
      at.topic = r.nextLong();
      at.inSession = 0;
      at.ts = t;
      u = extraVoice.speak(at, r);
    } else {
      at = turn;
      at.ts = t;
      u = voice.speak(at, r);
    }
    // Read before advancing: advance() moves the turn on.
    String conversation = at.conversation;
    int index = at.turn;
    if (at == turn) {
      advance(t);
    }
    TraceRecord rec =
        new TraceRecord(
            t,
            id,
            created,
            tier,
            clients.pick(r),
            conversation,
            index,
            u.system(),
            u.prompt(),
            u.maxTokens(),
            u.temperature(),
            u.topLogprobs(),
            u.outputTokens());
    next = Math.min(sessionNext, extraTime());
    return new UsageGenerator.Event(rec, population, u.extraction());
  }

  private void advance(long t) {
    turn.inSession++;
    if (--turnsLeft > 0) {
      turn.turn++;
      sessionNext = t + gap(shape.turnGapMs(), shape.turnGapSigma());
    } else if (--convsLeft > 0) {
      newConversation();
      sessionNext = t + gap(shape.convGapMs(), shape.convGapSigma());
    } else {
      sessionNext = startSession(t + gap(shape.convGapMs(), shape.convGapSigma()));
    }
    if (sessionNext >= shape.until()) {
      sessionNext = Long.MAX_VALUE;
    }
  }

  private long gap(double median, double sigma) {
    return Math.max(50, Math.round(Dist.logNormal(r, median, sigma)));
  }

  /** The first session start at or after {@code t} (thinning), with its plan drawn. */
  private long startSession(long t) {
    double meanGap = Dist.DAY / shape.sessionsPerDay();
    long s = Math.max(t, Math.max(shape.from(), created));
    while (true) {
      s += (long) (r.nextExponential() * meanGap);
      if (s >= shape.until()) {
        return Long.MAX_VALUE;
      }
      if (r.nextDouble() < shape.rhythm().at(s)) {
        break;
      }
    }
    convsLeft = Dist.atLeastOne(r, shape.convsPerSession());
    turn.inSession = 0;
    newConversation();
    return s;
  }

  private void newConversation() {
    turnsLeft = Dist.atLeastOne(r, shape.turnsPerConv());
    turn.turn = 0;
    turn.topic = r.nextLong();
    turn.conversation = conversationIds ? newConversationId() : null;
  }

  private String newConversationId() {
    conversations++;
    long h = Dist.mix(idSalt + conversations * 0x9e3779b97f4a7c15L);
    return "conv_" + Long.toHexString(h | (1L << 60)).substring(1, 14);
  }
}
