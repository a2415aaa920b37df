package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.server.BerthServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth serve}: runs the mirror until the process is told to stop. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = ManifestVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Run the caching registry mirror: the registry API and the admin endpoints.",
    description = {
      "Serves the registry API (the pull side of the OCI Distribution API, /v2/...) as a caching"
          + " mirror of the configured upstream registries, and the admin endpoints /metrics"
          + " (Prometheus), /healthz and /readyz on a separate address.",
      "",
      "The admin address also serves the admin API (/admin/cache, /admin/pins, /admin/gc),"
          + " which needs 'Authorization: Bearer TOKEN'. TOKEN is the content of the admin token"
          + " file (config key: admin-token-file; default: admin-token in the --data directory)."
          + " When the file is missing, serve creates it (mode 0600) with a random token and logs"
          + " its path, never the token. /metrics, /healthz and /readyz need no token.",
      "",
      "Settings come from the embedded defaults, then the --config file (its keys replace the"
          + " defaults), then the options below (they replace the file). Stop it with SIGTERM or"
          + " Ctrl-C: listeners close, requests in flight finish, storage closes cleanly.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth serve",
      "  berth serve --config /etc/berth/config.yaml",
      "  berth serve --listen :5000 --data /var/lib/berth \\",
      "      --upstream registry.internal:5000=http://registry.internal:5000",
      "",
      "Exit status: 0 after a clean stop, 1 when storage or a listener cannot start,"
          + " 2 for an invalid option or configuration."
    })
final class ServeCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec private picocli.CommandLine.Model.CommandSpec spec;
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = {
        "YAML config file; unknown keys and bad values are errors that name the key.",
        "Example: --config /etc/berth/config.yaml",
        "Default: none (the embedded defaults)."
      })
  private @Nullable Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = {
        "Address of the registry API; :PORT means all interfaces, port 0 a free port. Clients"
            + " send pull secrets to a mirror as plain HTTP Basic: beyond loopback, configure"
            + " tls too.",
        "Example: --listen 127.0.0.1:5000, --listen [::1]:5000 or --listen :5000",
        "Default: 127.0.0.1:5000, the node's own runtime only (config key: listen)."
      })
  private @Nullable String listen;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      description = {
        "Address of /metrics, /healthz and /readyz (open) and of the /admin/ API (admin token).",
        "Example: --admin 0.0.0.0:9090",
        "Default: 127.0.0.1:9090 (config key: admin)."
      })
  private @Nullable String admin;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = {
        "Directory of the cache (RocksDB), created when missing.",
        "Example: --data /var/lib/berth",
        "Default: ./berth-data (config key: storage.path)."
      })
  private @Nullable String data;

  @Option(
      names = "--upstream",
      paramLabel = "NAME=URL",
      description = {
        "Adds an upstream registry (or replaces the one with that NAME), with pull policy"
            + " always. Repeatable. The first one given becomes the default upstream (for"
            + " requests that name none) unless the config file marks one 'default: true'.",
        "Example: --upstream ghcr.io=https://ghcr.io",
        "Default: docker.io (the default), ghcr.io, quay.io, registry.k8s.io (config key:"
            + " upstreams)."
      })
  private List<String> upstreams = new ArrayList<>();

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = {
        "Level of berth's own log: error, warn, info, debug or trace. The access log (one JSON"
            + " line per request) is separate: -Dberth.access-log=OFF in BERTH_JAVA_OPTS turns it"
            + " off.",
        "Default: info."
      })
  private String logLevel = "info";

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description = {
        "text (one line per event) or json (one JSON object per line: time, level, logger,"
            + " thread, message, exception).",
        "Default: text."
      })
  private String logFormat = "text";

  @Option(
      names = "--dry-run",
      description = {
        "Start with the resulting configuration, ask both listeners once (/readyz, /v2/), then"
            + " stop: checks the config, the data directory and both listen addresses (exit code 0"
            + " when all of them work).",
        "Example: ./berth serve --config /etc/berth/config.yaml --dry-run"
      })
  private boolean dryRun;

  @Option(
      names = "--warm-up-run",
      description = {
        "Start with a built-in upstream on 127.0.0.1 ("
            + WarmUpRun.UPSTREAM
            + ") that serves a"
            + " generated two-platform image, pull it through berth once as a runtime would,"
            + " then stop. The launcher runs it on a scratch data directory to record the classes"
            + " a pull loads into the class-data archive (proxy-core/target/berth.jsa): a fresh"
            + " process's first pull is then about a third faster. Use a scratch --data.",
        "Example: ./berth serve --data /tmp/scratch --warm-up-run"
      })
  private boolean warmUpRun;

  @Override
  public Integer call() throws InterruptedException {
    applyLogSettings();
    if (warmUpRun) {
      return warmUp(); // loads the config itself, with its built-in upstream added
    }
    BerthConfig settings = settings(upstreams);
    BerthServer server = BerthServer.start(settings);
    ClassDataArchives.deleteOthers(System.getProperty("berth.class-data"));
    if (dryRun) {
      try {
        DryRun.probe(settings, server);
      } finally {
        server.close();
      }
      log.info("dry run: configuration, data directory and listen addresses work; stopped");
      return 0;
    }
    // SIGTERM and Ctrl-C close the server and let main return 0: left to the JVM's default
    // handling they would run shutdown hooks and exit with 143 (128 + SIGTERM), which systemd and
    // supervisors read as a failed stop. The hook stays for other ways out (System.exit, a second
    // signal once the handler ran); closing is idempotent.
    java.util.concurrent.atomic.AtomicBoolean stopped =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CountDownLatch loggedStop = new java.util.concurrent.CountDownLatch(1);
    Runnable stop =
        () -> {
          server.close();
          if (stopped.compareAndSet(false, true)) {
            log.info("berth stopped");
          }
          loggedStop.countDown();
        };
    for (String signal : new String[] {"TERM", "INT"}) {
      // Where the platform has no such signal, the shutdown hook below still closes cleanly.
      Signals.handle(signal, stop);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "berth-shutdown"));
    server.awaitClosed();
    // The server is closed inside stop(); wait for its "berth stopped" line too, or returning
    // (System.exit) could halt the JVM between the two and lose it.
    loggedStop.await();
    return 0;
  }

  /** The config file with the command line's overrides, {@code upstreamOptions} as --upstream. */
  private BerthConfig settings(List<String> upstreamOptions) {
    return ConfigLoader.load(
        Optional.ofNullable(config),
        new CommandLineOverrides(
            Optional.ofNullable(listen),
            Optional.ofNullable(admin),
            Optional.ofNullable(data),
            upstreamOptions));
  }

  private int warmUp() {
    try (WarmUpRun.Upstream upstream = WarmUpRun.startUpstream()) {
      List<String> withWarmUp = new ArrayList<>(upstreams);
      withWarmUp.add(upstream.upstreamOption());
      BerthConfig settings = settings(withWarmUp);
      BerthServer server = BerthServer.start(settings);
      try {
        upstream.pullThrough(DryRun.url(settings.listen(), server.registryPort(), ""));
      } finally {
        server.close();
      }
    }
    log.info("warm-up run: pulled an image through berth; stopped");
    return 0;
  }

  private void applyLogSettings() {
    LogSettings.Format format;
    try {
      format = LogSettings.Format.valueOf(logFormat.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--log-format '" + logFormat + "': expected text or json");
    }
    try {
      LogSettings.apply(LogSettings.level(logLevel), format);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--log-level " + e.getMessage());
    }
  }
}
