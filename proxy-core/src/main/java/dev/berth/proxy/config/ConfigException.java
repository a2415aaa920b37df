package dev.berth.proxy.config;

/**
 * The configuration cannot be used. The message is the complete text for the operator, starting
 * with where the problem is (the file name, or the option), and naming the key and the bad value;
 * the CLI prints it as is, without a stack trace.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
