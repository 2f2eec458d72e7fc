package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators did through the admin port: each action one record (when, who by the name of the
 * key used, never the key; the action; its target; the value before and after), logged at INFO on
 * {@code dev.moat.audit} with structured key/values, and kept in a bounded ring of the most recent
 * records for the console's audit view ({@code GET /admin/audit}). The ring is memory only: the log
 * is the durable record.
 *
 * <p>Records never hold key material: callers pass what an operator may see (key ids, levels,
 * settings), and the routes never return a watermark or API key in the first place.
 *
 * <p>Thread-safe: the ring is guarded by this object's lock (actions are rare).
 */
final class AuditTrail {
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.moat.audit");

  private final int capacity;
  private final Clock clock;
  private final ArrayDeque<ObjectNode> ring;

  AuditTrail(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("audit capacity was " + capacity + "; it must be >= 1");
    }
    this.capacity = capacity;
    this.clock = clock;
    this.ring = new ArrayDeque<>(capacity);
  }

  /**
   * Records an action: logged, and kept in the ring (the oldest record dropped when it is full).
   *
   * @param actor the name of the key that acted (never the key)
   * @param action what was done, e.g. {@code policy.edit}, {@code account.clear}
   * @param target what it was done to, e.g. {@code tiers.free.watermark}, {@code alice}
   */
  void record(
      String actor,
      String action,
      String target,
      @Nullable JsonNode before,
      @Nullable JsonNode after) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("at", Instant.now(clock).toString());
    r.put("actor", actor);
    r.put("action", action);
    r.put("target", target);
    r.set("before", before == null ? NullNode.instance : before.deepCopy());
    r.set("after", after == null ? NullNode.instance : after.deepCopy());
    AUDIT
        .atInfo()
        .addKeyValue("action", action)
        .addKeyValue("target", target)
        .addKeyValue("actor", actor)
        .addKeyValue("before", r.get("before").toString())
        .addKeyValue("after", r.get("after").toString())
        .log("moat admin action");
    synchronized (this) {
      if (ring.size() == capacity) {
        ring.removeFirst();
      }
      ring.addLast(r);
    }
  }

  /** The most recent records, newest first, at most {@code limit}. */
  synchronized ArrayNode recent(int limit) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    Iterator<ObjectNode> it = ring.descendingIterator();
    while (it.hasNext() && a.size() < limit) {
      a.add(it.next().deepCopy());
    }
    return a;
  }
}
