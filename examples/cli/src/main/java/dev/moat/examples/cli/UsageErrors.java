package dev.moat.examples.cli;

import dev.moat.policy.PolicyException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * One shape for every usage error of {@code ./moat}, whether the parser finds it or the command
 * while it runs: one line on the error stream, {@code moat COMMAND: } and a message naming the
 * option, the value and what is allowed, and exit status {@link #USAGE}:
 *
 * <ul>
 *   <li>{@code moat detect: --gamma was '1.5' but it must be a number in [1.0E-9, 0.999999999]}
 *       (not a number, or out of the option's {@link Range});
 *   <li>{@code moat detect: unknown option '--gama'; options: --scheme, --tokens, ...};
 *   <li>{@code moat: unknown command 'serve-all'; commands: serve, demo, ...};
 *   <li>{@code moat detect: --gamma was given no value but it must be a number in [...]} and {@code
 *       moat evidence: --out is missing but it is required}.
 * </ul>
 *
 * Errors found while the command runs ({@link UsageException}, a bad policy, an illegal argument)
 * print the same way; any other failure prints {@code moat COMMAND: failed: } and the exception,
 * exit status {@link #FAILED}. As the execution strategy it checks the given options' ranges before
 * the command runs. Thread-safe if the error stream is.
 */
public final class UsageErrors
    implements IParameterExceptionHandler, IExecutionExceptionHandler, IExecutionStrategy {
  /** The exit status of a usage error. */
  public static final int USAGE = 2;

  /** The exit status of a command that failed for another reason. */
  public static final int FAILED = 1;

  private final PrintStream err;

  public UsageErrors(PrintStream err) {
    this.err = err;
  }

  /** "--option was 'value' but it must be allowed". */
  public static String invalid(String option, Object value, String allowed) {
    return option + " was '" + value + "' but it must be " + allowed;
  }

  /**
   * {@code value} (the default when null) checked against {@code [lo, hi]}: for an option whose
   * range depends on the mode it runs in, so that no {@link Range} can be declared.
   */
  public static int inRange(String option, @Nullable Integer value, int dflt, int lo, int hi) {
    int v = value == null ? dflt : value;
    if (value != null && (v < lo || v > hi)) {
      throw new UsageException(invalid(option, v, "an integer in [" + lo + ", " + hi + "]"));
    }
    return v;
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    err.println(prefix(ex.getCommandLine()) + message(ex, args));
    return USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine command, ParseResult parsed) {
    if (ex instanceof UsageException
        || ex instanceof PolicyException
        || ex instanceof IllegalArgumentException) {
      err.println(prefix(command) + ex.getMessage());
      return USAGE;
    }
    err.println(prefix(command) + "failed: " + ex);
    return FAILED;
  }

  /** Checks each option given against its {@link Range}, then runs the last command given. */
  @Override
  public int execute(ParseResult parsed) throws ExecutionException, ParameterException {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      for (OptionSpec o : p.matchedOptions()) {
        Range r = range(o);
        if (r != null
            && o.getValue() instanceof Number n
            && !(n.doubleValue() >= r.min() && n.doubleValue() <= r.max())) {
          String given = last(o.originalStringValues());
          throw new ParameterException(
              p.commandSpec().commandLine(), invalid(o.longestName(), given, allowed(o)), o, given);
        }
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  private static String prefix(CommandLine command) {
    return command.getCommandSpec().qualifiedName() + ": ";
  }

  private static String message(ParameterException ex, String[] args) {
    CommandSpec spec = ex.getCommandLine().getCommandSpec();
    // An unknown option is named first, even where picocli found a missing one before it.
    List<String> unmatched =
        ex instanceof UnmatchedArgumentException u
            ? u.getUnmatched()
            : ex.getCommandLine().getUnmatchedArguments();
    if (!unmatched.isEmpty()) {
      String arg = unmatched.get(0);
      if (!spec.subcommands().isEmpty() && !arg.startsWith("-")) {
        return "unknown command '"
            + arg
            + "'; commands: "
            + String.join(", ", spec.subcommands().keySet());
      }
      List<String> names = new ArrayList<>();
      spec.options().forEach(o -> names.add(o.longestName()));
      int eq = arg.indexOf('=');
      return "unknown option '"
          + (arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg)
          + "'; options: "
          + String.join(", ", names);
    }
    if (ex instanceof MissingParameterException m) {
      List<String> missing = new ArrayList<>();
      for (ArgSpec a : m.getMissing()) {
        if (a instanceof OptionSpec o) {
          boolean given = Arrays.stream(args).anyMatch(x -> Arrays.asList(o.names()).contains(x));
          missing.add(
              given
                  ? o.longestName() + " was given no value but it must be " + allowed(o)
                  : o.longestName() + " is missing but it is required");
        }
      }
      return missing.isEmpty() ? String.valueOf(ex.getMessage()) : String.join("; ", missing);
    }
    if (ex.getArgSpec() instanceof OptionSpec o && ex.getValue() != null) {
      return invalid(o.longestName(), ex.getValue(), allowed(o));
    }
    return String.valueOf(ex.getMessage());
  }

  /** What an option's values may be: its kind and, if declared, its {@link Range}. */
  static String allowed(OptionSpec o) {
    Class<?> t = o.type();
    boolean integral = t == int.class || t == Integer.class || t == long.class || t == Long.class;
    boolean real = t == double.class || t == Double.class || t == float.class || t == Float.class;
    String kind = integral ? "an integer" : real ? "a number" : "a valid " + o.paramLabel();
    Range r = range(o);
    if (r == null) {
      return kind;
    }
    return integral
        ? kind + " in [" + (long) r.min() + ", " + (long) r.max() + "]"
        : kind + " in [" + r.min() + ", " + r.max() + "]";
  }

  private static @Nullable Range range(OptionSpec o) {
    return o.userObject() instanceof Field f ? f.getAnnotation(Range.class) : null;
  }

  private static String last(List<String> values) {
    return values.isEmpty() ? "" : values.get(values.size() - 1);
  }
}
