package dev.berth.proxy.layout;

/**
 * A layout or tar archive that berth cannot read or write as asked: not a layout, a wrong version,
 * a missing blob, a malformed or unsafe tar entry, content shorter or longer than declared. The
 * message names the layout (its path) and the entry, so that it can be shown to the user as is.
 */
public final class LayoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LayoutException(String message) {
    super(message);
  }

  public LayoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
