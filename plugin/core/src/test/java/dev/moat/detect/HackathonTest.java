package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A hackathon's template bucket ({@link GroupEvidence#pasted}): many new accounts behind the
 * venue's network, pasting one challenge with a handful of openings. Found on 2026-12-03 in the
 * third generator's seed 7 (about 10 skeletons for 172 accounts, one network; 40 of them flagged at
 * their first request). Each case differs from the first in one view.
 */
class HackathonTest {
  /**
   * A bucket: {@code accounts} account bits, {@code clients} network bits, 9 skeletons in ~127
   * requests.
   */
  private static long[] bucket(int accounts, int clients) {
    long[] w = new long[LinkStore.WORDS];
    set(w, LinkStore.ACCOUNTS, accounts);
    set(w, LinkStore.CLIENTS, clients);
    set(w, LinkStore.CONTENT + LinkStore.REQUESTS, 100);
    set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 9);
    return w;
  }

  private static void set(long[] w, int at, int bits) {
    for (int b = 0; b < bits; b++) {
      w[at + b / 64] |= 1L << (b % 64);
    }
  }

  @Test
  void manyAccountsOnFewTextsFromOneNetworkAreNotASweep() {
    long[] hackathon = bucket(120, 1);
    assertTrue(GroupEvidence.pasted(hackathon, 0, GroupEvidence.skeletons(hackathon, 0)));
    assertFalse(GroupEvidence.sweep(hackathon, 0));
  }

  @Test
  void theSameFromRotatingNetworksIsASweep() {
    assertTrue(GroupEvidence.sweep(bucket(120, 100), 0));
  }

  @Test
  void withoutANetworkFieldNothingTellsThemApart() {
    // The first simulator's 25,000 hydra accounts, many to a skeleton: without networks, all of
    // them
    // were missed while this rule also applied there.
    assertTrue(GroupEvidence.sweep(bucket(120, 0), 0));
  }

  @Test
  void fewerAccountsASkeletonFromOneNetworkIsStillASweep() {
    assertTrue(GroupEvidence.sweep(bucket(60, 1), 0));
  }

  @Test
  void aFewSkeletonsOneOfThemInTheSampleReadAsAFew() {
    // Ten skeletons, one of which is in the 1/16 sample: the full sketch is exact here, so 16 times
    // the sample's one is not taken (it was until this fix, and the bucket below, 151 accounts
    // from 4 networks on ten texts, read 16 skeletons and was a sweep).
    long[] w = new long[LinkStore.WORDS];
    set(w, LinkStore.ACCOUNTS, 151);
    set(w, LinkStore.CLIENTS, 4);
    set(w, LinkStore.CONTENT + LinkStore.REQUESTS, 140);
    set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 10);
    set(w, LinkStore.CONTENT + LinkStore.RESOLUTION + LinkStore.REQUESTS, 9);
    set(w, LinkStore.CONTENT + LinkStore.RESOLUTION + LinkStore.SKELETONS, 1);
    assertEquals(10, GroupEvidence.skeletons(w, 0), 0.5);
    assertFalse(GroupEvidence.sweep(w, 0));
  }

  @Test
  void pastItsAccurateRangeTheSampleScalesUp() {
    // 200 of 256 full-resolution bits set (about 390 skeletons, past the accurate range); the
    // sample's 40 bits read about 43, times 16.
    long[] w = new long[LinkStore.WORDS];
    set(w, LinkStore.CONTENT + LinkStore.SKELETONS, 200);
    set(w, LinkStore.CONTENT + LinkStore.RESOLUTION + LinkStore.SKELETONS, 40);
    double sampled =
        LinkStore.estimate(w, LinkStore.CONTENT + LinkStore.RESOLUTION + LinkStore.SKELETONS);
    assertEquals(16 * sampled, GroupEvidence.skeletons(w, 0), 1e-9);
  }
}
