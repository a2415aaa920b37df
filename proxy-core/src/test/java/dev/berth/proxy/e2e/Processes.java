package dev.berth.proxy.e2e;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Stops processes by their own PID and remembers the live ones for a last-resort shutdown hook.
 *
 * <p>Why: a failed or timed-out test must not leave a registry or containerd running (it would hold
 * ports, sockets and disk). Fixtures stop their process in {@code close()}; the hook only catches
 * what a crashed test run forgot. Nothing here kills by name.
 */
final class Processes {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Process p : LIVE) {
                    p.destroyForcibly();
                  }
                },
                "berth-e2e-process-reaper"));
  }

  private Processes() {}

  /** Registers a long-running process so the shutdown hook kills it if nobody else does. */
  static Process track(Process process) {
    LIVE.add(process);
    return process;
  }

  /**
   * Sends SIGTERM to the process, waits up to {@code grace}, then SIGKILL. Idempotent.
   *
   * @return true when the process is gone
   */
  static boolean stop(Process process, long graceMillis) {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      if (!process.isAlive()) {
        LIVE.remove(process);
      }
    }
    return !process.isAlive();
  }

  /** SIGKILL now, for commands that ran out of time. */
  static void kill(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
