package dev.moat.detect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.internal.Messages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Online probing and campaign detection: call {@link #observe} at the start of every request (or
 * {@link #begin} for a per-request handle the sampling loop can poll). Per request it computes the
 * prompt's skeleton, cues and MinHash band keys, records them in the {@link LinkStore}, updates the
 * account's streaming state in O(1), and scores the account's {@link Features} with the {@link
 * VerdictModel}. An account is flagged when its score reaches the model's threshold, or when its
 * requests keep landing in templates that flagged accounts dominate (its campaign group shares the
 * verdict). Flags are sticky and carry their reasons.
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
 * <p>Thread-safe. Requests of one account are serialised on that account's state (at request start
 * only); different accounts proceed in parallel.
 */
public final class Detector implements AutoCloseable {
  /** A campaign-marked bucket has at least this many flagged accounts ... */
  static final double GROUP_MIN_FLAGGED = 5;

  /** ... and they are at least this fraction of its accounts. */
  static final double GROUP_MIN_SHARE = 0.5;

  /** Requests that count as linking evidence have at least this many words (not "thanks!"). */
  static final int GROUP_MIN_WORDS = 6;

  /** Requests in a campaign-marked template before the group's verdict carries over. */
  static final int GROUP_MIN_HITS = 3;

  private static final double SATURATED = 256 * Math.log(256);
  private static final long SYSTEM_SALT = 0x5157E3A11L;
  private static final int SKELETON_CHARS = 2000;

  private final VerdictModel model;
  private final float threshold;
  private final float[] reference;
  private final LinkStore store;
  private final MinHash minHash;
  private final int bands;
  private final int refreshTokens;
  private final java.util.Set<String> exemptTiers;
  private final Cache<String, AccountState> accounts;
  private final ThreadLocal<Scratch> scratch;

  private Detector(Builder b) {
    this.model = b.model;
    this.threshold = b.threshold > 0 ? b.threshold : model.threshold();
    this.reference = model instanceof MlpModel m ? m.reference() : new float[Features.COUNT];
    this.store = b.store != null ? b.store : LocalLinkStore.standard();
    this.minHash = new MinHash(32, 8, 3);
    this.bands = minHash.bands();
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(32, bands));
    this.refreshTokens = b.refreshTokens;
    this.exemptTiers = java.util.Set.copyOf(b.exemptTiers);
    Caffeine<Object, Object> cache = Caffeine.newBuilder().maximumSize(b.maximumAccounts);
    if (b.idleExpiry != null) {
      // Opt-in: access-order expiry costs about 300 ns per request on the reference machine.
      cache = cache.expireAfterAccess(b.idleExpiry);
    }
    this.accounts =
        cache
            .ticker(b.ticker)
            .executor(Runnable::run) // maintenance amortised on callers, see LocalLinkStore
            .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The flagging threshold in force. */
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
    if (hasSystem) {
      // Hosts resend one system prompt with every request: scan it once per thread and change.
      if (!system.equals(t.lastSystem)) {
        t.systemScan.scan(system, SKELETON_CHARS);
        t.lastSystem = system;
        t.lastSystemKey = MinHash.mix(t.systemScan.textHash ^ SYSTEM_SALT);
      }
      keys[bands] = t.lastSystemKey;
    }
    return new Prepared(r, keys, scan.cues, scan.codeAttached, scan.count);
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

    Prepared(TraceRecord record, long[] keys, int cues, boolean codeAttached, int words) {
      this.record = record;
      this.keys = keys;
      this.cues = cues;
      this.codeAttached = codeAttached;
      this.words = words;
    }

    public TraceRecord record() {
      return record;
    }
  }

  /** Per-thread buffers: a request allocates only its prepared form and its verdict (181 B). */
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
    double ageDays = r.accountCreated() >= 0 ? (r.ts() - r.accountCreated()) / 86_400_000.0 : -1;
    boolean young = ageDays >= 0 && ageDays < 14;
    boolean established = ageDays >= 30;
    store.record(s.bit, young, established, keys, keys.length, bits);

    // The template: the band bucket shared by the most accounts.
    int best = 0;
    double bestAccounts = -1;
    boolean groupHit = false;
    int marked = -1;
    for (int b = 0; b < bands; b++) {
      int o = b * LinkStore.WORDS;
      double acc = LinkStore.estimate(bits, o + LinkStore.ACCOUNTS);
      if (acc > bestAccounts || (acc == bestAccounts && keys[b] < keys[best])) {
        bestAccounts = acc;
        best = b;
      }
      double flaggedHere = LinkStore.estimate(bits, o + LinkStore.FLAGGED);
      if (flaggedHere >= GROUP_MIN_FLAGGED && flaggedHere >= GROUP_MIN_SHARE * acc) {
        groupHit = true;
        marked = b;
      }
    }
    int o = best * LinkStore.WORDS;
    double shared = Math.log1p(bestAccounts) / Math.log1p(SATURATED);
    double estShare =
        LinkStore.estimate(bits, o + LinkStore.ESTABLISHED) / Math.max(1, bestAccounts);
    double youngShare = LinkStore.estimate(bits, o + LinkStore.YOUNG) / Math.max(1, bestAccounts);

    boolean first = s.activity.requests() == 0;
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
    groupHit &= p.words >= GROUP_MIN_WORDS;
    if (groupHit) {
      s.groupHits++;
    }
    s.features(x);
    float score = model.score(x);
    long n = s.activity.requests();

    if (!s.flagged && !exemptTiers.contains(r.tier())) {
      // One request is not evidence enough on its own, unless it uses a campaign's template.
      boolean byModel = score >= threshold && (n >= 2 || groupHit);
      boolean byGroup = s.groupHits >= GROUP_MIN_HITS && s.groupHits >= 0.5 * n;
      if (byModel || byGroup) {
        s.flagged = true;
        s.flaggedAt = r.ts();
        s.requestsBeforeFlag = n - 1;
        int groupBand = byGroup && marked >= 0 ? marked : best;
        double groupAccounts =
            LinkStore.estimate(bits, groupBand * LinkStore.WORDS + LinkStore.ACCOUNTS);
        s.groupKey = groupAccounts >= GROUP_MIN_FLAGGED || byGroup ? keys[groupBand] : 0;
        s.reasons = byModel ? reasons(x, score) : List.of();
        if (byGroup) {
          List<String> why = new ArrayList<>(s.reasons);
          why.add(
              0,
              String.format(
                  Locale.ROOT,
                  "linked: %d of %d requests used templates that flagged accounts dominate",
                  s.groupHits,
                  n));
          s.reasons = why;
        }
        s.reasons = List.copyOf(s.reasons);
        s.group = s.groupKey != 0 ? group(s.groupKey) : null;
      }
    }
    if (s.flagged) {
      if (p.words >= GROUP_MIN_WORDS) {
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
    if (s.flagged && s.groupKey != 0 && (s.linked == null || n % 64 == 0)) {
      s.linked = store.linkedAccounts(s.groupKey, 8); // refreshed now and then, not per request
    }
    List<String> linked = s.linked != null ? s.linked : List.of();
    Verdict v =
        new Verdict(
            r.account(),
            score,
            s.flagged,
            s.flaggedAt,
            s.group,
            n,
            s.requestsBeforeFlag,
            s.reasons != null ? s.reasons : List.of(),
            linked,
            s.samples != null ? s.samples : List.of());
    s.latest = v;
    return v;
  }

  /** The three features that raise the score most over a typical benign account's. */
  private List<String> reasons(float[] x, float score) {
    float[] probe = x.clone();
    Integer[] order = new Integer[Features.COUNT];
    double[] lift = new double[Features.COUNT];
    for (int i = 0; i < Features.COUNT; i++) {
      probe[i] = reference[i];
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
                "%s %.2f (typical %.2f, +%.2f)",
                Features.names().get(i),
                x[i],
                reference[i],
                lift[i]));
      }
    }
    return out;
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
    private VerdictModel model = null;
    private float threshold = -1;
    private @Nullable LinkStore store;
    private long maximumAccounts = 2_000_000;
    private @Nullable Duration idleExpiry;
    private Ticker ticker = Ticker.systemTicker();
    private int refreshTokens = 32;
    private java.util.Set<String> exemptTiers = java.util.Set.of();

    private Builder() {}

    /** Applies a policy's {@code detection} section: threshold, refresh interval, exempt tiers. */
    public Builder settings(dev.moat.policy.DetectionSettings settings) {
      if (settings.threshold() != -1) {
        threshold((float) settings.threshold());
      }
      refreshTokens(settings.refreshTokens());
      this.exemptTiers = settings.exemptTiers();
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
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
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
      if (model == null) {
        model = MlpModel.bundled();
      }
      if (model.inputs() != Features.COUNT) {
        throw new IllegalArgumentException(
            Messages.invalid("model inputs", model.inputs(), String.valueOf(Features.COUNT)));
      }
      return new Detector(this);
    }
  }
}
