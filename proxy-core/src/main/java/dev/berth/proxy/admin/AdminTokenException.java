package dev.berth.proxy.admin;

/**
 * The admin token file cannot be used: missing (for a client), unreadable, empty or not one token.
 * The message names the file and never holds its content.
 */
public final class AdminTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  AdminTokenException(String message) {
    super(message);
  }

  public AdminTokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
