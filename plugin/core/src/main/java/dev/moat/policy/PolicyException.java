package dev.moat.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A policy (or per-request override) that failed validation, with every problem found, each naming
 * its path in the file, the value and what is allowed. Nothing of a failed policy is applied.
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final ArrayList<String> problems;

  public PolicyException(String source, List<String> problems) {
    super(message(source, problems));
    this.source = source;
    this.problems = new ArrayList<>(problems);
  }

  /** Where the policy came from (a file name, "request overrides"). */
  public String source() {
    return source;
  }

  /** Every problem found, in document order. */
  public List<String> problems() {
    return Collections.unmodifiableList(problems);
  }

  private static String message(String source, List<String> problems) {
    StringBuilder sb = new StringBuilder();
    sb.append(source)
        .append(" is invalid (")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
