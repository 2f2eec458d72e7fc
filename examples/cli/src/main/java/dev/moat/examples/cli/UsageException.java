package dev.moat.examples.cli;

/**
 * A command-line mistake found while a command runs (options that cannot be combined, an input file
 * that does not parse): printed as one line without a stack trace, exit status 2. Immutable;
 * thread-safe.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
