package dev.moat.detect.redis;

import dev.moat.detect.AccountMark;
import dev.moat.detect.AccountPin;
import dev.moat.policy.Problems;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An account's three fleet keys in Redis, apart from each other: its mark ({@code PREFIXm:ACCOUNT},
 * {@link AccountMark#encode}'s line), its pin ({@code PREFIXp:ACCOUNT}, {@link AccountPin#encode}'s
 * line) and its watch ({@code PREFIXw:ACCOUNT}, the time in decimal milliseconds), read together by
 * one {@code MGET}.
 *
 * <p>Immutable and thread-safe.
 */
final class AccountKeys {
  private static final Logger log = LoggerFactory.getLogger(RedisLinkStore.class);

  private final String prefix;

  AccountKeys(String prefix) {
    this.prefix = prefix;
  }

  byte[] mark(String account) {
    return (prefix + "m:" + account).getBytes(StandardCharsets.UTF_8);
  }

  byte[] pin(String account) {
    return (prefix + "p:" + account).getBytes(StandardCharsets.UTF_8);
  }

  byte[] watch(String account) {
    return (prefix + "w:" + account).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The account's mark from the {@code MGET} of its mark, pin and watch keys (in that order); a
   * value that does not decode is logged, counted in {@code failures} and read as absent.
   */
  @org.jspecify.annotations.Nullable
  AccountMark decode(String account, List<byte[]> raw, AtomicLong failures) {
    Long watched = decoded(account, raw.get(2), "watch", AccountKeys::watchTime, failures);
    return AccountMark.of(
        decoded(account, raw.get(0), "mark", AccountMark::decode, failures),
        decoded(account, raw.get(1), "pin", AccountPin::decode, failures),
        watched == null ? Long.MIN_VALUE : watched);
  }

  private static Long watchTime(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          Problems.invalid("watch", value, "a time in decimal milliseconds"), e);
    }
  }

  private static <T> @org.jspecify.annotations.Nullable T decoded(
      String account,
      byte @org.jspecify.annotations.Nullable [] raw,
      String what,
      Function<String, T> decode,
      AtomicLong failures) {
    if (raw == null) {
      return null;
    }
    try {
      return decode.apply(new String(raw, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      failures.incrementAndGet();
      log.warn("unreadable fleet {} of account {}: {}", what, account, e.getMessage());
      return null;
    }
  }
}
