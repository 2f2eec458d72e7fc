package dev.moat.detect;

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
}
