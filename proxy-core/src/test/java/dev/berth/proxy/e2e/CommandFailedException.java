package dev.berth.proxy.e2e;

/**
 * An external command (skopeo, ctr) that exited non-zero or ran out of time.
 *
 * <p>Why: the message carries the command line, exit code and full stderr, so a failed e2e test
 * explains itself in the surefire report without rerunning anything by hand.
 */
public final class CommandFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final String stderr;

  CommandFailedException(String message, Command.Result result) {
    super(message + ": " + result.describe());
    this.exitCode = result.exitCode();
    this.stderr = result.stderr();
  }

  /** The exit code, or -1 when the command was killed after its timeout. */
  public int exitCode() {
    return exitCode;
  }

  /** Everything the command wrote to stderr. */
  public String stderr() {
    return stderr;
  }
}
