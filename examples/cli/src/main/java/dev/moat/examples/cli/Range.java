package dev.moat.examples.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The closed interval a numeric option's value must lie in, {@code [min, max]}; {@link UsageErrors}
 * checks every option given on the command line against it before the command runs (defaults are
 * not checked) and names the interval in the error for a value out of it or not a number. An
 * annotation: immutable, thread-safe.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Range {
  double min();

  double max();
}
