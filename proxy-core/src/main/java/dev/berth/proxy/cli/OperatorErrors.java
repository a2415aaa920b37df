package dev.berth.proxy.cli;

import dev.berth.proxy.admin.AdminTokenException;
import dev.berth.proxy.config.ConfigException;
import dev.berth.proxy.server.ServerStartException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns the failures an operator can fix into {@code berth: <message>} and an exit code, without a
 * stack trace: a bad configuration or admin token file (for a command that calls a server's admin
 * API) exits 2 (like a usage error), a server that cannot start 1. Anything else is a bug and keeps
 * picocli's default: the stack trace, exit 1.
 */
final class OperatorErrors implements IExecutionExceptionHandler {
  static final int CONFIG_ERROR = 2;
  static final int START_ERROR = 1;

  @Override
  public int handleExecutionException(
      Exception exception, CommandLine commandLine, ParseResult parseResult) throws Exception {
    if (exception instanceof ConfigException || exception instanceof AdminTokenException) {
      return report(commandLine, exception, CONFIG_ERROR);
    }
    if (exception instanceof ServerStartException
        || exception instanceof DryRun.DryRunFailedException) {
      return report(commandLine, exception, START_ERROR);
    }
    throw exception;
  }

  private static int report(CommandLine commandLine, Exception exception, int exitCode) {
    commandLine.getErr().println("berth: " + exception.getMessage());
    commandLine.getErr().flush();
    return exitCode;
  }
}
