package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;

/**
 * Whole (non-streamed) answers on both ports: a JSON body, an OpenAI-shaped error (with {@code
 * Retry-After} where it has one), any other body; and the errors the routes of both ports share (a
 * method not allowed, a body too large).
 *
 * <p>Thread-safe: stateless.
 */
final class Replies {
  private static final HttpString RETRY_AFTER = HttpString.tryFromString("Retry-After");

  private Replies() {}

  static void json(HttpServerExchange ex, int status, JsonNode body) {
    send(ex, status, "application/json", body.toString(), 0);
  }

  static void error(HttpServerExchange ex, ApiError e) {
    if (ex.isResponseStarted()) {
      ex.endExchange();
      return;
    }
    if (e.status == 413
        && (ex.getRequestContentLength() < 0
            || ex.getRequestContentLength() > ModelServer.DRAIN_LIMIT)) {
      // Too large to drain, or of unknown length: close the connection after the answer. Bodies
      // of known length up to DRAIN_LIMIT are read and discarded by Undertow after the answer, so
      // the client (still sending) gets it and can reuse the connection; closing while it sends
      // makes some clients (JDK 25's HttpClient) see a reset instead of the 413.
      ex.setPersistent(false);
    }
    send(ex, e.status, "application/json", e.toJson().toString(), e.retryAfterSeconds);
  }

  static void send(HttpServerExchange ex, int status, String type, String body, long retryAfter) {
    ex.setStatusCode(status);
    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type + "; charset=utf-8");
    if (retryAfter > 0) {
      ex.getResponseHeaders().put(RETRY_AFTER, Long.toString(retryAfter));
    }
    ex.getResponseSender().send(body, StandardCharsets.UTF_8);
  }

  static ApiError methodNotAllowed(HttpServerExchange ex, String allowed) {
    return new ApiError(
        405,
        "invalid_request_error",
        null,
        "method_not_allowed",
        "Method " + ex.getRequestMethod() + " is not allowed here; use " + allowed + ".");
  }

  static ApiError tooLarge(long len) {
    return new ApiError(
        413,
        "invalid_request_error",
        null,
        "request_too_large",
        "The request body "
            + (len >= 0 ? "is " + len + " bytes" : "is too large")
            + "; at most "
            + ModelServer.MAX_BODY
            + " bytes are allowed.");
  }
}
