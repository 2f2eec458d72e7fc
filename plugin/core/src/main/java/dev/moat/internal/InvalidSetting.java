package dev.moat.internal;

/**
 * A setting's value broke its rule. Carries the setting's name and the rule apart from the message,
 * so a loader can name the setting by its path in the file (the message itself names it as the
 * builder knows it).
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidSetting extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String setting;
  private final String rule;

  /**
   * @param prefix what the setting's name is prefixed with in the message ({@code
   *     "enforcement.levels[2]."}), may be empty
   * @param setting the setting's name in policy files ({@code "budget_scale"})
   * @param value the value it had
   * @param rule what is allowed ({@code "in (0, 1]"})
   */
  public InvalidSetting(String prefix, String setting, Object value, String rule) {
    super(Messages.invalid(prefix + setting, value, rule));
    this.setting = setting;
    this.rule = rule;
  }

  /** The setting's name in policy files. */
  public String setting() {
    return setting;
  }

  /** What is allowed, as the message words it. */
  public String rule() {
    return rule;
  }
}
