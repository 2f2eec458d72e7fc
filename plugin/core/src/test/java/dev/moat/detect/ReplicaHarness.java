package dev.moat.detect;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Replays a trace round-robin over replicas (each its own detector and link-store client) and
 * counts, for one population, how many accounts were flagged by any replica and how many of their
 * requests were served before that. Public for the Redis tests in another package.
 */
public final class ReplicaHarness {
  private final Detector[] replicas;
  private final Map<String, Long> seen = new HashMap<>();
  private final Map<String, Long> firstFlag = new HashMap<>();
  private final Map<String, Long> unflaggedAfter = new HashMap<>();
  private final Map<String, Long> firstWatch = new HashMap<>();
  private final Map<String, Long> unwatchedAfter = new HashMap<>();
  private int next;

  /** {@code n} replicas, replica {@code i}'s link store from {@code store}. */
  public ReplicaHarness(int n, IntFunction<LinkStore> store) {
    replicas = new Detector[n];
    for (int i = 0; i < n; i++) {
      replicas[i] = Detector.builder().linkStore(store.apply(i)).build();
    }
  }

  /** The campaign of {@link DetectorTest#traffic}: 40 bots among 150 people, two days. */
  public static List<TraceRecord> campaign(long seed) {
    return DetectorTest.traffic(seed, 40, 150, true);
  }

  /** Sends {@code records} to the replicas in turn. */
  public void replay(List<TraceRecord> records) {
    for (TraceRecord r : records) {
      Verdict v = replicas[next++ % replicas.length].observe(r);
      long k = seen.merge(r.account(), 1L, Long::sum);
      if (v.flagged()) {
        firstFlag.putIfAbsent(r.account(), k - 1);
      } else if (firstFlag.containsKey(r.account())) {
        unflaggedAfter.merge(r.account(), 1L, Long::sum);
      }
      if (v.level() != Suspicion.NONE) {
        firstWatch.putIfAbsent(r.account(), k - 1);
      } else if (firstWatch.containsKey(r.account())) {
        unwatchedAfter.merge(r.account(), 1L, Long::sum);
      }
    }
  }

  /** Accounts whose name starts with {@code prefix} flagged by some replica. */
  public long flagged(String prefix) {
    return firstFlag.keySet().stream().filter(a -> a.startsWith(prefix)).count();
  }

  /** Their requests served before the first flag (all of them for accounts never flagged). */
  public long servedBeforeFlag(String prefix) {
    long n = 0;
    for (var e : seen.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        Long f = firstFlag.get(e.getKey());
        n += f != null ? f : e.getValue();
      }
    }
    return n;
  }

  /**
   * Requests of those accounts served unflagged after some replica had flagged the account: by a
   * replica that had not (yet) learnt of the flag.
   */
  public long servedUnflaggedAfterFlag(String prefix) {
    return unflaggedAfter.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Accounts whose name starts with {@code prefix} watched or flagged by some replica. */
  public long watched(String prefix) {
    return firstWatch.keySet().stream().filter(a -> a.startsWith(prefix)).count();
  }

  /**
   * Requests of those accounts served at no level after some replica had watched or flagged the
   * account (within one decay period for traces shorter than it): by a replica that had not learnt
   * of it.
   */
  public long servedUnwatchedAfterWatch(String prefix) {
    return unwatchedAfter.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Replica {@code i}. */
  public Detector replica(int i) {
    return replicas[i];
  }

  /** Whether replica {@code i} has {@code account} flagged now. */
  public boolean flaggedOn(int i, String account) {
    Verdict v = replicas[i].verdict(account);
    return v != null && v.flagged();
  }

  /** Requests served before the flag by one detector that sees everything, for comparison. */
  public static long alone(List<TraceRecord> records, String prefix) {
    ReplicaHarness one = new ReplicaHarness(1, i -> LocalLinkStore.standard());
    one.replay(records);
    return one.servedBeforeFlag(prefix);
  }
}
