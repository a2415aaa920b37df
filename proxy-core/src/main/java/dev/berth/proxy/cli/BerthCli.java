package dev.berth.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth}: the entry point of the jar. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    versionProvider = ManifestVersion.class,
    subcommands = {
      ServeCommand.class,
      PrefetchCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      GcCommand.class,
      VerifyCommand.class,
      MirrorConfigCommand.class
    },
    description = {
      "A pull-through caching proxy for container images: a registry mirror for containerd, CRI-O,"
          + " Docker and any OCI client, which fetches each image from its upstream registry once"
          + " and serves it locally after that.",
      "",
      "Run 'berth COMMAND --help' for the options of a command.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth serve",
      "  berth serve --config /etc/berth/config.yaml",
      "  berth serve --upstream registry.internal:5000=http://registry.internal:5000",
      "  berth verify --data /var/lib/berth"
    })
public final class BerthCli implements Runnable {
  @Spec private CommandSpec spec;

  BerthCli() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with berth's error handling, for {@code main} and for tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new BerthCli())
        .setExecutionExceptionHandler(new OperatorErrors())
        .setUsageHelpAutoWidth(true);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing command (for example: berth serve)");
  }
}
