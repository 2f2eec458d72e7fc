package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.moat.internal.Messages;
import dev.moat.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * #clearGroup} reset them, audited. Every flag carries its reasons.
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
 * <p>What it cannot see: a campaign whose accounts share no template (every prompt written afresh,
 * with no skeleton in common) and behave like their tier's typical account is watched at most, and
 * then only on behaviour; a campaign that re-asks the same texts looks like a class pasting its
 * homework. The README's detection section says more.
 *
 * <p>Thread-safe. Requests of one account are serialised on that account's state (at request start
 * only); different accounts proceed in parallel.
 */
public final class Detector implements AutoCloseable {
  /** Requests that count as linking evidence have at least this many words (not "thanks!"). */
  static final int GROUP_MIN_WORDS = 6;

  /**
   * Weighted requests into coordinated templates before a flag: two ordinary hits, or one into a
   * template where every view agrees ({@link GroupEvidence#STRONG}).
   */
  static final int FLAG_HITS = 2;

  /** The features that read other accounts: left out (set to typical) of per-account evidence. */
  private static final int[] LINK_FEATURES = {
    Features.TEMPLATE_SHARED,
    Features.TEMPLATE_ESTABLISHED,
    Features.TEMPLATE_YOUNG,
    Features.SYSTEM_SHARED
  };

  private static final Logger AUDIT = LoggerFactory.getLogger("dev.moat.audit");

  private static final double SATURATED = 256 * Math.log(256);
  private static final long SYSTEM_SALT = 0x5157E3A11L;
  private static final long SAMPLE_SALT = 0x5A3B1E5L;
  private static final int SKELETON_CHARS = 2000;

  private final VerdictModel model;
  final float threshold;
  final float[] reference;
  final LinkStore store;
  private final MinHash minHash;
  private final int bands;
  private final int refreshTokens;
  private final java.util.Set<String> exemptTiers;
  final double watchBudget;
  private final long decayMillis;
  final Cache<String, AccountState> accounts;
  private final ThreadLocal<Scratch> scratch;
  final ConcurrentHashMap<String, TierBaseline> tiers = new ConcurrentHashMap<>();
  // Accounts held, and those watched on their own behaviour (the base rate of the watched view).
  final AtomicLong population = new AtomicLong();
  final AtomicLong watchedByScore = new AtomicLong();

