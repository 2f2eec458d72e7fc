package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three replicas behind round-robin sharing one link store (the embedded one here; Redis in {@code
 * RedisReplicasTest}): a campaign spread over them is caught about as fast as by one detector that
 * sees everything, because the group evidence lives in the shared buckets; and once one replica
 * flags an account, every replica does from its next request (the fleet's {@link AccountMark}s).
 */
class ReplicasTest {
  @Test
  void aCampaignSpreadOverReplicasIsCaughtAboutAsFast() {
    List<TraceRecord> trace = ReplicaHarness.campaign(41);
    long alone = ReplicaHarness.alone(trace, "bot-");
    LocalLinkStore shared = LocalLinkStore.standard();
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.flagged("person-"));
    long spread = fleet.servedBeforeFlag("bot-");
    System.out.println(
        "served before the flags: alone " + alone + ", over three replicas " + spread);
    // Each replica needs its own hits into the campaign's templates: somewhat slower, not 3x.
    assertTrue(spread <= 1.5 * alone + 20, "alone " + alone + ", over three replicas " + spread);
    // A flag raised on one replica is the fleet's at the next request, wherever it lands.
    assertEquals(0, fleet.servedUnflaggedAfterFlag("bot-"));
  }

  /** Without fleet marks, the other replicas each needed their own evidence (the bug fixed). */
  @Test
  void everyReplicaFlagsFromTheRequestAfterTheFirstFlag() {
    List<TraceRecord> trace = ReplicaHarness.campaign(44);
    LocalLinkStore shared = LocalLinkStore.standard();
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    assertEquals(40, fleet.flagged("bot-"));
    assertEquals(0, fleet.servedUnflaggedAfterFlag("bot-"));
    for (int a = 0; a < 40; a++) {
      for (int i = 0; i < 3; i++) {
        assertTrue(fleet.flaggedOn(i, "bot-" + a), "bot-" + a + " on replica " + i);
      }
    }
  }

  /**
   * An account watched on one replica is watched on all from its next request (the fleet's watch in
   * its {@link AccountMark}); before, each replica watched on its own evidence and served the
   * others' watched accounts at no level (the count printed).
   */
  @Test
  void everyReplicaWatchesFromTheRequestAfterTheFirstWatch() {
    List<TraceRecord> trace = ReplicaHarness.campaign(46);
    LocalLinkStore shared = LocalLinkStore.standard();
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    // Without sharing: the same replicas, each watch kept to its own replica (a store that
    // ignores watches, as before the fix).
    LocalLinkStore blind = LocalLinkStore.standard();
    ReplicaHarness apart = new ReplicaHarness(3, i -> new WatchBlind(blind));
    apart.replay(trace);
    long watchedPeople = fleet.watched("person-");
    System.out.println(
        "watched: bots "
            + fleet.watched("bot-")
            + ", people "
            + watchedPeople
            + "; served at no level after a watch: shared "
            + (fleet.servedUnwatchedAfterWatch("bot-") + fleet.servedUnwatchedAfterWatch("person-"))
            + ", kept apart "
            + (apart.servedUnwatchedAfterWatch("bot-")
                + apart.servedUnwatchedAfterWatch("person-")));
    assertTrue(fleet.watched("bot-") + watchedPeople > 0, "the trace watches someone");
    assertTrue(
        apart.servedUnwatchedAfterWatch("bot-") + apart.servedUnwatchedAfterWatch("person-") > 0,
        "kept apart, replicas serve each other's watched accounts at no level");
    assertEquals(0, fleet.servedUnwatchedAfterWatch("bot-"));
    assertEquals(0, fleet.servedUnwatchedAfterWatch("person-"));
  }

  /** A shared store that keeps no watches (what every store did before watches were shared). */
  private record WatchBlind(LocalLinkStore inner) implements LinkStore {
    @Override
    public void record(int[] marks, int markCount, long[] keys, int count, long[] out) {
      inner.record(marks, markCount, keys, count, out);
    }

    @Override
    public void flag(String account, int accountBit, long[] keys, int count) {
      inner.flag(account, accountBit, keys, count);
    }

    @Override
    public List<String> linkedAccounts(long key, int max) {
      return inner.linkedAccounts(key, max);
    }

    @Override
    public AccountMark mark(String account) {
      AccountMark m = inner.mark(account);
      return m == null ? null : m.withoutPin();
    }

    @Override
    public boolean mark(String account, AccountMark mark, long guardMillis) {
      return inner.mark(account, mark, guardMillis);
    }

    @Override
    public void close() {}
  }

  @Test
  void aClearingOnOneReplicaClearsTheAccountOnAll() {
    List<TraceRecord> trace = ReplicaHarness.campaign(45);
    LocalLinkStore shared = LocalLinkStore.standard();
    ReplicaHarness fleet = new ReplicaHarness(3, i -> shared);
    fleet.replay(trace);
    assertTrue(fleet.flaggedOn(1, "bot-7") && fleet.flaggedOn(2, "bot-7"));
    assertTrue(fleet.replica(0).clear("bot-7", "admin", "false positive"));
    TraceRecord last = null;
    for (TraceRecord r : trace) {
      if (r.account().equals("bot-7")) {
        last = r;
      }
    }
    assertNotNull(last);
    for (int i = 1; i < 3; i++) {
      // Its next request, one minute on: cleared there too, and not flagged again at once.
      TraceRecord next = at(last, last.ts() + 60_000L * i);
      Verdict v = fleet.replica(i).observe(next);
      assertFalse(v.flagged(), "replica " + i);
      assertNotEquals(Suspicion.FLAG, v.level());
    }
    // A clearing made on a replica that never held the account (an admin's console on a fresh
    // replica) still reaches the others.
    assertTrue(fleet.flaggedOn(1, "bot-9"));
    try (Detector fresh = Detector.builder().linkStore(shared).build()) {
      assertFalse(fresh.clear("bot-9", "admin", "false positive"));
    }
    TraceRecord nine = null;
    for (TraceRecord r : trace) {
      if (r.account().equals("bot-9")) {
        nine = r;
      }
    }
    assertNotNull(nine);
    // Timed by the wall clock there: this request comes after it.
    assertFalse(fleet.replica(1).observe(at(nine, System.currentTimeMillis() + 60_000)).flagged());
  }

  static TraceRecord at(TraceRecord r, long ts) {
    return new TraceRecord(
        ts,
        r.account(),
        r.accountCreated(),
        r.tier(),
        r.client(),
        r.conversation(),
        r.turn(),
        r.system(),
        r.prompt(),
        r.maxTokens(),
        r.temperature(),
        r.topLogprobs(),
        r.outputTokens());
  }

  @Test
  void marksRoundTripAndAFlagDoesNotOverrideAFreshClearing() {
    AccountMark f = AccountMark.flag(1000, 2000, "g-1a2b", "coordinated: a|b\nc");
    assertEquals(f, AccountMark.decode(f.encode()));
    assertEquals("coordinated: a|b c", f.reason());
    AccountMark c = AccountMark.cleared(5000, "false positive");
    assertEquals(c, AccountMark.decode(c.encode()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AccountMark.decode("X|1|2||r"));
    assertTrue(e.getMessage().startsWith("`account mark` was 'X|1|2||r' but it must be"));
    long day = 86_400_000L;
    assertFalse(LinkStore.replaces(c, AccountMark.flag(6000, 5000 + day - 1, null, "r"), day));
    assertTrue(LinkStore.replaces(c, AccountMark.flag(6000, 5000 + day, null, "r"), day));
    assertTrue(LinkStore.replaces(f, c, day));
    LocalLinkStore store = LocalLinkStore.standard();
    assertTrue(store.mark("a", c, day));
    assertTrue(store.mark("a", AccountMark.flag(6000, 7000, null, "r"), day)); // refused, held
    assertEquals(c, store.mark("a"));
  }
}
