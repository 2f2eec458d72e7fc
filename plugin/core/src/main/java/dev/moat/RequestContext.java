package dev.moat;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.missing;
import static dev.moat.internal.Messages.tokenOutOfRange;

import dev.moat.policy.PolicyOverride;
import dev.moat.spi.RequestView;
import dev.moat.spi.SamplingParams;
import org.jspecify.annotations.Nullable;

/**
 * Who is asking and what: handed over by the host once, at the start of a generation request.
 *
 * <p>Immutable and thread-safe (the prompt tokens are copied in and out). Built with DJL's naming:
 * {@code set…} for what is required (account, tier, vocabulary size), {@code opt…} for the rest.
 *
 * <pre>{@code
 * RequestContext ctx = RequestContext.builder()
 *     .account("acct-42").tier("free").vocabSize(4096)
 *     .session("conv-7").client("203.0.113.0/24")
 *     .prompt("Write a quicksort in Java", promptIds)
 *     .sampling(SamplingParams.builder().temperature(0.8f).topP(0.95f).seed(7).build())
 *     .build();
 * }</pre>
 */
public final class RequestContext implements RequestView {
  private final String requestId;
  private final String account;
  private final String tier;
  private final @Nullable String session;
  private final @Nullable String client;
  private final String promptText;
  private final int[] promptTokens;
  private final int vocabSize;
  private final SamplingParams sampling;
  private final PolicyOverride overrides;
  private final double probingScore;
  private final @Nullable String flaggedGroup;
  private final boolean trusted;
  private final int[] specialTokens;

  private RequestContext(Builder b) {
    this.requestId = b.requestId;
    this.account = b.account;
    this.tier = b.tier;
    this.session = b.session;
    this.client = b.client;
    this.promptText = b.promptText;
    this.promptTokens = b.promptTokens;
    this.vocabSize = b.vocabSize;
    this.sampling = b.sampling;
    this.overrides = b.overrides;
    this.probingScore = b.probingScore;
    this.flaggedGroup = b.flaggedGroup;
    this.trusted = b.trusted;
    this.specialTokens = b.specialTokens;
  }

