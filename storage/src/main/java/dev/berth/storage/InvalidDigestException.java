package dev.berth.storage;

/** A digest string that is not a valid, supported digest. Thrown by {@link Digest#parse}. */
public final class InvalidDigestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String input;

  InvalidDigestException(String input, String reason) {
    super("invalid digest '" + abbreviate(input) + "': " + reason);
    this.input = input;
  }

  /** The rejected input, as given. */
  public String input() {
    return input;
  }

  private static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 160) + "…";
  }
}
