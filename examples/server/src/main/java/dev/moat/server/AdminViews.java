package dev.moat.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.enforce.Budget;
import dev.moat.enforce.Level;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.watermark.WatermarkSpec;

/**
 * The admin port's read-only views of the server, as {@link AdminRoutes} answers them: its status,
 * the generations in flight and the policy in force. Never key material.
 *
 * <p>Stateless; thread-safe (each view reads the server's state as it is at the call).
 */
final class AdminViews {
  private AdminViews() {}

  /**
   * The server's state: the model, whether Moat is on, and fleet mode's Redis ({@link
   * FleetHealth}).
   */
  static ObjectNode status(ModelServer server) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("model", server.modelId());
    r.put("moat", server.moatEnabled());
    r.put("live", server.live().size());
    r.set("fleet", FleetHealth.statusOf(server.fleetHealth()));
    return r;
  }

  /** The generations in flight: id, account, tier, level, tokens so far, streaming or not. */
  static ArrayNode sessions(ModelServer server) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Generation g : server.live().values()) {
      ObjectNode s = a.addObject();
      s.put("id", g.id);
      s.put("account", g.account());
      s.put("tier", g.tier());
      s.put("level", g.level());
      s.put("tokens", g.tokens());
      s.put("stream", g.streaming());
    }
    return a;
  }

  /**
   * Per tier, which protections are on and with what: the watermark (scheme, parameters, the key's
   * id only), the budget, the escalation ladder; and the levels. Never key material.
   */
  static ObjectNode policy(Policy p) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    ArrayNode tiers = r.putArray("tiers");
    for (String name : p.tierNames()) {
      TierPolicy t = p.tier(name);
      ObjectNode o = tiers.addObject();
      o.put("name", name);
      WatermarkSpec w = t.watermark().orElse(null);
      o.put("watermark", w != null);
      if (w != null) {
        o.put("watermark_detail", w.toString());
      }
      Budget b = p.enforcement().budgets().get(name);
      o.put("budget", b != null && !b.unlimited());
      if (b != null && !b.unlimited()) {
        o.put(
            "budget_detail",
            String.format(
                java.util.Locale.ROOT,
                "%s req/min, %s tokens/min, %s tokens/day, %s streams",
                limit(b.requestsPerMinute()),
                limit(b.tokensPerMinute()),
                limit(b.tokensPerDay()),
                limit(b.concurrentStreams())));
      }
      var ladder = p.enforcement().escalation(name);
      String ls = ladder.toString();
      boolean on = ladder.level(1.0, true) > 0;
      o.put("escalation", on);
      if (on) {
        o.put("escalation_detail", ls);
      }
      o.put("overridable", String.join(",", t.overridable()));
    }
    ArrayNode levels = r.putArray("levels");
    p.enforcement().levels().values().stream()
        .sorted(java.util.Comparator.comparingInt(Level::id))
        .forEach(l -> levels.add(l.toString()));
    return r;
  }

  private static String limit(long v) {
    return v == 0 ? "∞" : Long.toString(v);
  }
}
