package dev.moat.server;

import dev.moat.detect.redis.RedisLinkStore;
import dev.moat.enforce.redis.RedisFleetLimiter;
import dev.moat.policy.Problems;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * {@code --redis redis://HOST:PORT}: fleet mode. The detector's link store and accounts' flags and
 * clearings ({@link RedisLinkStore}), and the budgets and stream slots ({@link RedisFleetLimiter}),
 * shared by every replica through Redis. Fail-open: while Redis is unreachable each replica links
 * what it sees itself and applies its own local budgets, counts the failures ({@code
 * moat_detector_redis_failures_total}, {@code moat_fleet_budget_outages_total}) and tries Redis
 * again after 5 s; flags raised meanwhile stay on their replica and reach the fleet once it is
 * back. {@link FleetHealth} shows the outage while it lasts (the console's banner, {@code
 * moat_fleet_degraded}).
 *
 * <p>Thread-safe: stateless.
 */
final class FleetLinks {
  private FleetLinks() {}

  /** A store for {@code url}; an address that is not {@code redis://HOST:PORT} is refused. */
  static RedisLinkStore connect(String url) {
    URI u = address(url);
    return RedisLinkStore.builder().address(u.getHost(), port(u)).build();
  }

  /** Fleet budgets at {@code url} (checked as {@link #connect} checks it). */
  static RedisFleetLimiter budgets(String url) {
    URI u = address(url);
    return RedisFleetLimiter.builder().address(u.getHost(), port(u)).build();
  }

  /** The check of {@code url}'s Redis behind the two stores (the console's banner). */
  static FleetHealth health(
      String url,
      RedisLinkStore links,
      RedisFleetLimiter budgets,
      io.micrometer.core.instrument.MeterRegistry registry) {
    URI u = address(url);
    return new FleetHealth(u.getHost(), port(u), links, budgets, registry);
  }

  private static int port(URI u) {
    return u.getPort() == -1 ? 6379 : u.getPort();
  }

  private static URI address(String url) {
    String shown = redacted(url);
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(Problems.invalid("--redis", shown, "redis://HOST:PORT"));
    }
    if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException(Problems.invalid("--redis", shown, "redis://HOST:PORT"));
    }
    if (u.getRawUserInfo() != null) {
      // Never silently ignored: a replica that drops the password would talk to whichever Redis
      // answers without one. Redis AUTH is not implemented; the value shown hides the secret.
      throw new IllegalArgumentException(
          Problems.invalid(
              "--redis",
              shown,
              "redis://HOST:PORT without a user or password (Redis AUTH is not supported: run"
                  + " the fleet's Redis on a private network)"));
    }
    String path = u.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || u.getRawQuery() != null
        || u.getRawFragment() != null) {
      throw new IllegalArgumentException(
          Problems.invalid(
              "--redis",
              shown,
              "redis://HOST:PORT with no database number, path or options (database 0 is used)"));
    }
    return u;
  }

  /** The address with anything between {@code ://} and {@code @} (a user, a password) hidden. */
  static String redacted(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    return scheme >= 0 && at > scheme
        ? url.substring(0, scheme + 3) + "***" + url.substring(at)
        : url;
  }
}
