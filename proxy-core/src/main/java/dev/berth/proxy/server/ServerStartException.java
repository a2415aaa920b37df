package dev.berth.proxy.server;

/**
 * The server could not start: storage would not open, or an address could not be bound. The message
 * is complete for the operator (it names the path or the address); the CLI prints it without a
 * stack trace.
 */
public final class ServerStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServerStartException(String message, Throwable cause) {
    super(message, cause);
  }

  public ServerStartException(String message) {
    super(message);
  }
}
