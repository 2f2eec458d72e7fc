package dev.moat.examples.serve;

import dev.moat.detect.redis.RedisLinkStore;
import dev.moat.internal.Messages;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * {@code --redis redis://HOST:PORT}: the detector's link store shared by every replica through
 * Redis. Fail-open: while Redis is unreachable each replica links what it sees itself, counts the
 * failures ({@code moat_detector_redis_failures_total}) and tries Redis again after 5 s; flags and
 * account states are each replica's own and never lost to an outage.
 *
 * <p>Thread-safe: stateless.
 */
final class FleetLinks {
  private FleetLinks() {}

  /** A store for {@code url}; an address that is not {@code redis://HOST:PORT} is refused. */
  static RedisLinkStore connect(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(Messages.invalid("--redis", url, "redis://HOST:PORT"));
    }
    if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException(Messages.invalid("--redis", url, "redis://HOST:PORT"));
    }
    int port = u.getPort() == -1 ? 6379 : u.getPort();
    return RedisLinkStore.builder().address(u.getHost(), port).build();
  }
}
