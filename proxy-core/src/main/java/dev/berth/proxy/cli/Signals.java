package dev.berth.proxy.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.jspecify.annotations.Nullable;

/**
 * SIGTERM and SIGINT handlers, through {@code sun.misc.Signal} reached by reflection. The class is
 * exported by {@code jdk.unsupported} on every JDK berth runs on, but naming it makes javac warn
 * ("internal proprietary API") on every build, and the build treats warnings as errors.
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code action} on a thread of its own when the process gets signal {@code name} ("TERM",
   * "INT"), instead of the JVM's default handling.
   *
   * @return false when the platform has no such signal or the JDK no {@code sun.misc.Signal}
   */
  static boolean handle(String name, Runnable action) {
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object signal = signalType.getConstructor(String.class).newInstance(name);
      Object handler =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, args) -> answer(proxy, method, args, name, action));
      signalType.getMethod("handle", signalType, handlerType).invoke(null, signal, handler);
      return true;
    } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
      return false;
    }
  }

  private static @Nullable Object answer(
      Object proxy, Method method, @Nullable Object[] args, String name, Runnable action) {
    return switch (method.getName()) {
      case "handle" -> {
        new Thread(action, "berth-stop-" + name).start();
        yield null;
      }
      case "hashCode" -> System.identityHashCode(proxy);
      case "equals" -> args != null && proxy == args[0];
      default -> "berth " + name + " handler";
    };
  }
}
