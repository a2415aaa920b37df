package dev.berth.proxy.cli;

import dev.berth.proxy.SuppressForbidden;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.mirror.ContainerdConfigPath;
import dev.berth.proxy.mirror.ContainerdHosts;
import dev.berth.proxy.mirror.CrioRegistries;
import dev.berth.proxy.mirror.DockerDaemon;
import dev.berth.proxy.mirror.Endpoint;
import dev.berth.proxy.mirror.MirrorFile;
import dev.berth.proxy.mirror.MirrorFiles;
import dev.berth.proxy.mirror.MirrorRemoval;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code berth mirror-config}: point a node's container runtime at berth. */
@Command(
    name = "mirror-config",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes what a container runtime needs to pull through berth, for every upstream in berth's"
          + " config. Each registry stays the fallback, so pulls go on while berth is down."
          + " Files already right are left alone; files that differ are backed up as"
          + " <file>.berth-backup-<time> before they are replaced.",
      "",
      "  containerd  <output>/<registry>/hosts.toml (config_path; no restart needed)",
      "  crio        <output>/50-berth.conf (a registries.conf.d drop-in; reload CRI-O)",
      "  docker      <output>/daemon.json with berth first in registry-mirrors (Docker Hub only;"
          + " restart dockerd)",
      "",
      "For containerd it then checks that containerd reads that directory (config_path in"
          + " config.toml) and says so plainly when it does not.",
      "--remove puts the node back: each file berth wrote gets the node's own file back from its"
          + " backup, or is deleted when berth created it; berth's backups go too."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth mirror-config --runtime containerd --endpoint http://127.0.0.1:5000",
      "  berth mirror-config --runtime crio --config /etc/berth/config.yaml --dry-run",
      "  berth mirror-config --runtime docker --output /etc/docker",
      "  berth mirror-config --runtime containerd --host-root /host     # from a pod, node's / at /host",
      "  berth mirror-config --runtime containerd --host-root /host --remove"
    })
