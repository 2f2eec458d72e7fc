package dev.moat.policy;

import dev.moat.internal.Messages;

/**
 * How Moat words a setting that broke its rule, as each of a {@link PolicyException}'s problems
 * does: for the hosts and backends that check settings of their own (a fleet backend's connection
 * settings, a server's command-line options), so that their messages read like the policy's.
 *
 * <p>Thread-safe: stateless.
 */
public final class Problems {
  private Problems() {}

  /**
   * "`field` was 'value' but it must be rule", e.g. {@code invalid("port", 70000, "1 to 65535")}.
   *
   * @param field the setting's name as its user writes it
   * @param value the value it had
   * @param rule what is allowed
   */
  public static String invalid(String field, Object value, String rule) {
    return Messages.invalid(field, value, rule);
  }
}
