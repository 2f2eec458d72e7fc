package dev.moat.detect;

/**
 * When a young sweep ({@link GroupEvidence#judge}) has accounts enough to be {@link
 * GroupEvidence#STRONG} (one request into it flags) where the deployment gives account ages: {@link
 * #ACCOUNTS}, or {@link #ELICITING} where at least {@link GroupEvidence#HARVEST_CUED} of its
 * requests elicit reasoning, plans or agent traces.
 *
 * <p>Why the second bound (since 2026-12-07, session 44): a fourth generator's waves of young
 * accounts sent one request an hour each, each time into another of many such templates; a template
 * became coordinated at 12 to 15 accounts, one request each, and then each account needed two
 * requests more into coordinated templates, so seed 109's wave was served its first two and a half
 * hours whole. Why only where the template elicits: a hackathon's new accounts at home, each
 * sending its first whole coding task within the same hour, are a young sweep in the shape of
 * single requests until their follow-ups show ({@code ConversingTest}: 16 of its 60 accounts
 * flagged with 16 accounts for any sweep). What it cannot tell: people on new accounts, each on a
 * network of its own, asking distinct questions "step by step" through one template within an hour
 * (an online class's assignment, say), are such a sweep from their sixteenth account (from their
 * 32nd before).
 *
 * <p>Thread-safe: stateless.
 */
final class StrongSweep {
  /** Accounts for any young sweep. */
  static final int ACCOUNTS = 32;

  /** Accounts for a young sweep that elicits. */
  static final int ELICITING = 16;

  private StrongSweep() {}

  /** Whether the young sweep at {@code words[at ..)}, with about {@code k} accounts, is many. */
  static boolean many(long[] words, int at, double k) {
    return k >= ACCOUNTS
        || (k >= ELICITING
            && GroupEvidence.share(words, at, LinkStore.CUED) >= GroupEvidence.HARVEST_CUED);
  }
}
