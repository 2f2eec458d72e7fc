package dev.moat.spi;

/**
 * A protection as the policy configures it: a factory of per-request state.
 *
 * <p>Implementations must be immutable and thread-safe: one instance serves every request of a
 * tier. Resolve everything a step needs in {@link #begin} (keys, tables, scratch arrays), so that
 * the per-token hooks of the returned {@link RequestProtection} neither allocate nor look anything
 * up.
 */
public interface Protection {
  /** Short stable id, as used in policy files: {@code "watermark"}. */
  String id();

  /** Where in the sampling step this protection runs. */
  Stage stage();

  /** Per-request state for one generation request. Called once, at request start. */
  RequestProtection begin(RequestView request);

  /**
   * What this protection does with which parameters, for logs and operators. Must never contain key
   * material or other secrets.
   */
  String describe();
}
