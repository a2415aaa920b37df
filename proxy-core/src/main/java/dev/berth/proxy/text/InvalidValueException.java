package dev.berth.proxy.text;

/**
 * A value typed by an operator was rejected. The message reads {@code invalid value '<value>':
 * <problem>}; callers that know where the value came from (a config key, an option) put that in
 * front, or build their own sentence from {@link #value()} and {@link #problem()}.
 */
public final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String value;
  private final String problem;

  /**
   * @param value the text as the operator typed it
   * @param problem what was expected instead, e.g. {@code expected a duration such as 30s}
   */
  public InvalidValueException(String value, String problem) {
    super("invalid value '" + value + "': " + problem);
    this.value = value;
    this.problem = problem;
  }

  public String value() {
    return value;
  }

  public String problem() {
    return problem;
  }
}
