package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One long-running child process whose stdout and stderr are appended to a log file.
 *
 * <p>Why: the registry and containerd run for the length of a test class and are stopped and
 * restarted on purpose (to prove cache hits when the upstream is down). Appending keeps one log
 * across restarts, and writing to a file (not a pipe) means the child never blocks on its output.
 * {@link #stop()} signals the PID, gives it {@value #GRACE_MILLIS} ms, then kills it.
 */
final class Daemon {
  static final long GRACE_MILLIS = 5_000;

  private final String name;
  private final Process process;
  private final Path logFile;

  private Daemon(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts {@code argv} with its output appended to {@code logFile}.
   *
   * @param name for messages, for example {@code "docker-registry"}
   * @param env variables added to this JVM's environment
   */
  static Daemon start(String name, List<String> argv, Map<String, String> env, Path logFile) {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .redirectErrorStream(true);
      builder.environment().putAll(env);
      return new Daemon(name, Processes.track(builder.start()), logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + argv, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the process by its PID: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  void stop() {
    if (!Processes.stop(process, GRACE_MILLIS)) {
      throw new IllegalStateException(name + " (pid " + pid() + ") survived SIGKILL");
    }
  }

  /** The last {@code lines} lines of the log, for failure messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  /** A failure message naming the daemon, its state and its recent log. */
  String describe(String what) {
    return name
        + " (pid "
        + pid()
        + (isAlive() ? ", running" : ", exited with " + process.exitValue())
        + ") "
        + what
        + "; log "
        + logFile
        + " ends with:\n"
        + logTail(30);
  }
}