final class MirrorConfigCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--runtime",
      required = true,
      paramLabel = "RUNTIME",
      description = "containerd, crio or docker.")
  private String runtime = "";

  @Option(
      names = "--endpoint",
      paramLabel = "URL",
      description = {
        "Where the node reaches berth, http(s)://HOST[:PORT] without a path.",
        "Default: http://127.0.0.1:5000 (berth on every node)."
      })
  private String endpoint = "http://127.0.0.1:5000";

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = {
        "Directory to write into.",
        "Default: /etc/containerd/certs.d, /etc/containers/registries.conf.d or /etc/docker."
      })
  private @Nullable Path output;

  @Option(
      names = "--all-registries",
      description =
          "containerd only: also write _default/hosts.toml, so registries berth does not know"
              + " are tried through it first (berth refuses them at once; containerd falls back).")
  private boolean withDefault;

  @Option(
      names = "--dry-run",
      description = "Print what would be written, and to which files, without writing.")
  private boolean dryRun;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "berth's YAML config, for its upstreams. Default: the embedded defaults.")
  private @Nullable Path config;

  @Option(
      names = "--upstream",
      paramLabel = "NAME=URL",
      description = "Adds an upstream, as for serve. Repeatable.")
  private List<String> upstreams = new ArrayList<>();

  @Option(
      names = "--remove",
      description =
          "Undo: restore the files berth replaced from their backups, delete the ones it created,"
              + " and delete its backups. Files changed since berth wrote them are left alone.")
  private boolean remove;

  @Option(
      names = "--host-root",
      paramLabel = "DIR",
      description = {
        "Where the node's / is mounted (a pod with a hostPath of /): --output and"
            + " --containerd-config are node paths under it.",
        "Default: /."
      })
  private Path hostRoot = Path.of("/");

  @Option(
      names = "--containerd-config",
      paramLabel = "FILE",
      description = {
        "containerd's config, read to check that its config_path includes --output.",
        "Default: /etc/containerd/config.toml."
      })
  private Path containerdConfig = Path.of("/etc/containerd/config.toml");

  @Override
  @SuppressForbidden(reason = "a command is a composition root: backups are stamped with now")
  public Integer call() {
    BerthConfig berth =
        ConfigLoader.load(
            Optional.ofNullable(config),
            new CommandLineOverrides(
                Optional.empty(), Optional.empty(), Optional.empty(), upstreams));
    Endpoint mirror;
    List<MirrorFile> files;
    Path dir;
    try {
      mirror = Endpoint.parse(endpoint);
      switch (runtime) {
        case "containerd" -> {
          dir = output != null ? output : Path.of("/etc/containerd/certs.d");
          files = ContainerdHosts.render(berth.upstreams(), mirror, withDefault);
        }
        case "crio" -> {
          dir = output != null ? output : Path.of("/etc/containers/registries.conf.d");
          files = CrioRegistries.render(berth.upstreams(), mirror);
        }
        case "docker" -> {
          dir = output != null ? output : Path.of("/etc/docker");
          files =
              remove
                  ? List.of()
                  : DockerDaemon.render(
                      berth.upstreams(), mirror, read(onHost(dir).resolve("daemon.json")));
        }
        default ->
            throw new IllegalArgumentException(
                "--runtime '" + runtime + "': expected containerd, crio or docker");
      }
      if (withDefault && !runtime.equals("containerd")) {
        throw new IllegalArgumentException("--all-registries is for --runtime containerd only");
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    Path nodeDir = dir;
    dir = onHost(dir);
    if (remove) {
      return remove(dir, mirror, out);
    }
    try {
      Clock clock = Clock.systemUTC();
      List<MirrorFiles.Result> results =
          dryRun ? MirrorFiles.plan(dir, files, clock) : MirrorFiles.write(dir, files, clock);
      for (int i = 0; i < results.size(); i++) {
        MirrorFiles.Result r = results.get(i);
        out.println(describe(r, dryRun));
        if (dryRun && r.outcome() != MirrorFiles.Outcome.UNCHANGED) {
          out.print(indent(files.get(i).content()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing under " + dir + ": " + e.getMessage(), e);
    }
    if (runtime.equals("containerd")) {
      checkContainerdReads(nodeDir, out);
    }
    return 0;
  }

  /** A node path as this process sees it, under --host-root. */
  private Path onHost(Path nodePath) {
    return hostRoot.resolve(Path.of("/").relativize(nodePath.toAbsolutePath()));
  }

  private void checkContainerdReads(Path nodeDir, PrintWriter out) {
    Path file = onHost(containerdConfig);
    ContainerdConfigPath.Check check =
        ContainerdConfigPath.check(
            read(file), containerdConfig.toString(), nodeDir.toAbsolutePath().toString());
    if (check.ok()) {
      out.println(check.message());
    } else {
      spec.commandLine().getErr().println("WARNING: " + check.message());
    }
  }

  private int remove(Path dir, Endpoint mirror, PrintWriter out) {
    try {
      List<Path> files =
          switch (runtime) {
            case "containerd" -> MirrorRemoval.containerdFiles(dir);
            case "crio" -> List.of(dir.resolve("50-berth.conf"));
            default -> List.of();
          };
      if (runtime.equals("docker")) {
        Path daemon = dir.resolve("daemon.json");
        Optional<String> existing = read(daemon);
        if (existing.isPresent()) {
          if (dryRun) {
            out.println("would remove " + mirror + " from registry-mirrors in " + daemon);
            return 0;
          }
          // No backup: the file being replaced is berth's own edit of the node's.
          MirrorFiles.replace(daemon, DockerDaemon.withoutMirror(existing.get(), mirror).content());
          out.println("removed " + mirror + " from registry-mirrors in " + daemon);
        }
        return 0;
      }
      String would = dryRun ? "would be " : "";
      for (MirrorRemoval.Result r :
          dryRun
              ? MirrorRemoval.plan(files, MirrorRemoval.WRITTEN_BY_BERTH)
              : MirrorRemoval.remove(files, MirrorRemoval.WRITTEN_BY_BERTH)) {
        out.println(
            switch (r.outcome()) {
              case RESTORED ->
                  would
                      + "restored  "
                      + r.path()
                      + " (from "
                      + r.restoredFrom().orElseThrow()
                      + ")";
              case DELETED -> would + "deleted   " + r.path();
              case LEFT ->
                  would + "left      " + r.path() + " (not written by berth, or changed since)";
            });
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing under " + dir + ": " + e.getMessage(), e);
    }
    return 0;
  }

  private static String describe(MirrorFiles.Result r, boolean dryRun) {
    return switch (r.outcome()) {
      case CREATED -> (dryRun ? "would create  " : "created   ") + r.path();
      case REPLACED ->
          (dryRun ? "would replace " : "replaced  ")
              + r.path()
              + " (previous content "
              + (dryRun ? "would go to " : "in ")
              + r.backup()
              + ")";
      case UNCHANGED -> (dryRun ? "unchanged     " : "unchanged ") + r.path();
    };
  }

  private static String indent(String content) {
    return content.lines().map(l -> "    " + l + "\n").reduce("", String::concat);
  }

  private static Optional<String> read(Path file) {
    try {
      return Files.exists(file)
          ? Optional.of(Files.readString(file, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
