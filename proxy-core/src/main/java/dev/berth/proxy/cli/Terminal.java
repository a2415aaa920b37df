package dev.berth.proxy.cli;

import java.io.Console;
import java.lang.reflect.Method;

/**
 * Whether a person watches the output, for progress bars. On JDK 17 (berth's release) {@code
 * System.console()} is null unless both standard streams are a terminal; from JDK 22 it is never
 * null and {@code Console.isTerminal()} tells, so that is asked when it exists.
 */
final class Terminal {
  private Terminal() {}

  static boolean interactive() {
    @SuppressWarnings("SystemConsoleNull") // the JDK 17 meaning, checked first on purpose
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before JDK 22: a console exists only on a terminal
    }
  }
}
