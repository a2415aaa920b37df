package dev.berth.proxy.pull;

/** Content is not cached and the pull policy forbids asking the upstream (policy {@code never}). */
public final class NotCachedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotCachedException(String message) {
    super(message);
  }
}
