package dev.moat.detect;

/**
 * How soon a young sweep ({@link GroupEvidence#judge}) counts where the deployment gives account
 * ages, when at least {@link GroupEvidence#HARVEST_CUED} of its requests elicit reasoning, plans or
 * agent traces: a sweep from {@link #REQUESTS} requests ({@link GroupEvidence#MIN_REQUESTS} for any
 * other), and {@link GroupEvidence#STRONG} (one request into it flags) from {@link #ELICITING}
 * accounts ({@link #ACCOUNTS} for any other).
 *
 * <p>Why (since 2026-12-07, session 44): a fourth generator's waves of young accounts sent one
 * request an hour each, each time into another of many such templates; a template became
 * coordinated at 12 to 15 accounts, one request each, and then each account needed two requests
 * more into coordinated templates, so seed 109's wave was served its first two and a half hours
 * whole. Why only where the template elicits: a hackathon's new accounts at home, each sending its
 * first whole coding task within the same hour, are a young sweep in the shape of single requests
 * until their follow-ups show ({@code ConversingTest}: 16 of its 60 accounts flagged with 16
 * accounts for any young sweep, 3 with 8 requests for any young sweep by given age). Why only with
 * ages: where youth is tenure, anyone sporadic first seen after the warm-up is young. What it
 * cannot tell: people on new accounts, each on a network of its own, asking distinct questions
 * "step by step" through one template within an hour (an online class's assignment, say), are such
 * a sweep from their eighth request and strong from their sixteenth account (from their sixteenth
 * request and 32nd account before).
 *
 * <p>Thread-safe: stateless.
 */
final class ElicitingSweep {
  /** Accounts for any young sweep to be strong. */
  static final int ACCOUNTS = 32;

  /** Accounts for a young sweep that elicits to be strong. */
  static final int ELICITING = 16;

  /** Requests for a template that elicits, among young accounts by given age, to be a sweep. */
  static final int REQUESTS = 8;

  private ElicitingSweep() {}

  /** Whether the bucket at {@code words[at ..)} elicits, for this class's bounds. */
  static boolean elicits(long[] words, int at) {
    return GroupEvidence.share(words, at, LinkStore.CUED) >= GroupEvidence.HARVEST_CUED;
  }

  /**
   * Whether the bucket at {@code words[at ..)}, young by given ages, is a sweep from {@link
   * #REQUESTS} requests: it elicits, and is a sweep but for the count of its requests.
   */
  static boolean sweep(long[] words, int at) {
    return elicits(words, at) && GroupEvidence.sweep(words, at, REQUESTS);
  }

  /** Whether the young sweep at {@code words[at ..)}, with about {@code k} accounts, is many. */
  static boolean many(long[] words, int at, double k) {
    return k >= ACCOUNTS || (k >= ELICITING && elicits(words, at));
  }
}
