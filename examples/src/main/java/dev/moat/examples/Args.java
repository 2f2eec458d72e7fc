package dev.moat.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code --name value} and {@code --flag} options of one subcommand, checked against the options it
 * declares, with errors that name the option, the value and what is allowed. Not thread-safe.
 */
final class Args {
  private final String command;
  private final Map<String, String> values = new LinkedHashMap<>();

  /** {@code options} maps each option name (without dashes) to true if it takes a value. */
  Args(String command, String[] argv, int from, Map<String, Boolean> options) {
    this.command = command;
    for (int i = from; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        throw new UsageException(
            "unexpected argument '" + a + "' for '" + command + "'; options: " + names(options));
      }
      String name = a.substring(2);
      String inline = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        inline = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Boolean takesValue = options.get(name);
      if (takesValue == null) {
        throw new UsageException(
            "unknown option --" + name + " for '" + command + "'; options: " + names(options));
      }
      if (takesValue) {
        String v = inline;
        if (v == null) {
          if (i + 1 >= argv.length) {
            throw new UsageException("option --" + name + " needs a value");
          }
          v = argv[++i];
        }
        values.put(name, v);
      } else {
        values.put(name, "true");
      }
    }
  }

  private static String names(Map<String, Boolean> options) {
    StringBuilder sb = new StringBuilder();
    for (var e : options.entrySet()) {
      sb.append(sb.length() == 0 ? "" : ", ")
          .append("--")
          .append(e.getKey())
          .append(e.getValue() ? " VALUE" : "");
    }
    return sb.toString();
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  @Nullable String get(String name) {
    return values.get(name);
  }

  String get(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  String require(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new UsageException("'" + command + "' needs --" + name);
    }
    return v;
  }

  int getInt(String name, int dflt, int min, int max) {
    String v = values.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(v.strip());
      if (i < min || i > max) {
        throw new NumberFormatException();
      }
      return i;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--" + name + " was '" + v + "' but it must be an integer in [" + min + ", " + max + "]");
    }
  }

  long getLong(String name, long dflt) {
    String v = values.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " was '" + v + "' but it must be an integer");
    }
  }

  double getDouble(String name, double dflt, double min, double max) {
    String v = values.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v.strip());
      if (!(d >= min && d <= max)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--" + name + " was '" + v + "' but it must be a number in [" + min + ", " + max + "]");
    }
  }

  List<String> list(String name, List<String> dflt) {
    String v = values.get(name);
    return v == null ? dflt : List.of(v.split(","));
  }

  /** A command-line mistake: printed without a stack trace, exit status 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