  /**
   * The model's special tokens (end of text, end of turn, ...), in increasing order: output
   * perturbations leave their logits alone, so that a perturbed answer ends where it would have.
   * Empty if the host named none. The array is shared: do not modify it.
   */
  @Override
  public int[] specialTokens() {
    return specialTokens;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The host's id for this request (for logs and audit); generated if the host gave none. */
  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public String account() {
    return account;
  }

  @Override
  public String tier() {
    return tier;
  }

  /** The conversation or session id, if the host tracks one. */
  @Override
  public @Nullable String session() {
    return session;
  }

  /** A network fingerprint of the client (a /24 prefix, an ASN, a TLS fingerprint), if known. */
  @Override
  public @Nullable String client() {
    return client;
  }

  public String promptText() {
    return promptText;
  }

  /** A copy of the prompt's token ids. */
  public int[] promptTokens() {
    return promptTokens.clone();
  }

  @Override
  public int promptLength() {
    return promptTokens.length;
  }

  /** Prompt token {@code i}, without copying. */
  @Override
  public int promptToken(int i) {
    return promptTokens[i];
  }

  /** The model's vocabulary size: every logits row must have exactly this length. */
  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public SamplingParams sampling() {
    return sampling;
  }

  /** Per-request changes to the tier's protections, honoured only where the tier allows them. */
  public PolicyOverride overrides() {
    return overrides;
  }

  /** The probing score at request start (the detector's, or the host's own), 0 if none. */
  @Override
  public double probingScore() {
    return probingScore;
  }

  /** The flagged campaign group the account is linked to, or null. */
  @Override
  public @Nullable String flaggedGroup() {
    return flaggedGroup;
  }

  /**
   * Whether the host vouches for the caller (an internal service, an authenticated operator): only
   * trusted requests may carry {@link #overrides()}, so an API client can never switch its own
   * watermark off.
   */
  @Override
  public boolean trusted() {
    return trusted;
  }

  @Override
  public String toString() {
    return "RequestContext{requestId="
        + requestId
        + ", account="
        + account
        + ", tier="
        + tier
        + ", session="
        + session
        + ", client="
        + client
        + ", promptTokens="
        + promptTokens.length
        + ", vocabSize="
        + vocabSize
        + ", "
        + sampling
        + '}';
  }

  /** Not thread-safe; {@link #build()} checks that the required settings were given. */
  public static final class Builder {
    private static final java.util.concurrent.atomic.AtomicLong IDS =
        new java.util.concurrent.atomic.AtomicLong();

    private String requestId = "";
    private String account = "";
    private String tier = "";
    private @Nullable String session;
    private @Nullable String client;
    private String promptText = "";
    private int[] promptTokens = new int[0];
    private int vocabSize;
    private SamplingParams sampling = SamplingParams.builder().build();
    private PolicyOverride overrides = PolicyOverride.none();
    private double probingScore;
    private @Nullable String flaggedGroup;
    private boolean trusted;
    private int[] specialTokens = new int[0];

    private Builder() {}

    public Builder account(String account) {
      this.account = requireText("account", account);
      return this;
    }

    public Builder tier(String tier) {
      this.tier = requireText("tier", tier);
      return this;
    }

    public Builder vocabSize(int vocabSize) {
      if (vocabSize < 2 || vocabSize > 16_777_216) {
        throw new IllegalArgumentException(invalid("vocabSize", vocabSize, "in [2, 16777216]"));
      }
      this.vocabSize = vocabSize;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requireText("requestId", requestId);
      return this;
    }

    public Builder session(@Nullable String session) {
      this.session = session;
      return this;
    }

    public Builder client(@Nullable String client) {
      this.client = client;
      return this;
    }

    /** The prompt as text (may be empty) and as the token ids the model saw (copied). */
    public Builder prompt(String text, int[] tokens) {
      this.promptText = text;
      this.promptTokens = tokens.clone();
      return this;
    }

    public Builder sampling(SamplingParams sampling) {
      this.sampling = sampling;
      return this;
    }

    /** Marks the caller as trusted: see {@link RequestContext#trusted()}. Default false. */
    public Builder trusted(boolean trusted) {
      this.trusted = trusted;
      return this;
    }

    /**
     * The model's special tokens (end of text, end of turn), which output perturbations leave alone
     * (copied; duplicates dropped; checked against the vocabulary at {@link #build()}).
     */
    public Builder specialTokens(int... ids) {
      this.specialTokens = java.util.Arrays.stream(ids).distinct().sorted().toArray();
      return this;
    }

    public Builder overrides(PolicyOverride overrides) {
      this.overrides = overrides;
      return this;
    }

    /**
     * The account's probing score in [0, 1] (e.g. {@code Verdict.score()} of the detector) and the
     * flagged campaign group it is linked to (or null): they pick the escalation level.
     */
    public Builder probing(double score, @Nullable String flaggedGroup) {
      if (!(score >= 0 && score <= 1)) {
        throw new IllegalArgumentException(invalid("probingScore", score, "in [0, 1]"));
      }
      this.probingScore = score;
      this.flaggedGroup = flaggedGroup;
      return this;
    }

    public RequestContext build() {
      if (account.isEmpty()) {
        throw new IllegalStateException(missing("account", "a non-blank account id"));
      }
      if (tier.isEmpty()) {
        throw new IllegalStateException(missing("tier", "a tier defined by the policy"));
      }
      if (vocabSize == 0) {
        throw new IllegalStateException(missing("vocabSize", "the model's vocabulary size"));
      }
      for (int i = 0; i < promptTokens.length; i++) {
        int t = promptTokens[i];
        if (t < 0 || t >= vocabSize) {
          throw new IllegalArgumentException(
              tokenOutOfRange("promptTokens[" + i + "]", t, vocabSize));
        }
      }
      for (int t : specialTokens) {
        if (t < 0 || t >= vocabSize) {
          throw new IllegalArgumentException(tokenOutOfRange("specialTokens", t, vocabSize));
        }
      }
      if (requestId.isEmpty()) {
        requestId = "req-" + IDS.incrementAndGet();
      }
      return new RequestContext(this);
    }

    private static String requireText(String field, String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(invalid(field, value, "a non-blank string"));
      }
      return value;
    }
  }
}
