package dev.moat.enforce;

import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An audit record: a request's escalation level changed (at its start, from 0, or mid-stream).
 * Written once per change, never per token. The default sink logs it to the SLF4J logger {@code
 * dev.moat.audit} at INFO with structured key/values ({@code account}, {@code session}, {@code
 * request}, {@code from}, {@code to}, {@code reason}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param requestId the host's request id
 * @param account the account
 * @param session the session, or null
 * @param from the level before
 * @param to the level after
 * @param reason why: the score and group that set it
 */
public record LevelChange(
    String requestId, String account, @Nullable String session, int from, int to, String reason) {
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.moat.audit");

  public LevelChange {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(reason, "reason");
  }

  /** The default sink: SLF4J, structured. */
  public static final Consumer<LevelChange> LOG =
      c ->
          AUDIT
              .atInfo()
              .addKeyValue("account", c.account())
              .addKeyValue("session", c.session())
              .addKeyValue("request", c.requestId())
              .addKeyValue("from", c.from())
              .addKeyValue("to", c.to())
              .addKeyValue("reason", c.reason())
              .log("moat escalation level changed");
}
