package dev.berth.proxy.image;

/** An image name, tag or reference that breaks the grammar; the message says how. */
public final class InvalidReferenceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The distribution/reference error classes, for callers that map them to responses. */
  public enum Kind {
    NAME_EMPTY,
    INVALID_FORMAT,
    NAME_CONTAINS_UPPERCASE,
    NAME_TOO_LONG,
    TAG_INVALID,
    DIGEST_INVALID
  }

  private final Kind kind;

  /** A request path that cannot name a repository at all. */
  public static InvalidReferenceException invalidPath(String path, String reason) {
    return new InvalidReferenceException(Kind.INVALID_FORMAT, path, reason);
  }

  InvalidReferenceException(Kind kind, String input, String reason) {
    super("invalid reference '" + abbreviate(input) + "': " + reason);
    this.kind = kind;
  }

  InvalidReferenceException(Kind kind, String input, String reason, Throwable cause) {
    this(kind, input, reason);
    initCause(cause);
  }

  public Kind kind() {
    return kind;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
