package dev.moat.detect;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An admin's overrides of the detector's evidence, each one audit record on the {@code
 * dev.moat.audit} logger and each the fleet's through the {@link LinkStore}: clearing an account or
 * a group ({@link Detector#clear}), and pinning an account at a level for a while or unpinning it
 * ({@link Detector#pin}).
 *
 * <p>Thread-safe as the {@link Detector} that owns it: each held account is changed under its lock.
 */
final class AccountOverrides {
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.moat.audit");

  private final Detector d;

  AccountOverrides(Detector d) {
    this.d = d;
  }

  /** {@link Detector#clear}. */
  boolean clear(String account, String actor, String reason) {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reason, "reason");
    AccountState s = d.accounts.getIfPresent(Objects.requireNonNull(account, "account"));
    if (s == null) {
      // Held by other replicas only, perhaps: the fleet's mark clears it there (wall-clock time).
      d.store.mark(account, AccountMark.cleared(System.currentTimeMillis(), reason), d.decayMillis);
      return false;
    }
    synchronized (s) {
      Suspicion from = s.level;
      FleetMarks.reset(s);
      s.clearedAt = s.activity.lastTs();
      d.store.mark(account, AccountMark.cleared(s.clearedAt, reason), d.decayMillis);
      republish(s);
      AUDIT
          .atInfo()
          .addKeyValue("action", "clear")
          .addKeyValue("account", account)
          .addKeyValue("group", s.group)
          .addKeyValue("from", from.wire())
          .addKeyValue("actor", actor)
          .addKeyValue("reason", reason)
          .log("moat detection verdict cleared");
    }
    return true;
  }

  /** {@link Detector#clearGroup}. */
  int clearGroup(String group, String actor, String reason) {
    Objects.requireNonNull(group, "group");
    List<String> members = new ArrayList<>();
    d.accounts
        .asMap()
        .forEach(
            (k, s) -> {
              if (group.equals(s.group)) {
                members.add(k);
              }
            });
    int n = 0;
    for (String a : members) {
      n += clear(a, actor, reason) ? 1 : 0;
    }
    return n;
  }

  /** {@link Detector#pin(String, Suspicion, Duration, String, String)}. */
  AccountPin pin(String account, Suspicion level, Duration duration, String actor, String reason) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(actor, "actor");
    AccountPin pin = AccountPin.of(level, d.now(), duration, reason);
    change(account, pin, actor, pin.reason());
    return pin;
  }

  /** {@link Detector#unpin}: the pin that was in force, or null. */
  @Nullable AccountPin unpin(String account, String actor, String reason) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reason, "reason");
    AccountPin was = pinned(account);
    change(account, null, actor, reason);
    return was;
  }

  /** {@link Detector#pinned}. */
  @Nullable AccountPin pinned(String account) {
    AccountMark m = d.store.mark(Objects.requireNonNull(account, "account"));
    AccountPin pin = m != null ? m.pin() : null;
    return pin != null && pin.holds(d.now()) ? pin : null;
  }

  /** Sets or (null) removes the pin: in the store for the fleet, on the held state, audited. */
  private void change(String account, @Nullable AccountPin pin, String actor, String reason) {
    AccountPin before = pinned(account);
    boolean shared = d.store.pin(account, pin);
    AccountState s = d.accounts.getIfPresent(account);
    if (s != null) {
      synchronized (s) {
        s.pin = pin;
        if (pin != null && pin.level() == Suspicion.NONE) {
          FleetMarks.reset(s); // an allow-listed account keeps no evidence while pinned
        }
        republish(s);
      }
    }
    var log =
        AUDIT
            .atInfo()
            .addKeyValue("action", pin != null ? "pin" : "unpin")
            .addKeyValue("account", account)
            .addKeyValue("from", before != null ? "pinned " + before.level().wire() : "not pinned")
            .addKeyValue("to", pin != null ? "pinned " + pin.level().wire() : "not pinned");
    if (pin != null) {
      log = log.addKeyValue("until", java.time.Instant.ofEpochMilli(pin.until()).toString());
    }
    log.addKeyValue("shared", shared)
        .addKeyValue("actor", actor)
        .addKeyValue("reason", reason)
        .log(pin != null ? "moat detection verdict pinned" : "moat detection verdict unpinned");
  }

  /** Publishes the held account's verdict again after a change, with its last score. */
  private void republish(AccountState s) {
    Verdict last = s.latest;
    d.judge.publish(s, last != null ? last.score() : 0, s.activity.requests());
  }
}
