package dev.moat.redis;

import dev.moat.policy.Problems;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The rules of the settings every Redis backend's builder shares (address, key prefix, timeout,
 * retry), written once: each check returns its value or throws naming the setting, the value and
 * what is allowed.
 *
 * <p>Stateless and thread-safe.
 */
public final class RedisSettings {
  private RedisSettings() {}

  /** A host name, not null. */
  public static String host(String host) {
    return Objects.requireNonNull(host, "host");
  }

  /** A TCP port, 1 to 65535. */
  public static int port(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(Problems.invalid("port", port, "1 to 65535"));
    }
    return port;
  }

  /** A key prefix, 1 to 64 characters. */
  public static String prefix(@Nullable String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.length() > 64) {
      throw new IllegalArgumentException(
          Problems.invalid("prefix", String.valueOf(prefix), "1 to 64 chars"));
    }
    return prefix;
  }

  /** A connect and read timeout, in (0, 60 s]. */
  public static Duration timeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > 60_000) {
      throw new IllegalArgumentException(Problems.invalid("timeout", timeout, "(0, 60 s]"));
    }
    return timeout;
  }

  /** How long to stay failed over before trying Redis again, {@code >= 0}. */
  public static Duration retryAfter(Duration retryAfter) {
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException(Problems.invalid("retryAfter", retryAfter, ">= 0"));
    }
    return retryAfter;
  }
}
