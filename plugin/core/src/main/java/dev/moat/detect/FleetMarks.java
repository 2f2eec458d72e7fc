package dev.moat.detect;

import java.util.List;

/**
 * Flags, clearings, pins and watch levels shared by every replica through the {@link LinkStore}'s
 * {@link AccountMark}s: a replica that flags an account tells the fleet, and every replica reads
 * the account's mark at each of its requests, so that a campaign account spread over replicas
 * behind round-robin is flagged on all of them from the request after the first flag, and an
 * admin's clearing on one replica clears it on all. With the embedded store (one replica) the marks
 * are this replica's own and change nothing.
 *
 * <p>Cost: one mark read per request (memory for the embedded store, one Redis read for the fleet
 * store), and one write when an account is flagged or watched, then at most once per eighth of the
 * decay period while its evidence goes on.
 *
 * <p>Thread-safe as the {@link AccountJudge} that calls it: with the account's state locked.
 */
final class FleetMarks {
  private FleetMarks() {}

  /**
   * Applies the fleet's mark on the account before this request is judged: its pin (in force at
   * {@code now}, or none), a flag raised elsewhere (not yet decayed, not older than a clearing
   * here), or a clearing made elsewhere. An account pinned at none keeps no evidence (as an exempt
   * tier's) and adopts no flag.
   *
   * @param prior the account's requests on this replica before this one
   * @return whether the account is exempt from evidence: its tier is, or it is pinned at none
   */
  static boolean adopt(Detector d, AccountState s, long now, long prior, boolean exempt) {
    AccountMark m = d.store.mark(s.account);
    AccountPin pin = m != null ? m.pin() : null;
    s.pin = pin != null && pin.holds(now) ? pin : null;
    if (s.pin != null && s.pin.level() == Suspicion.NONE) {
      reset(s);
      exempt = true;
    }
    if (m == null) {
      return exempt;
    }
    boolean result = adoptMark(d, s, now, prior, exempt, m);
    adoptWatch(d, s, now, result, m);
    return result;
  }

  /** The flag or clearing of {@link #adopt}. */
  private static boolean adoptMark(
      Detector d, AccountState s, long now, long prior, boolean exempt, AccountMark m) {
    if (!m.flagged()) {
      if (m.at() > s.clearedAt) {
        reset(s);
        s.clearedAt = m.at(); // no new flag for the decay period, as on the replica that cleared
      }
      return exempt;
    }
    if (s.level == Suspicion.FLAG) {
      s.flagEvidence = Math.max(s.flagEvidence, m.at()); // evidence seen by other replicas
      return exempt;
    }
    if (exempt || now - m.at() > d.decayMillis || m.at() <= s.clearedAt) {
      return exempt;
    }
    s.level = Suspicion.FLAG;
    if (s.flaggedAt < 0) {
      s.flaggedAt = m.flaggedAt() >= 0 ? Math.min(m.flaggedAt(), now) : now;
      s.requestsBeforeFlag = prior;
    }
    s.groupHits = Math.max(s.groupHits, Detector.FLAG_HITS);
    s.flagEvidence = Math.max(s.flagEvidence, m.at());
    s.watchEvidence = Math.max(s.watchEvidence, m.at());
    s.group = m.group();
    s.fleetShared = m.at();
    s.reasons = List.of("flagged by another replica of the fleet", m.reason());
    return false;
  }

  /**
   * A watch raised elsewhere, its evidence newer than any clearing here and not yet decayed: an
   * account watched on one replica is watched on all (the same invisible measures wherever its
   * requests land), and its watch lasts as long as any replica sees evidence.
   */
  private static void adoptWatch(
      Detector d, AccountState s, long now, boolean exempt, AccountMark m) {
    long w = m.watchedAt();
    if (exempt || w == Long.MIN_VALUE || w <= s.clearedAt || now - w > d.decayMillis) {
      return;
    }
    s.watchShared = Math.max(s.watchShared, w); // the fleet knows this evidence already
    if (s.level == Suspicion.NONE) {
      s.level = Suspicion.WATCH;
      s.watchEvidence = w;
      s.reasons = List.of("watched by another replica of the fleet");
    } else {
      s.watchEvidence = Math.max(s.watchEvidence, w);
    }
  }

  /**
   * Tells the fleet of the account's flag or watch (a detector's own embedded store keeps no
   * watches: nobody else reads it): when it is new, or its evidence moved on by an eighth of the
   * decay period.
   */
  static void share(Detector d, AccountState s) {
    if (s.level == Suspicion.WATCH) {
      if (s.watchShared == Long.MIN_VALUE || s.watchEvidence - s.watchShared >= d.decayMillis / 8) {
        if (d.store.watch(s.account, s.watchEvidence, d.decayMillis)) {
          s.watchShared = s.watchEvidence;
        }
      }
      return;
    }
    if (s.level != Suspicion.FLAG) {
      return;
    }
    if (s.fleetShared != Long.MIN_VALUE && s.flagEvidence - s.fleetShared < d.decayMillis / 8) {
      return;
    }
    List<String> why = s.reasons;
    String reason = why != null && !why.isEmpty() ? why.get(0) : "flagged";
    AccountMark m = AccountMark.flag(s.flaggedAt, s.flagEvidence, s.group, reason);
    if (d.store.mark(s.account, m, d.decayMillis)) {
      s.fleetShared = s.flagEvidence;
    }
  }

  /** The level and evidence a clearing removes. */
  static void reset(AccountState s) {
    s.level = Suspicion.NONE;
    s.forgetEvidence();
    s.watchEvidence = Long.MIN_VALUE;
    s.flagEvidence = Long.MIN_VALUE;
    s.fleetShared = Long.MIN_VALUE;
    s.watchShared = Long.MIN_VALUE;
  }
}
