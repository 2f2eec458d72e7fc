package dev.moat;

import dev.moat.internal.Messages;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.state.ActivityLedger;
import dev.moat.watermark.WatermarkKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Starts {@link Moat}'s part of a request under a given compiled policy: the tier's protections
 * begun for the request, its account's and session's activity started, and an {@link Escalator}
 * attached when the request was admitted or its tier has an escalation ladder.
 *
 * <p>Thread-safe: its fields are immutable or thread-safe, and each call works on the policy it is
 * given, so a request runs under the policy it started with.
 */
final class RequestStarter {
  private final WatermarkKeys keys;
  private final Map<String, List<Protection>> extras;
  private final ActivityLedger accounts;
  private final ActivityLedger sessions;
  private final dev.moat.enforce.Enforcer enforcer;
  private final Consumer<dev.moat.enforce.LevelChange> audit;

  RequestStarter(
      WatermarkKeys keys,
      Map<String, List<Protection>> extras,
      ActivityLedger accounts,
      ActivityLedger sessions,
      dev.moat.enforce.Enforcer enforcer,
      Consumer<dev.moat.enforce.LevelChange> audit) {
    this.keys = keys;
    this.extras = extras;
    this.accounts = accounts;
    this.sessions = sessions;
    this.enforcer = enforcer;
    this.audit = audit;
  }

  /**
   * The request started under {@code c}, with {@code admission} (null when it went through no
   * admission control).
   *
   * @throws IllegalArgumentException if the tier is not defined by the policy
   */
  MoatRequest start(
      CompiledPolicy c, RequestContext request, dev.moat.enforce.@Nullable Admission admission) {
    CompiledPolicy.Tier tier = c.tiers().get(request.tier());
    if (tier == null) {
      throw new IllegalArgumentException(
          Messages.unknownTier(request.tier(), c.policy().tierNames()));
    }
    Protection[] protections = tier.protectionsFor(request, keys, extras);
    RequestProtection[] perRequest = new RequestProtection[protections.length];
    List<String> applied = new ArrayList<>(protections.length);
    for (int i = 0; i < protections.length; i++) {
      perRequest[i] = protections[i].begin(request);
      applied.add(protections[i].describe());
    }
    String session = request.session();
    MoatRequest r =
        new MoatRequest(
            request,
            tier.policy().name(),
            applied,
            perRequest,
            accounts.start(request.account()),
            session == null ? null : sessions.start(session));
    dev.moat.enforce.Escalation ladder = c.policy().enforcement().escalation(request.tier());
    if (admission != null || !ladder.equals(dev.moat.enforce.Escalation.NONE)) {
      r.escalator(new Escalator(request, ladder, enforcer, admission, audit, c.noise()));
    }
    return r;
  }
}