  private Detector(Builder b, VerdictModel model) {
    this.model = model;
    this.threshold = b.threshold > 0 ? b.threshold : model.threshold();
    this.reference = model.reference();
    this.store = b.store != null ? b.store : LocalLinkStore.standard();
    this.minHash = new MinHash(32, 8, 3);
    this.bands = minHash.bands();
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(32, bands));
    this.refreshTokens = b.refreshTokens;
    this.exemptTiers = java.util.Set.copyOf(b.exemptTiers);
    this.watchBudget = b.watchBudget;
    this.decayMillis = b.decay.toMillis();
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

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The floor of every tier's watch threshold: the model's calibrated threshold, or the policy's
   * {@code detection.threshold}. (Flags never come from a score alone.)
   */
  public float threshold() {
    return threshold;
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
    Scratch t = scratch.get();
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
      // Hosts resend one system prompt with every request: scan it once per thread and change.
      if (!system.equals(t.lastSystem)) {
        t.systemScan.scan(system, SKELETON_CHARS);
        t.lastSystem = system;
        t.lastSystemKey = MinHash.mix(t.systemScan.textHash ^ SYSTEM_SALT);
      }
      keys[bands] = t.lastSystemKey;
    }
    return new Prepared(r, keys, scan.cues, scan.codeAttached, scan.count, scan.textHash);
  }

  /** {@link #observe(TraceRecord, float[])} of a prepared request. */
  public Verdict observe(Prepared p, float @Nullable [] features) {
    if (features != null && features.length < Features.COUNT) {
      throw new IllegalArgumentException(
          Messages.invalid("features length", features.length, "at least " + Features.COUNT));
    }
    Scratch t = scratch.get();
    float[] x = t.x;
    AccountState s = accounts.get(p.record.account(), AccountState::new);
    synchronized (s) {
      Verdict v = update(s, p, t, x);
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
    final int cues;
    final boolean codeAttached;
    final int words;
    final long skeleton;

    Prepared(
        TraceRecord record, long[] keys, int cues, boolean codeAttached, int words, long skeleton) {
      this.record = record;
      this.keys = keys;
      this.cues = cues;
      this.codeAttached = codeAttached;
      this.words = words;
      this.skeleton = skeleton;
    }

    public TraceRecord record() {
      return record;
    }
  }

  /** Per-thread buffers: a request allocates only its prepared form and its verdict. */
  private static final class Scratch {
    final PromptScan scan = new PromptScan();
    final PromptScan systemScan = new PromptScan();
    @Nullable String lastSystem;
    long lastSystemKey;
    final long[] sig;
    final long[] window = new long[3];
    final long[] flagKeys;
    final long[] bits;
    final float[] x = new float[Features.COUNT];
    final float[] own = new float[Features.COUNT];
    final int[] marks = new int[17];

    Scratch(int hashes, int bands) {
      sig = new long[hashes];
      flagKeys = new long[bands];
      bits = new long[(bands + 1) * LinkStore.WORDS];
    }
  }

  private Verdict update(AccountState s, Prepared p, Scratch t, float[] x) {
    TraceRecord r = p.record;
    long[] keys = p.keys;
    boolean hasSystem = keys.length > bands;
    long[] bits = t.bits;
    long now = r.ts();
    double ageDays = r.accountCreated() >= 0 ? (r.ts() - r.accountCreated()) / 86_400_000.0 : -1;
    boolean young = ageDays >= 0 && ageDays < 14;
    boolean established = ageDays >= 30;
    boolean first = s.activity.requests() == 0;
    TierBaseline tier = s.tier;
    if (tier == null) {
      tier = baseline(r.tier());
      s.tier = tier;
      population.incrementAndGet();
    }
    decay(s, now);

    // The bits this request sets in each of its buckets: the account in its sets, and the
    // skeleton's and the request's bits in the two content sketches.
    int[] marks = t.marks;
    int m = 0;
    marks[m++] = 64 * LinkStore.ACCOUNTS + s.bit;
    if (established) {
      marks[m++] = 64 * LinkStore.ESTABLISHED + s.bit;
    }
    if (young) {
      marks[m++] = 64 * LinkStore.YOUNG + s.bit;
    }
    if (s.watchedByScore) {
      marks[m++] = 64 * LinkStore.WATCHED + s.bit;
    }
    if (s.activity.requests() >= 3 && s.rateOf(Features.FIRST_TURN) < 0.7f) {
      marks[m++] = 64 * LinkStore.CHATTY + s.bit;
    }
    if (r.client() != null) {
      marks[m++] = 64 * LinkStore.CLIENTS + (int) (MinHash.mix(r.client().hashCode()) >>> 56);
    }
    long request = p.skeleton ^ (r.account().hashCode() * 0x9E3779B97F4A7C15L) ^ (now * 31 + s.bit);
    int requestBit = (int) (MinHash.mix(request) >>> 56);
    int skeletonBit = (int) (MinHash.mix(p.skeleton) >>> 56);
    boolean cued = (p.cues & (PromptScan.COT | PromptScan.PLANNING | PromptScan.AGENTIC)) != 0;
    boolean sampled = (MinHash.mix(p.skeleton ^ SAMPLE_SALT) & 15) == 0;
    for (int res = 0; res < (sampled ? 2 : 1); res++) {
      int base = 64 * (LinkStore.CONTENT + res * LinkStore.RESOLUTION);
      marks[m++] = base + 64 * LinkStore.REQUESTS + requestBit;
      marks[m++] = base + 64 * LinkStore.SKELETONS + skeletonBit;
      if (r.turn() > 0) {
        marks[m++] = base + 64 * LinkStore.FOLLOWUPS + requestBit;
      }
      if (cued) {
        marks[m++] = base + 64 * LinkStore.CUED + requestBit;
      }
    }
    long hourIndex = Math.floorDiv(now, 3_600_000L);
    marks[m++] = 64 * LinkStore.ACTIVITY + (int) Math.floorMod(hourIndex, 24L);
    marks[m++] = 64 * LinkStore.ACTIVITY + 24 + (int) Math.floorMod(hourIndex / 24, 40L);
    store.record(marks, m, keys, keys.length, bits);

    // The template: the band bucket shared by the most accounts (for the classifier's features).
    int best = 0;
    double bestAccounts = -1;
    for (int b = 0; b < bands; b++) {
      double acc = LinkStore.estimate(bits, b * LinkStore.WORDS + LinkStore.ACCOUNTS);
      if (acc > bestAccounts || (acc == bestAccounts && keys[b] < keys[best])) {
        bestAccounts = acc;
        best = b;
      }
    }
    // Coordination: the strongest verdict over the request's buckets, against the base rate.
    double base = baseWatched();
    int evidence = GroupEvidence.NONE;
    int marked = -1;
    if (p.words >= GROUP_MIN_WORDS) {
      for (int b = 0; b < keys.length; b++) {
        int e = GroupEvidence.judge(bits, b * LinkStore.WORDS, b == bands, base);
        if (e > evidence) {
          evidence = e;
          marked = b;
        }
        if (s.level == Suspicion.FLAG
            && b < bands
            && GroupEvidence.dominated(bits, b * LinkStore.WORDS)) {
          s.flagEvidence = now; // still in its campaign's template
        }
      }
    }
    int o = best * LinkStore.WORDS;
    double shared = Math.log1p(bestAccounts) / Math.log1p(SATURATED);
    double estShare =
        LinkStore.estimate(bits, o + LinkStore.ESTABLISHED) / Math.max(1, bestAccounts);
    double youngShare = LinkStore.estimate(bits, o + LinkStore.YOUNG) / Math.max(1, bestAccounts);

    s.activity.record(r.ts(), r.accountCreated(), r.client());
    int cues = p.cues;
    s.rate(Features.COT, (cues & PromptScan.COT) != 0 ? 1 : 0);
    s.rate(Features.SOFTWARE, (cues & PromptScan.SOFTWARE) != 0 ? 1 : 0);
    s.rate(Features.AGENTIC, (cues & PromptScan.AGENTIC) != 0 ? 1 : 0);
    s.rate(Features.PLANNING, (cues & PromptScan.PLANNING) != 0 ? 1 : 0);
    s.rate(Features.PERSONA, (cues & PromptScan.PERSONA) != 0 ? 1 : 0);
    s.rate(Features.CODE_ATTACHED, p.codeAttached ? 1 : 0);
    s.rate(Features.SYSTEM, hasSystem ? 1 : 0);
    if (r.temperature() >= 0) {
      s.rate(Features.GREEDY, r.temperature() == 0 ? 1 : 0);
      s.rate(Features.TEMPERATURE, Math.min(2, r.temperature()) / 2);
    }
    s.rate(Features.LOGPROBS, r.topLogprobs() > 0 ? 1 : 0);
    s.rate(Features.FIRST_TURN, r.turn() == 0 ? 1 : 0);
    if (r.maxTokens() > 0) {
      s.rate(Features.MAX_TOKENS, Math.log1p(r.maxTokens()) / 10);
    }
    s.rate(Features.WORDS, Math.log1p(p.words) / 7);
    if (!first && s.lastOutput >= 0) {
      s.rate(Features.OUTPUT, Math.log1p(s.lastOutput) / 10);
    }
    s.rate(Features.NOVELTY, s.novel(keys[0], keys[1]) ? 1 : 0);
    s.rate(Features.TEMPLATE_SHARED, shared);
    s.rate(Features.TEMPLATE_ESTABLISHED, estShare);
    s.rate(Features.TEMPLATE_YOUNG, youngShare);
    if (hasSystem) {
      int so = bands * LinkStore.WORDS;
      double sys = LinkStore.estimate(bits, so + LinkStore.ACCOUNTS);
      s.rate(Features.SYSTEM_SHARED, Math.log1p(sys) / Math.log1p(SATURATED));
    } else {
      s.rate(Features.SYSTEM_SHARED, 0);
    }
    s.lastOutput = r.outputTokens();
    s.features(x);
    // Per-account evidence reads behaviour only: the linking features are set to a typical
    // account's, so that this view stays independent of the group view it corroborates.
    float[] own = t.own;
    System.arraycopy(x, 0, own, 0, Features.COUNT);
    for (int f : LINK_FEATURES) {
      own[f] = reference[f];
    }
    float score = model.score(own);
    long n = s.activity.requests();
    int bin = TierBaseline.bin(score);
    tier.move(s.scoreBin, bin);
    s.scoreBin = bin;
    if (Long.bitCount(n) == 1) {
      tier.sample(own); // the tier's typical account, at its accounts' 1st, 2nd, 4th... request
    }

    boolean exempt = exemptTiers.contains(r.tier());
    // One request is not evidence enough: the account's own score counts from its second.
    boolean byScore = !exempt && n >= 2 && tier.watches(score);
    if (byScore) {
      s.watchEvidence = now;
    }
    // The group view's per-account input: in the top tenth of its tier on its own behaviour.
    if (n >= 2 && !s.watchedByScore && tier.elevated(score)) {
      s.watchedByScore = true;
      watchedByScore.incrementAndGet();
    }
    if (evidence != GroupEvidence.NONE && !exempt) {
      s.groupHits += evidence;
      s.watchEvidence = now;
      s.flagEvidence = now;
    }
    boolean cleared = s.clearedAt != Long.MIN_VALUE && now - s.clearedAt < decayMillis;
    if (!exempt && s.level != Suspicion.FLAG && s.groupHits >= FLAG_HITS && !cleared) {
      s.level = Suspicion.FLAG;
      if (s.flaggedAt < 0) {
        s.flaggedAt = now;
        s.requestsBeforeFlag = n - 1;
      }
      s.groupKey = marked >= 0 ? keys[marked] : s.groupKey;
      s.group = s.groupKey != 0 ? group(s.groupKey) : null;
      List<String> why = new ArrayList<>(4);
      why.add(
          String.format(
              Locale.ROOT,
              "coordinated: %d of %d requests went into templates that many accounts share as a"
                  + " topic sweep",
              s.groupHits,
              n));
      if (marked >= 0) {
        why.add(GroupEvidence.describe(bits, marked * LinkStore.WORDS, base));
      }
      if (s.watchedByScore) {
        why.addAll(reasons(own, score, tier));
      }
      s.reasons = List.copyOf(why);
    } else if (!exempt
        && s.level == Suspicion.NONE
        && (byScore || evidence != GroupEvidence.NONE)) {
      s.level = Suspicion.WATCH;
      if (byScore) {
        List<String> why = new ArrayList<>(reasons(own, score, tier));
        why.add(
            0,
            String.format(
                Locale.ROOT,
                "own behaviour: score %.2f at or above its tier's watch threshold %.2f",
                score,
                tier.threshold()));
        s.reasons = List.copyOf(why);
      } else {
        s.reasons =
            List.of(
                "a request went into a coordinated template",
                GroupEvidence.describe(bits, marked * LinkStore.WORDS, base));
      }
    }
    if (s.level == Suspicion.FLAG) {
      // A flagged account marks only the templates of its campaign's work (a coordinated one, or
      // an eliciting request), not its small talk: a campaign that mixes casual chatter in must
      // not make everyday templates look flagged-dominated.
      if (p.words >= GROUP_MIN_WORDS && (evidence != GroupEvidence.NONE || cued)) {
        // Only the buckets that do not yet count this account as flagged (read by record above).
        int word = LinkStore.FLAGGED + (s.bit >>> 6);
        long mask = 1L << s.bit;
        int fresh = 0;
        for (int b = 0; b < bands; b++) {
          if ((bits[b * LinkStore.WORDS + word] & mask) == 0) {
            t.flagKeys[fresh++] = keys[b];
          }
        }
        if (fresh > 0) {
          store.flag(r.account(), s.bit, t.flagKeys, fresh);
        }
      }
      s.addSample(r.prompt());
    }
    if (s.level == Suspicion.FLAG && s.groupKey != 0 && (s.linked == null || n % 64 == 0)) {
      s.linked = store.linkedAccounts(s.groupKey, 8); // refreshed now and then, not per request
    }
    return publish(s, score, n);
  }

  Verdict publish(AccountState s, float score, long n) {
    List<String> linked = s.linked != null ? s.linked : List.of();
    Verdict v =
        new Verdict(
            s.account,
            score,
            s.level == Suspicion.FLAG,
            s.flaggedAt,
            s.group,
            n,
            s.requestsBeforeFlag,
            s.level != Suspicion.NONE && s.reasons != null ? s.reasons : List.of(),
            linked,
            s.samples != null ? s.samples : List.of(),
            s.level);
    s.latest = v;
    return v;
  }

  /** Levels fall one step when their evidence is older than the decay period. */
  private void decay(AccountState s, long now) {
    if (s.level == Suspicion.FLAG && now - s.flagEvidence > decayMillis) {
      s.level = Suspicion.WATCH;
      s.groupHits = 0;
      // The watch period starts when the flag lapses: one step per decay period.
      s.watchEvidence = Math.max(s.watchEvidence, s.flagEvidence + decayMillis);
    }
    if (s.level == Suspicion.WATCH && now - s.watchEvidence > decayMillis) {
      s.level = Suspicion.NONE;
      s.groupHits = 0;
    }
  }

  /** The share of accounts elevated on their own behaviour: the null rate of the watched view. */
  private double baseWatched() {
    long all = population.get();
    double floor = TierBaseline.ELEVATED;
    return all == 0 ? floor : Math.max(floor, watchedByScore.get() / (double) all);
  }

  private TierBaseline baseline(String tier) {
    return tiers.computeIfAbsent(tier, k -> new TierBaseline(threshold, watchBudget, reference));
  }

  /**
   * Clears an account: its level returns to none, its coordination evidence is forgotten, and it is
   * not flagged again for the decay period counted from its last request (it can still be watched).
   * One audit record ({@code dev.moat.audit}: action, account, group, from, actor, reason).
   *
   * @return whether the account was held
   */
  public boolean clear(String account, String actor, String reason) {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reason, "reason");
    AccountState s = accounts.getIfPresent(Objects.requireNonNull(account, "account"));
    if (s == null) {
      return false;
    }
    synchronized (s) {
      Suspicion from = s.level;
      s.level = Suspicion.NONE;
      s.groupHits = 0;
      s.watchEvidence = Long.MIN_VALUE;
      s.flagEvidence = Long.MIN_VALUE;
      s.clearedAt = s.activity.lastTs();
      Verdict last = s.latest;
      publish(s, last != null ? last.score() : 0, s.activity.requests());
      AUDIT
          .atInfo()
          .addKeyValue("action", "clear")
          .addKeyValue("account", account)
          .addKeyValue("group", s.group)
          .addKeyValue("from", from.wire())
          .addKeyValue("actor", actor)
          .addKeyValue("reason", reason)
          .log("moat detection verdict cleared");
    }
    return true;
  }

  /** Clears every held account of {@code group} ({@link #clear}); returns how many. */
  public int clearGroup(String group, String actor, String reason) {
    Objects.requireNonNull(group, "group");
    List<String> members = new ArrayList<>();
    accounts
        .asMap()
        .forEach(
            (k, s) -> {
              if (group.equals(s.group)) {
                members.add(k);
              }
            });
    int n = 0;
    for (String a : members) {
      n += clear(a, actor, reason) ? 1 : 0;
    }
    return n;
  }

  /** The three features that raise the score most over the account's tier's typical account. */
  private List<String> reasons(float[] x, float score, TierBaseline tier) {
    float[] typical = tier.typical();
    float[] probe = x.clone();
    Integer[] order = new Integer[Features.COUNT];
    double[] lift = new double[Features.COUNT];
    for (int i = 0; i < Features.COUNT; i++) {
      probe[i] = typical[i];
      lift[i] = score - model.score(probe);
      probe[i] = x[i];
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingDouble(i -> -lift[i]));
    List<String> out = new ArrayList<>(3);
    for (int k = 0; k < 3; k++) {
      int i = order[k];
      if (lift[i] > 0) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s %.2f (its tier's typical account %.2f, +%.2f)",
                Features.names().get(i),
                x[i],
                typical[i],
                lift[i]));
      }
    }
    return out;
  }

  /**
   * Writes the detector's state to {@code file} (gzip'd, versioned; atomically: a temporary file,
   * then a move): the tiers' baselines, every held account's state and verdict, and the local link
   * table (a fleet link store keeps its state in Redis). Requests may go on meanwhile: each account
   * is written under its own lock. About 60 MB of link table before compression, plus about 300
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

  /** An evicted account leaves the tier's distribution and the base rate. */
  private void forget(AccountState s) {
    synchronized (s) {
      if (s.tier != null) {
        s.tier.remove(s.scoreBin);
        population.decrementAndGet();
        if (s.watchedByScore) {
          watchedByScore.decrementAndGet();
        }
        s.tier = null;
      }
    }
  }

  static String group(long key) {
    return "g-" + Long.toHexString(key).substring(0, Math.min(12, Long.toHexString(key).length()));
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

  /**
   * Builds a {@link Detector}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable VerdictModel model;
    private float threshold = -1;
    private @Nullable LinkStore store;
    private long maximumAccounts = 2_000_000;
    private @Nullable Duration idleExpiry;
    private Clock clock = Clock.SYSTEM;
    private int refreshTokens = 32;
    private java.util.Set<String> exemptTiers = java.util.Set.of();
    private double watchBudget = 0.01;
    private Duration decay = Duration.ofDays(3);

    private Builder() {}

    /**
     * The share of a tier's accounts that may be watched on their own behaviour alone, in (0, 0.5];
     * default 0.01. The tier's watch threshold is the score above which this share of its accounts
     * lies (never below the model's threshold), read off the tier's own traffic.
     */
    public Builder watchBudget(double watchBudget) {
      if (!(watchBudget > 0 && watchBudget <= 0.5)) {
        throw new IllegalArgumentException(
            Messages.invalid("watchBudget", watchBudget, "in (0, 0.5]"));
      }
      this.watchBudget = watchBudget;
      return this;
    }

    /**
     * How long a level lasts without new evidence before it falls one step (flag to watch, watch to
     * none), in trace time; default 3 days. Also how long a cleared account cannot be flagged.
     */
    public Builder decay(Duration decay) {
      if (decay.isNegative() || decay.toMinutes() < 1 || decay.toDays() > 365) {
        throw new IllegalArgumentException(
            Messages.invalid("decay", decay, "1 minute to 365 days"));
      }
      this.decay = decay;
      return this;
    }

    /**
     * Applies a policy's {@code detection} section: threshold, refresh interval, exempt tiers,
     * watch budget and decay.
     */
    public Builder settings(dev.moat.policy.DetectionSettings settings) {
      if (settings.threshold() != -1) {
        threshold((float) settings.threshold());
      }
      refreshTokens(settings.refreshTokens());
      this.exemptTiers = settings.exemptTiers();
      watchBudget(settings.watchBudget());
      decay(Duration.ofMillis(Math.round(settings.decayHours() * 3_600_000)));
      return this;
    }

    /** The classifier; {@link MlpModel#bundled()} if not set. */
    public Builder model(VerdictModel model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Overrides the model's calibrated threshold, in (0, 1). */
    public Builder threshold(float threshold) {
      if (!(threshold > 0 && threshold < 1)) {
        throw new IllegalArgumentException(Messages.invalid("threshold", threshold, "in (0, 1)"));
      }
      this.threshold = threshold;
      return this;
    }

    /** Where linking state lives; a fresh {@link LocalLinkStore} if not set. */
    public Builder linkStore(LinkStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Accounts held at most (about 800 bytes each: perf's {@code DetectorFootprint}); default 2M.
     */
    public Builder maximumAccounts(long maximumAccounts) {
      if (maximumAccounts < 1) {
        throw new IllegalArgumentException(
            Messages.invalid("maximumAccounts", maximumAccounts, ">= 1"));
      }
      this.maximumAccounts = maximumAccounts;
      return this;
    }

    /**
     * Forget accounts without requests for this long. Off by default: the size bound keeps memory
     * bounded (least valuable accounts go first), and an account that returns keeps its history.
     */
    public Builder idleExpiry(Duration idleExpiry) {
      if (idleExpiry.isNegative() || idleExpiry.isZero()) {
        throw new IllegalArgumentException(Messages.invalid("idleExpiry", idleExpiry, "positive"));
      }
      this.idleExpiry = idleExpiry;
      return this;
    }

    /** The clock for expiry (replay passes the trace's clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How many tokens between verdict refreshes in a {@link Session}; default 32. */
    public Builder refreshTokens(int refreshTokens) {
      if (refreshTokens < 1) {
        throw new IllegalArgumentException(
            Messages.invalid("refreshTokens", refreshTokens, ">= 1"));
      }
      this.refreshTokens = refreshTokens;
      return this;
    }

    public Detector build() {
      VerdictModel m = model;
      if (m == null) {
        m = MlpModel.bundled();
      }
      if (m.inputs() != Features.COUNT) {
        throw new IllegalArgumentException(
            Messages.invalid("model inputs", m.inputs(), String.valueOf(Features.COUNT)));
      }
      return new Detector(this, m);
    }
  }
}
