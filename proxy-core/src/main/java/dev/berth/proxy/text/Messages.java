package dev.berth.proxy.text;

import java.util.Objects;

/** Text of a failure for logs, errors and answers: never null, whatever threw it. */
public final class Messages {
  private Messages() {}

  /**
   * The exception's message, or its type's simple name when it has none (a NullPointerException, an
   * exception made without one): callers build error bodies and log lines from it.
   */
  public static String of(Throwable e) {
    return Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
  }
}
