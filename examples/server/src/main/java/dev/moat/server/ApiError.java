package dev.moat.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with
 * its HTTP status. Messages name the field, the value and what is allowed; never a key or secret.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String type;
  final @Nullable String param;
  final @Nullable String code;
  final long retryAfterSeconds;

  ApiError(int status, String type, @Nullable String param, @Nullable String code, String message) {
    this(status, type, param, code, message, 0);
  }

  ApiError(
      int status,
      String type,
      @Nullable String param,
      @Nullable String code,
      String message,
      long retryAfterSeconds) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The policy loader's problems, each naming its path, value and rule (policy errors only). */
  private transient java.util.List<String> problems = java.util.List.of();

  /**
   * 400: a policy (a file at a reload, or an edit of it) the loader refused: the message, then each
   * of the loader's problems, which also come as the error's {@code problems} list.
   */
  static ApiError policy(dev.moat.policy.PolicyException e, String message) {
    ApiError r =
        new ApiError(
            400,
            "invalid_request_error",
            "policy",
            "invalid_policy",
            message + " " + String.join("; ", e.problems()));
    r.problems = java.util.List.copyOf(e.problems());
    return r;
  }

  /** 400: a request field is wrong. */
  static ApiError invalid(@Nullable String param, String message) {
    return new ApiError(400, "invalid_request_error", param, null, message);
  }

  static ApiError unauthorized() {
    return new ApiError(
        401,
        "invalid_request_error",
        null,
        "invalid_api_key",
        "Incorrect or missing API key: send 'Authorization: Bearer <key>' with a key issued to you.");
  }

  ObjectNode toJson() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", getMessage());
    e.put("type", type);
    if (param == null) {
      e.putNull("param");
    } else {
      e.put("param", param);
    }
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    if (!problems.isEmpty()) {
      problems.forEach(e.putArray("problems")::add);
    }
    return root;
  }
}
