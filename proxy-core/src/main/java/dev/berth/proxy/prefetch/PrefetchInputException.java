package dev.berth.proxy.prefetch;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * An input to {@code berth prefetch} cannot be used: a file that cannot be read or parsed, a
 * workload without an image, a malformed {@code --platform}. The message is the complete text for
 * the operator, starting with where the problem is (file, document or line, and the object), so the
 * CLI prints it as is, without a stack trace.
 */
public final class PrefetchInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PrefetchInputException(String message) {
    super(message);
  }

  public PrefetchInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code cannot read <source>: <reason>}, the reason in words rather than an exception name. */
  static PrefetchInputException cannotRead(String source, IOException e) {
    String reason;
    if (e instanceof NoSuchFileException) {
      reason = "no such file";
    } else if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof CharacterCodingException) {
      reason = "not UTF-8 text";
    } else {
      reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    return new PrefetchInputException("cannot read " + source + ": " + reason, e);
  }
}
