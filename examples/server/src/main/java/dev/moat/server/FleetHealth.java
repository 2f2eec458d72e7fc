package dev.moat.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.detect.redis.RedisLinkStore;
import dev.moat.enforce.redis.RedisFleetLimiter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * Whether fleet mode's Redis serves this replica now, for the console's banner, {@code GET
 * /admin/status} and the {@code moat_fleet_degraded} gauge. The fleet is <b>degraded</b> while the
 * link store has failed over to this replica's own links, while the fleet budgets have failed open
 * to local budgets, or while Redis does not answer a {@code PING}: the stores notice an outage at
 * their next call only (and the link store then retries after 5 s without knowing), so a check once
 * a second ({@link #check}) makes an outage visible within a second even without traffic, and its
 * end within a second of both stores being back.
 *
 * <p>Each change from healthy to degraded counts once ({@code moat_fleet_outages_total}) and is
 * logged once, as is the return. Nothing here shows more of the address than host and port.
 *
 * <p>Thread-safe: {@link #check} runs on one thread (the sampler's); the state it publishes is in
 * volatile fields read by any.
 */
final class FleetHealth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetHealth.class);

  private final RedisLinkStore links;
  private final RedisFleetLimiter budgets;
  private final JedisPooled probe;
  private final String address;
  private final AtomicLong outages = new AtomicLong();
  private volatile boolean degraded;
  private volatile boolean answering = true;
  private volatile long since = -1; // epoch ms the current state began (degraded or not)

  /** A check of {@code host:port}, on whose Redis the two stores run. */
  FleetHealth(
      String host, int port, RedisLinkStore links, RedisFleetLimiter budgets, MeterRegistry r) {
    this.links = links;
    this.budgets = budgets;
    this.address = host + ":" + port;
    this.probe =
        new JedisPooled(
            new HostAndPort(host, port),
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(250)
                .socketTimeoutMillis(250)
                .build());
    Gauge.builder("moat.fleet.degraded", this, h -> h.degraded ? 1 : 0)
        .description(
            "1 while fleet mode's Redis fails this replica (links and budgets local), else 0")
        .register(r);
    FunctionCounter.builder("moat.fleet.outages", outages, AtomicLong::get)
        .description("Times this replica saw fleet mode's Redis go from serving to failing")
        .register(r);
  }

  /** Checks Redis and the stores now; called once a second. */
  void check(long nowMillis) {
    boolean ok;
    try {
      ok = "PONG".equals(probe.ping());
    } catch (RuntimeException e) {
      ok = false;
    }
    answering = ok;
    boolean now = !ok || !links.connected() || !budgets.connected();
    if (now != degraded || since < 0) {
      if (now && !degraded) {
        outages.incrementAndGet();
        LOG.warn(
            "fleet degraded: Redis at {} {}; links and budgets are this replica's own until it is"
                + " back",
            address,
            ok ? "failed a store's call" : "does not answer");
      } else if (!now && degraded) {
        LOG.info(
            "fleet healthy again: Redis at {} serves links and budgets (after {} s)",
            address,
            (nowMillis - since) / 1000);
      }
      degraded = now;
      since = nowMillis;
    }
  }

  boolean degraded() {
    return degraded;
  }

  /**
   * The fleet's state for {@code GET /admin/status}: whether degraded and since when, each store's
   * mode, the counts, and what fail-open means while it lasts.
   */
  ObjectNode status() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("mode", "fleet");
    o.put("redis", address);
    o.put("degraded", degraded);
    long s = since;
    if (s >= 0) {
      o.put("since", Instant.ofEpochMilli(s).toString());
    }
    o.put("redis_answers", answering);
    o.put("links", links.connected() ? "redis" : "local");
    o.put("budgets", budgets.connected() ? "redis" : "local");
    o.put("outages", outages.get());
    o.put("link_failures", links.failures());
    o.put("budget_outages", budgets.outages());
    if (degraded) {
      o.put(
          "message",
          "Redis at "
              + address
              + " is failing: this replica links what it sees itself and applies its own local"
              + " budgets (fail-open), so a campaign spread over replicas is linked more slowly and"
              + " a tier's budget may be exceeded up to once per replica. Flags raised meanwhile"
              + " reach the fleet once Redis is back.");
    }
    return o;
  }

  /** The status of a server without fleet mode. */
  static ObjectNode single() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("mode", "single");
    o.put("degraded", false);
    return o;
  }

  static ObjectNode statusOf(@Nullable FleetHealth h) {
    return h == null ? single() : h.status();
  }

  @Override
  public void close() {
    probe.close();
  }
}
