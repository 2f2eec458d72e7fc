package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.moat.internal.Messages;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Online probing and campaign detection: call {@link #observe} at the start of every request (or
 * {@link #begin} for a per-request handle the sampling loop can poll). Per request it computes the
 * prompt's skeleton, cues and MinHash band keys, records them in the {@link LinkStore}, updates the
 * account's streaming state in O(1), and returns a graduated, reversible {@link Verdict}:
 *
 * <ul>
 *   <li><b>Watch</b> ({@link Suspicion#WATCH}) on the account's own behaviour: the classifier's
 *       score, computed without the features that read other accounts, at or above its tier's watch
 *       threshold, which is read off the tier's own accounts ({@link TierBaseline}: at most the
 *       watch budget of a tier is watched on its own evidence, however its traffic looks), from the
 *       account's second request on.
 *   <li><b>Flag</b> ({@link Suspicion#FLAG}, enforcement) only on coordination: requests into
 *       templates that {@link GroupEvidence} judges a campaign against a null model of benign
 *       sharing (many young accounts sweeping topics around the clock or from many networks, in the
 *       shape of a harvest), or that flagged accounts dominate. Per-account evidence alone never
 *       flags.
 * </ul>
 *
 * Levels fall one step after the decay period without new evidence; {@link #clear} and {@link
 * #clearGroup} reset them, and {@link #pin} holds an account at a level for a while, audited. Every
 * flag carries its reasons.
 *
 * <pre>{@code
 * Detector detector = Detector.builder().model(MlpModel.bundled()).build();
 * Verdict v = detector.observe(record);      // at request start: a few microseconds
 * }</pre>
 *
 * <p>Failure: the local store cannot fail; a fleet store that fails answers from local state
 * (fail-open to per-replica linking, see {@code RedisLinkStore}); a model that throws fails the
 * call (a broken model is a deployment error, not traffic to pass unseen).
 *
 * <p>What it cannot see: a campaign whose accounts share no template and no topic with a flagged
 * campaign ({@code PhraseEvidence}) and behave like their tier's typical account is watched at
 * most; one that re-asks the same texts looks like a class pasting its homework (README).
 *
 * <p>Thread-safe. Requests of one account are serialised on that account's state (at request start
 * only); different accounts proceed in parallel.
 */
public final class Detector implements AutoCloseable {
  /** Requests that count as linking evidence have at least this many words (not "thanks!"). */
  static final int GROUP_MIN_WORDS = 6;

  /**
   * Weighted requests into coordinated templates before a flag: two ordinary hits, or one into a
   * template where every view agrees ({@link GroupEvidence#counted} says when that is two).
   */
  static final int FLAG_HITS = 2;

  private static final long SYSTEM_SALT = 0x5157E3A11L;
  private static final int SKELETON_CHARS = 2000;

  final VerdictModel model;
  final float threshold;
  final float[] reference;
  final LinkStore store;
  private final MinHash minHash;
  final int bands;
  private final int refreshTokens;
  volatile java.util.Set<String> exemptTiers; // replaced whole by exemptTiers(Set), a policy edit
  final double watchBudget;
  final long decayMillis;
  final Cache<String, AccountState> accounts;
  private final ThreadLocal<DetectorScratch> scratch;
  final ConcurrentHashMap<String, TierBaseline> tiers = new ConcurrentHashMap<>();
  // Accounts held, and those watched on their own behaviour (the base rate of the watched view).
  final AtomicLong population = new AtomicLong();
  final AtomicLong watchedByScore = new AtomicLong();
  final ManyHands hands = new ManyHands();
  final Tenure tenure = new Tenure();
  final Cohorts cohorts = new Cohorts();
  final AccountJudge judge = new AccountJudge(this);
  private final AccountOverrides overrides = new AccountOverrides(this);
  // Pins' time: wall-clock epoch milliseconds read once, then moved by the (injectable) clock.
  private final dev.moat.time.Clock clock;
  private final long epochAtStart;
  private final long nanosAtStart;

  Detector(DetectorBuilder b, VerdictModel model) {
    this.model = model;
    this.threshold = b.threshold > 0 ? b.threshold : model.threshold();
    this.reference = model.reference();
    this.store = b.store != null ? b.store : LocalLinkStore.embedded();
    this.minHash = new MinHash(32, 8, 3);
    this.bands = minHash.bands();
    this.scratch = ThreadLocal.withInitial(() -> new DetectorScratch(32, bands));
    this.refreshTokens = b.refreshTokens;
    this.exemptTiers = java.util.Set.copyOf(b.exemptTiers);
    this.watchBudget = b.watchBudget;
    this.decayMillis = b.decay.toMillis();
    this.clock = b.clock;
    this.epochAtStart = System.currentTimeMillis();
    this.nanosAtStart = clock.nanoTime();
    Caffeine<String, AccountState> cache =
        Caffeine.newBuilder()
            .maximumSize(b.maximumAccounts)
            .removalListener(
                (@Nullable String k,
                    @Nullable AccountState v,
                    com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                  if (v != null && c.wasEvicted()) {
                    forget(v);
                  }
                });
    if (b.idleExpiry != null) {
      // Opt-in: access-order expiry costs about 300 ns per request on the reference machine.
      cache = cache.expireAfterAccess(b.idleExpiry);
    }
    this.accounts =
        cache
            .ticker(b.clock::nanoTime)
            .executor(Runnable::run) // maintenance amortised on callers, see LocalLinkStore
            .build();
  }

  public static DetectorBuilder builder() {
    return new DetectorBuilder();
  }

  /**
   * The floor of every tier's watch threshold: the model's calibrated threshold, or the policy's
   * {@code detection.threshold}. (Flags never come from a score alone.)
   */
  public float threshold() {
    return threshold;
  }

  /** Replaces the exempt tiers (scored, never watched or flagged) from the next request on. */
  public void exemptTiers(java.util.Set<String> tiers) {
    this.exemptTiers = java.util.Set.copyOf(tiers);
  }

  /** Approximate number of accounts held. */
  public long accounts() {
    return accounts.estimatedSize();
  }

  /** Runs pending evictions (for measurements). */
  public void cleanUp() {
    accounts.cleanUp();
  }

  /**
   * The latest verdict of every account held, in no particular order (replay's output: with {@code
   * maximumAccounts} above the trace's accounts, that is all of them).
   */
  public java.util.stream.Stream<Verdict> verdicts() {
    return accounts.asMap().values().stream().map(s -> s.latest).filter(Objects::nonNull);
  }

  /** The account's latest verdict, if it is held. */
  public @Nullable Verdict verdict(String account) {
    AccountState s = accounts.getIfPresent(account);
    return s == null ? null : s.latest;
  }

  /**
   * Records a request at its start and returns the account's verdict, computed from everything up
   * to and including this request and nothing after it.
   */
  public Verdict observe(TraceRecord r) {
    return observe(r, null);
  }

  /**
   * As {@link #observe(TraceRecord)}, and copies the feature vector the verdict was computed from
   * into {@code features} (length {@link Features#COUNT}), for training and explanation.
   */
  public Verdict observe(TraceRecord r, float @Nullable [] features) {
    return observe(prepare(r), features);
  }

  /**
   * The stateless half of {@link #observe}: the prompt's scan, cues and template keys. Thread-safe
   * and independent of every account, so a pipeline can run it on another thread (replay parses and
   * prepares on one thread and observes on another).
   */
  public Prepared prepare(TraceRecord r) {
    Objects.requireNonNull(r, "record");
    DetectorScratch t = scratch.get();
    PromptScan scan = t.scan;
    scan.scan(r.prompt(), SKELETON_CHARS);
    minHash.signature(scan.words, scan.count, t.sig, t.window);
    String system = r.system();
    boolean hasSystem = system != null && !system.isBlank();
    long[] keys = new long[bands + (hasSystem ? 1 : 0)];
    for (int b = 0; b < bands; b++) {
      keys[b] = minHash.bandKey(t.sig, b);
    }
    if (hasSystem && system != null) {
      keys[bands] = t.systemKey(system, SKELETON_CHARS, SYSTEM_SALT);
    }
    return new Prepared(r, keys, scan);
  }

  /** {@link #observe(TraceRecord, float[])} of a prepared request. */
  public Verdict observe(Prepared p, float @Nullable [] features) {
    if (features != null && features.length < Features.COUNT) {
      throw new IllegalArgumentException(
          Messages.invalid("features length", features.length, "at least " + Features.COUNT));
    }
    DetectorScratch t = scratch.get();
    float[] x = t.x;
    AccountState s = accounts.get(p.record.account(), AccountState::new);
    synchronized (s) {
      Verdict v = judge.update(s, p, t, x);
      if (features != null) {
        System.arraycopy(x, 0, features, 0, Features.COUNT);
      }
      return v;
    }
  }

  /**
   * A request with its prompt analysed ({@link #prepare}), ready for {@link #observe(Prepared,
   * float[])}.
   *
   * <p>Immutable and thread-safe.
   */
  public static final class Prepared {
    final TraceRecord record;
    final long[] keys;
    final long[] phrases; // PhraseKeys, apart from the template keys
    final int cues;
    final int asks; // PromptScan.asks: the eliciting cues where the prompt asks
    final boolean codeAttached;
    final int words;
    final long skeleton;

    Prepared(TraceRecord record, long[] keys, PromptScan scan) {
      this.record = record;
      this.keys = keys;
      this.phrases = java.util.Arrays.copyOf(scan.phrases.keys, scan.phrases.count);
      this.cues = scan.cues;
      this.asks = scan.asks;
      this.codeAttached = scan.codeAttached;
      this.words = scan.count;
      this.skeleton = scan.textHash;
    }

    public TraceRecord record() {
      return record;
    }
  }

  /**
   * Clears an account: its level returns to none, its coordination evidence is forgotten, and it is
   * not flagged again for the decay period counted from its last request (it can still be watched).
   * One audit record ({@code dev.moat.audit}: action, account, group, from, actor, reason). The
   * clearing is also the account's fleet mark ({@link AccountMark}), so every replica sharing the
   * link store clears it at its next request, including replicas when this one does not hold the
   * account (then timed by the wall clock). A pin stays.
   *
   * @return whether the account was held by this detector
   */
  public boolean clear(String account, String actor, String reason) {
    return overrides.clear(account, actor, reason);
  }

  /** Clears every held account of {@code group} ({@link #clear}); returns how many. */
  public int clearGroup(String group, String actor, String reason) {
    return overrides.clearGroup(group, actor, reason);
  }

  /**
   * Pins an account at {@code level} for {@code duration} (1 minute to {@link
   * AccountPin#MAX_DURATION}) from now: until then its verdicts are at that level whatever the
   * evidence says, and their reasons say it is pinned. At {@link Suspicion#NONE} it is allow-listed
   * (its evidence is dropped and none is gathered while pinned); at {@link Suspicion#FLAG} it is
   * enforced. The pin replaces any earlier one, goes to the link store (every replica sharing it
   * applies it from its next request of the account; a snapshot keeps the embedded store's pins)
   * and is one audit record ({@code dev.moat.audit}: action, account, from, to, until, shared,
   * actor, reason). Times are this detector's clock, as wall-clock epoch milliseconds.
   *
   * @throws IllegalArgumentException naming a duration out of range
   */
  public AccountPin pin(
      String account, Suspicion level, java.time.Duration duration, String actor, String reason) {
    return overrides.pin(account, level, duration, actor, reason);
  }

  /**
   * Removes the account's pin (its verdicts follow the evidence again), fleet-wide, audited as
   * {@link #pin} is; returns the pin that was in force, or null.
   */
  public @Nullable AccountPin unpin(String account, String actor, String reason) {
    return overrides.unpin(account, actor, reason);
  }

  /** The account's pin in force now, or null (one store read: not for the request path). */
  public @Nullable AccountPin pinned(String account) {
    return overrides.pinned(account);
  }

  /** Now on this detector's clock, as wall-clock epoch milliseconds (pins' time). */
  long now() {
    return epochAtStart + (clock.nanoTime() - nanosAtStart) / 1_000_000;
  }

  /**
   * Writes the detector's state to {@code file} (gzip'd, versioned; atomically: a temporary file,
   * then a move): the tiers' baselines, every held account's state and verdict, and the local link
   * table (a fleet link store keeps its state in Redis). Requests may go on meanwhile: each account
   * is written under its own lock. About 74 MB of link table before compression, plus about 300
   * bytes per account.
   */
  public void snapshot(java.nio.file.Path file) throws java.io.IOException {
    DetectorState.snapshot(this, file);
  }

  /**
   * Restores what {@link #snapshot} wrote into this detector, which must not have observed anything
   * yet. The file is read completely first: a missing, damaged or foreign file throws an {@link
   * java.io.IOException} naming what was wrong and changes nothing. A file without a link table
   * (written over a fleet store) restores the accounts only.
   *
   * @return the number of accounts restored
   */
  public long restore(java.nio.file.Path file) throws java.io.IOException {
    return DetectorState.restore(this, file);
  }

  /** An evicted account leaves the tier's distribution and the base rates. */
  private void forget(AccountState s) {
    synchronized (s) {
      if (s.tier != null) {
        s.tier.remove(s.scoreBin);
        population.decrementAndGet();
        tenure.uncount(s.firstAge, s.firstAgeGiven);
        watchedByScore.addAndGet(s.watchedByScore ? -1 : 0);
        hands.add(s.activity, -1);
        s.tier = null;
      }
    }
  }

  /**
   * Observes a request and returns a handle the sampling loop polls: {@link Session#onToken} is a
   * counter increment, and every {@code refreshTokens} tokens a volatile read of the account's
   * latest verdict (which concurrent requests of the same account update). No lock, no allocation,
   * no I/O on the token path.
   */
  public Session begin(TraceRecord r) {
    Verdict v = observe(r);
    AccountState s = accounts.getIfPresent(r.account());
    return new Session(s, v, refreshTokens);
  }

  @Override
  public void close() {
    store.close();
  }

  /**
   * One request's view of its account's verdict.
   *
   * <p>Not thread-safe: one generation loop.
   */
  public static final class Session {
    private final @Nullable AccountState state;
    private final int every;
    private Verdict current;
    private int tokens;

    Session(@Nullable AccountState state, Verdict first, int every) {
      this.state = state;
      this.current = first;
      this.every = every;
    }

    /** The verdict as of the last refresh. */
    public Verdict verdict() {
      return current;
    }

    /** Counts a generated token; returns true if the verdict was refreshed (every N tokens). */
    public boolean onToken() {
      if (++tokens % every != 0 || state == null) {
        return false;
      }
      Verdict v = state.latest;
      if (v != null) {
        current = v;
      }
      return true;
    }
  }
}
