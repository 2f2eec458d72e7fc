package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * How soon a young sweep counts and when one request into it flags ({@link ElicitingSweep}), on
 * buckets written bit by bit: young accounts by given age, each sending tasks not asked before from
 * a network of its own. Found on 2026-12-07 (session 44) in a fourth-generator wave of young
 * accounts (seed 109): its templates became coordinated at 12 to 15 accounts, one request each, and
 * then each account needed two more requests into such templates before its flag. Each case differs
 * from a control in the one count that decides.
 */
class YoungSweepTest {
  private static final double BASE_WATCHED = 0.05;
  private static final double BASE_YOUNG = 0.1;

  /**
   * A bucket of {@code accounts} young accounts from as many networks, with {@code requests}
   * requests, each a skeleton of its own and eliciting, used in two hours of one day.
   */
  static long[] bucket(int accounts, int requests) {
    return bucket(accounts, requests, requests);
  }

  /** {@link #bucket(int, int)} with {@code cued} of its requests eliciting. */
  static long[] bucket(int accounts, int requests, int cued) {
    long[] w = new long[LinkStore.WORDS];
    ContagionTest.set(w, LinkStore.ACCOUNTS, 0, accounts);
    ContagionTest.set(w, LinkStore.YOUNG, 0, accounts);
    ContagionTest.set(w, LinkStore.CLIENTS, 0, accounts);
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.REQUESTS, 0, requests);
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 0, requests);
    ContagionTest.set(w, LinkStore.CONTENT + LinkStore.CUED, 0, cued);
    w[LinkStore.ACTIVITY] = 0b11L | (1L << 24); // hours 0 and 1, on one day
    return w;
  }

  static int judge(long[] w, boolean agesGiven) {
    return GroupEvidence.judge(
        w, 0, false, BASE_WATCHED, BASE_YOUNG, agesGiven, true, true, false, -1, Integer.MAX_VALUE);
  }

  @Test
  void sixteenYoungAccountsByGivenAgeMakeAnElicitingTemplateStrong() {
    // Strong: one request into it flags (before 2026-12-07, from 32 accounts on).
    assertEquals(GroupEvidence.STRONG, judge(bucket(16, 20), true));
    assertEquals(GroupEvidence.STRONG, judge(bucket(40, 60), true));
    // The controls: fewer accounts, or youth that is only tenure (no ages given).
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(14, 20), true));
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(16, 20), false));
    // Too few requests for an eliciting sweep (8): nothing, however many accounts.
    assertEquals(GroupEvidence.NONE, judge(bucket(16, 7), true));
  }

  @Test
  void eightRequestsOfYoungAccountsByGivenAgeMakeAnElicitingSweep() {
    // One request each, each a task not asked before (before 2026-12-07, 16 requests).
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(8, 8), true));
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(12, 15), true));
    // The controls: youth that is only tenure, a template that does not elicit (3 of 15), seven
    // accounts, and eight accounts on seven tasks.
    assertEquals(GroupEvidence.NONE, judge(bucket(12, 15), false));
    assertEquals(GroupEvidence.NONE, judge(bucket(12, 15, 3), true));
    assertEquals(GroupEvidence.NONE, judge(bucket(7, 8), true));
    long[] fewTasks = bucket(8, 8);
    fewTasks[LinkStore.CONTENT + LinkStore.SKELETONS] = 0x7FL;
    assertEquals(GroupEvidence.NONE, judge(fewTasks, true));
    // From 16 requests any young sweep counts, eliciting or not, with or without ages.
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(12, 16, 3), true));
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(12, 16), false));
  }

  @Test
  void aTemplateThatDoesNotElicitNeedsThirtyTwo() {
    // Single whole tasks, few of them asking for reasoning: a hackathon's first hour looks so.
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(16, 20, 4), true));
    assertEquals(GroupEvidence.COORDINATED, judge(bucket(30, 40, 8), true));
    assertEquals(GroupEvidence.STRONG, judge(bucket(32, 40, 8), true));
    // The control: two in five eliciting.
    assertEquals(GroupEvidence.STRONG, judge(bucket(16, 20, 8), true));
  }
}
