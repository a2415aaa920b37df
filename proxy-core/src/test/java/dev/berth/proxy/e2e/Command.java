package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs an external command to completion with a timeout and captured output.
 *
 * <p>Why: skopeo and ctr calls must never hang a test run and must explain themselves when they
 * fail. Output goes to temporary files rather than pipes, so a chatty command cannot block on a
 * full pipe buffer and no reader threads are needed; a timed-out command is killed by its PID.
 */
public final class Command {
  /** What a finished command produced; {@code stdout} is kept as bytes for raw manifests. */
  public record Result(List<String> argv, int exitCode, byte[] stdoutBytes, String stderr) {
    public String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    boolean succeeded() {
      return exitCode == 0;
    }

    /** Describes the run with its full stderr, for failure messages. */
    String describe() {
      String out = stdout();
      return String.join(" ", argv)
          + "\n  exit code: "
          + exitCode
          + "\n  stderr:\n"
          + stderr.strip()
          + "\n  stdout (last 2000 chars):\n"
          + out.substring(Math.max(0, out.length() - 2000)).strip();
    }
  }

  private Command() {}

  /**
   * Runs {@code argv} and requires exit code 0.
   *
   * @throws CommandFailedException on a non-zero exit or a timeout
   */
  public static Result run(List<String> argv, Map<String, String> env, Duration timeout) {
    Result result = runAllowingFailure(argv, env, timeout);
    if (!result.succeeded()) {
      throw new CommandFailedException("command failed", result);
    }
    return result;
  }

  /**
   * Runs {@code argv} and returns whatever it produced, whatever its exit code.
   *
   * @param env variables added to (or replacing) this JVM's environment
   * @throws CommandFailedException only on a timeout (exit code -1 in the result)
   */
  static Result runAllowingFailure(List<String> argv, Map<String, String> env, Duration timeout) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("berth-cmd-", ".out");
      err = Files.createTempFile("berth-cmd-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Processes.kill(process);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while running " + argv, e);
      }
      if (!finished) {
        Processes.kill(process);
        Result partial =
            new Result(
                argv, -1, Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
        throw new CommandFailedException("command timed out after " + timeout, partial);
      }
      return new Result(
          argv,
          process.exitValue(),
          Files.readAllBytes(out),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(@Nullable Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file is harmless
      }
    }
  }
}
