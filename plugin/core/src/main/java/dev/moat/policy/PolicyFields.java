package dev.moat.policy;

import static dev.moat.internal.Messages.invalid;
import static dev.moat.internal.Messages.unknownField;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Reading a policy file's fields: numbers against their rule, "off" values, unknown fields, and
 * values shortened for messages. Each problem is added to the list with the field's path.
 *
 * <p>Stateless and thread-safe.
 */
final class PolicyFields {
  private PolicyFields() {}

  static double number(
      JsonNode parent,
      String path,
      double dflt,
      DoubleFunction<@Nullable String> rule,
      List<String> problems) {
    String field = path.substring(path.lastIndexOf('.') + 1);
    JsonNode n = parent.get(field);
    if (n == null) {
      return dflt;
    }
    if (!n.isNumber()) {
      problems.add(invalid(path, shortText(n), "a number"));
      return dflt;
    }
    double d = n.asDouble();
    String broken = rule.apply(d);
    if (broken != null) {
      problems.add(invalid(path, n.asText(), broken));
      return dflt;
    }
    return d;
  }

  static boolean isOff(JsonNode n) {
    return n.isNull()
        || (n.isTextual() && n.asText().equals("off"))
        || (n.isBoolean() && !n.booleanValue());
  }

  /** The switch every tier protection block may carry ({@code enabled}, default true). */
  static final String ENABLED = "enabled";

  /**
   * A protection block without its {@code enabled} switch, for the block's own reader; null (with a
   * problem) when the switch is not a boolean. A block switched off is still read and checked in
   * full, so that switching it back on (from the console) restores exactly its settings; it is just
   * not in force ({@link #switchedOff}).
   */
  static @Nullable JsonNode withoutSwitch(JsonNode block, String path, List<String> problems) {
    JsonNode on = block.get(ENABLED);
    if (!block.isObject() || on == null) {
      return block;
    }
    if (!on.isBoolean()) {
      problems.add(invalid(path + "." + ENABLED, shortText(on), "true or false"));
      return null;
    }
    ObjectNode rest = ((ObjectNode) block).deepCopy();
    rest.remove(ENABLED);
    return rest;
  }

  /** Whether a protection block is switched off ({@code enabled: false}). */
  static boolean switchedOff(@Nullable JsonNode block) {
    JsonNode on = block == null ? null : block.get(ENABLED);
    return on != null && on.isBoolean() && !on.booleanValue();
  }

  static void checkFields(JsonNode node, String path, List<String> allowed, List<String> problems) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String f = e.getKey();
      if (!allowed.contains(f)) {
        problems.add(unknownField(path.isEmpty() ? f : path + "." + f, allowed));
      }
    }
  }

  static String shortText(JsonNode n) {
    String s = n.isTextual() ? n.asText() : n.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
