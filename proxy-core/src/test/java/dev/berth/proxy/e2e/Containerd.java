package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A private containerd 1.6 daemon and its {@code ctr} client, for pulling images the way a
 * Kubernetes node does: through {@code hosts.toml} mirror configuration.
 *
 * <p>Why: containerd is the client whose mirror behaviour berth must satisfy (the {@code ns}
 * parameter, falling back from mirror to {@code server}, the Accept list; docs/protocol.md §7.1),
 * and only the real resolver proves it. The daemon runs as root with everything under one short
 * directory {@code /tmp/ct-XXXX} (unix socket paths are limited to 108 bytes): {@code root}, {@code
 * state}, the gRPC and ttrpc sockets, the {@code opt} plugin path. The snapshotters that need
 * kernel features are disabled, and pulls unpack with the {@code native} snapshotter, which needs
 * no overlayfs. {@link #start()} disables the CRI plugin too; {@link #startWithCri} enables it, for
 * pulls the way a kubelet makes them ({@link CriClient}). {@link #close()} stops it by PID and
 * deletes the directory.
 *
 * <pre>{@code
 * try (Containerd containerd = Containerd.start()) {
 *   Path hosts = Files.createTempDirectory("hosts");
 *   Containerd.writeHostsToml(hosts, upstream.hostPort(), berth.url(), upstream.url());
 *   String digest = containerd.pull(image.reference(), hosts, true);
 * }
 * }</pre>
 */
public final class Containerd implements AutoCloseable {
  /** The containerd namespace the fixture pulls into. */
  public static final String NAMESPACE = "berth-e2e";

  /** The containerd namespace the CRI plugin keeps Kubernetes' images in. */
  public static final String CRI_NAMESPACE = "k8s.io";

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration CTR_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final Daemon daemon;
  private final String namespace;
  private Duration pullTimeout = DEFAULT_PULL_TIMEOUT;
  private boolean closed;

  private Containerd(Path dir, Daemon daemon, String namespace) {
    this.dir = dir;
    this.daemon = daemon;
    this.namespace = namespace;
  }

  /**
   * Starts a private containerd and waits until {@code ctr version} reaches it. Skips or fails the
   * test as {@link E2eTools} decides when containerd, ctr or root is missing.
   *
   * @return a running daemon; close it
   */
  public static Containerd start() {
    return start(null);
  }

  /**
   * Starts a private containerd with the CRI plugin enabled, as on a Kubernetes node: CRI pulls
   * ({@link CriClient} on {@link #socket()}) resolve through {@code <hostsDir>/<registry
   * host>/hosts.toml} (the plugin's {@code registry.config_path}; see {@link #writeHostsToml}) and
   * unpack with the {@code native} snapshotter into the {@value #CRI_NAMESPACE} namespace, which
   * the {@code ctr} helpers of this instance ({@link #contentDigests()}, {@link #imageDigest}, ...)
   * then look at.
   *
   * <p>The plugin runs without cgroups, AppArmor or OOM-score changes, and with CNI pointed at
   * empty directories under the daemon's own directory: it loads (CNI missing is only logged, as
   * "failed to load cni during init"), serves the image service, and could not run pods, which
   * these tests do not need. Skips or fails as {@link #start()}.
   *
   * @param hostsDir read at every pull, so hosts.toml files may be written after the start
   * @return a running daemon; close it
   */
  public static Containerd startWithCri(Path hostsDir) {
    return start(hostsDir);
  }

  /**
   * @param criHostsDir enables CRI with this {@code config_path} when not null
   */
  private static Containerd start(@Nullable Path criHostsDir) {
    E2eTools.require("containerd", "ctr");
    E2eTools.requireRoot("a private containerd");
    Path dir;
    try {
      // Short on purpose: <dir>/c.sock must stay far below the 108-byte sun_path limit.
      dir =
          Files.createTempDirectory(
              Path.of("/tmp"),
              "ct-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.writeString(
          dir.resolve("config.toml"), configToml(dir, criHostsDir), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Daemon daemon =
        Daemon.start(
            "containerd",
            List.of("containerd", "--config", dir.resolve("config.toml").toString()),
            Map.of(),
            dir.resolve("containerd.log"));
    Containerd containerd =
        new Containerd(dir, daemon, criHostsDir == null ? NAMESPACE : CRI_NAMESPACE);
    try {
      containerd.awaitReady();
      if (criHostsDir != null) {
        containerd.awaitCriReady();
      }
    } catch (RuntimeException | Error e) {
      containerd.close();
      throw e;
    }
    return containerd;
  }

  /** Sets the timeout for each pull (default 5 minutes). */
  public Containerd withPullTimeout(Duration timeout) {
    this.pullTimeout = timeout;
    return this;
  }

  /**
   * The containerd namespace of this instance: {@value #NAMESPACE}, or {@value #CRI_NAMESPACE} when
   * started {@linkplain #startWithCri with CRI}.
   */
  public String namespace() {
    return namespace;
  }

  /** The gRPC socket, for {@code ctr --address} and, with CRI enabled, for {@link CriClient}. */
  public Path socket() {
    return dir.resolve("c.sock");
  }

  /** The daemon's log (stdout and stderr). */
  public Path logFile() {
    return dir.resolve("containerd.log");
  }

  /**
   * Pulls and unpacks the linux/amd64 image.
   *
   * @see #pull(String, Path, boolean, String)
   */
  public String pull(String imageRef, Path hostsDir, boolean plainHttp) {
    return pull(imageRef, hostsDir, plainHttp, "linux/amd64");
  }

  /**
   * {@code ctr images pull --hosts-dir <hostsDir> [--plain-http] --platform <platform> <ref>}.
   *
   * @param imageRef a fully qualified reference, e.g. {@code 127.0.0.1:5000/e2e/small:1}
   * @param hostsDir the directory holding {@code <registry host>/hosts.toml}
   * @param plainHttp use http for hosts given without a scheme (hosts.toml URLs with {@code
   *     http://} are plain HTTP either way)
   * @param platform for example {@code linux/arm64}
   * @return the digest of the image's target (the index for a multi-arch image)
   * @throws CommandFailedException with ctr's stderr when the pull fails
   */
  public String pull(String imageRef, Path hostsDir, boolean plainHttp, String platform) {
    return pullWith(imageRef, hostsDir, plainHttp, List.of("--platform", platform));
  }

  /**
   * Pulls and unpacks every platform of an index ({@code --all-platforms}).
   *
   * @return the digest of the image's target
   */
  public String pullAllPlatforms(String imageRef, Path hostsDir, boolean plainHttp) {
    return pullWith(imageRef, hostsDir, plainHttp, List.of("--all-platforms"));
  }

  /**
   * The target digest of an image containerd knows, from {@code ctr images ls}.
   *
   * @return empty when containerd has no image of that name
   */
  public Optional<String> imageDigest(String imageRef) {
    for (String line : ctr(List.of("images", "ls")).stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      // REF TYPE DIGEST SIZE PLATFORMS LABELS
      if (columns.length >= 3 && columns[0].equals(imageRef)) {
        return Optional.of(columns[2]);
      }
    }
    return Optional.empty();
  }

  /**
   * True when {@code ctr images check} finds all of the image's content and its layers unpacked
   * into the {@code native} snapshotter (checked for the host platform only).
   */
  public boolean isComplete(String imageRef) {
    String output = ctr(List.of("images", "check", "--snapshotter", "native")).stdout();
    for (String line : output.split("\n")) {
      String[] columns = line.trim().split("\\s+");
      // REF TYPE DIGEST STATUS... SIZE... UNPACKED; STATUS is e.g. "complete (4/4)"
      if (columns.length >= 4 && columns[0].equals(imageRef)) {
        return columns[3].equals("complete") && columns[columns.length - 1].equals("true");
      }
    }
    return false;
  }

  /** Digests of every blob in containerd's content store ({@code ctr content ls -q}). */
  public List<String> contentDigests() {
    List<String> digests = new ArrayList<>();
    for (String line : ctr(List.of("content", "ls", "-q")).stdout().split("\n")) {
      if (!line.isBlank()) {
        digests.add(line.trim());
      }
    }
    return digests;
  }

  /**
   * Removes an image and, synchronously, the content only it used, so the next pull fetches
   * everything again.
   */
  public void removeImage(String imageRef) {
    ctr(List.of("images", "rm", "--sync", imageRef));
  }

  /**
   * Writes {@code <hostsDir>/<registryHost>/hosts.toml} sending pulls to a mirror first and to
   * {@code upstreamServerUrl} as the fallback. containerd adds {@code ?ns=<registryHost>} to every
   * request whose host differs from {@code registryHost}.
   *
   * @param registryHost the host[:port] of the image references, e.g. {@code 127.0.0.1:5000}
   * @param mirrorUrl e.g. {@code http://127.0.0.1:7000}; gets {@code capabilities = ["pull",
   *     "resolve"]}
   * @param upstreamServerUrl the {@code server} (tried last), e.g. {@code http://127.0.0.1:5000}
   * @return the written file
   */
  public static Path writeHostsToml(
      Path hostsDir, String registryHost, String mirrorUrl, String upstreamServerUrl) {
    String toml =
        "server = \""
            + upstreamServerUrl
            + "\"\n\n[host.\""
            + mirrorUrl
            + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
    try {
      Path file = hostsDir.resolve(registryHost).resolve("hosts.toml");
      Files.createDirectories(file.getParent());
      Files.writeString(file, toml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the daemon by PID and deletes its directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    try {
      killContainers();
      daemon.stop();
    } finally {
      closed = true;
      Files2.deleteRecursively(dir);
    }
  }

  /**
   * Pulls the linux/amd64 image as {@code user} ({@code ctr images pull --user user:password}):
   * containerd sends the credentials to the mirror when it challenges, as it does with a pod's pull
   * secret.
   */
  public String pullAs(Credentials user, String imageRef, Path hostsDir, boolean plainHttp) {
    return pullWith(
        imageRef,
        hostsDir,
        plainHttp,
        List.of("--platform", "linux/amd64", "--user", user.username() + ":" + user.password()));
  }

  private String pullWith(
      String imageRef, Path hostsDir, boolean plainHttp, List<String> platformArgs) {
    List<String> args =
        new ArrayList<>(List.of("images", "pull", "--hosts-dir", hostsDir.toString()));
    if (plainHttp) {
      args.add("--plain-http");
    }
    args.add("--snapshotter");
    args.add("native");
    args.addAll(platformArgs);
    args.add(imageRef);
    run(args, pullTimeout);
    return imageDigest(imageRef)
        .orElseThrow(() -> new AssertionError("ctr pulled " + imageRef + " but does not list it"));
  }

  /** The daemon's own config.toml (with CRI: its registry {@code config_path}). */
  public Path configFile() {
    return dir.resolve("config.toml");
  }

  /**
   * {@code ctr images import}: loads an image tarball (an OCI layout tar, as Jib's {@code buildTar}
   * writes with the OCI format, or {@code docker save}'s) and unpacks it with the {@code native}
   * snapshotter, ready for {@link #runDetached}.
   *
   * @return the names of the images containerd knows afterwards
   */
  public List<String> importImage(Path tar) {
    run(List.of("images", "import", "--snapshotter", "native", tar.toString()), pullTimeout);
    return ctr(List.of("images", "ls", "-q")).stdout().lines().map(String::trim).toList();
  }

  /**
   * {@code ctr run -d}: starts a container from an imported image with the host's network (as a
   * DaemonSet pod with {@code hostNetwork: true}) and under runc, the runtime a node has.
   *
   * @param binds host path to container path, bound read-write
   * @param args the container's whole command: unlike a pod's {@code args}, ctr replaces the
   *     image's entrypoint too
   * @param log where the container's stdout and stderr go
   */
  public void runDetached(
      String imageRef, String id, Map<Path, String> binds, List<String> args, Path log) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "run",
                "-d",
                "--net-host",
                "--snapshotter",
                "native",
                "--log-uri",
                "file://" + log.toAbsolutePath()));
    binds.forEach(
        (host, container) -> {
          argv.add("--mount");
          argv.add("type=bind,src=" + host + ",dst=" + container + ",options=rbind:rw");
        });
    argv.add(imageRef);
    argv.add(id);
    argv.addAll(args);
    ctr(argv);
  }

  /** The host PID of a running container's first process, from {@code ctr task ls}. */
  public long taskPid(String id) {
    for (String line : ctr(List.of("task", "ls")).stdout().split("\n")) {
      String[] columns = line.trim().split("\\s+");
      // TASK PID STATUS
      if (columns.length >= 3 && columns[0].equals(id)) {
        return Long.parseLong(columns[1]);
      }
    }
    throw new IllegalStateException("no task " + id + " in ctr task ls");
  }

  /**
   * Stops a container as the kubelet does: SIGTERM, then SIGKILL after the grace period; then
   * deletes the task and the container.
   *
   * @return whether it exited within the grace period
   */
  public boolean stopContainer(String id, Duration grace) {
    long pid = taskPid(id);
    ctr(List.of("task", "kill", "--signal", "SIGTERM", id));
    boolean exited =
        ProcessHandle.of(pid)
            .map(
                p -> {
                  try {
                    p.onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    return true;
                  } catch (Exception e) {
                    return false;
                  }
                })
            .orElse(true);
    if (!exited) {
      ctr(List.of("task", "kill", "--signal", "SIGKILL", id));
    }
    // The task is gone once its exit is collected; delete may need a moment after the kill.
    for (int i = 0; i < 50; i++) {
      try {
        ctr(List.of("task", "delete", id));
        break;
      } catch (CommandFailedException e) {
        sleep(Duration.ofMillis(100));
      }
    }
    ctr(List.of("container", "delete", id));
    return exited;
  }

  /**
   * Containers still running (a test that failed half way) would keep their shims and rootfs mounts
   * after the daemon stops, and the directory could not be deleted: kill them first.
   */
  private void killContainers() {
    if (!daemon.isAlive()) {
      return;
    }
    try {
      for (String id :
          ctr(List.of("task", "ls", "-q")).stdout().lines().map(String::trim).toList()) {
        if (!id.isEmpty()) {
          ctr(List.of("task", "kill", "--signal", "SIGKILL", id));
          stopContainer(id, Duration.ofSeconds(5));
        }
      }
    } catch (RuntimeException e) {
      // Best effort: the daemon stops next either way.
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Command.Result ctr(List<String> args) {
    return run(args, CTR_TIMEOUT);
  }

  private Command.Result run(List<String> args, Duration timeout) {
    List<String> argv = new ArrayList<>();
    argv.add("ctr");
    argv.add("--address");
    argv.add(socket().toString());
    argv.add("--namespace");
    argv.add(namespace);
    argv.addAll(args);
    try {
      return Command.run(argv, Map.of(), timeout);
    } catch (CommandFailedException e) {
      if (!daemon.isAlive()) {
        throw new IllegalStateException(daemon.describe("died"), e);
      }
      throw e;
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    @Nullable CommandFailedException last = null;
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new IllegalStateException(daemon.describe("exited during startup"));
      }
      if (Files.exists(socket())) {
        try {
          Command.run(
              List.of("ctr", "--address", socket().toString(), "version"),
              Map.of(),
              Duration.ofSeconds(5));
          return;
        } catch (CommandFailedException e) {
          last = e;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for containerd", e);
      }
    }
    throw new IllegalStateException(
        daemon.describe("did not answer `ctr version` within " + STARTUP_TIMEOUT)
            + (last == null ? "" : "\nlast ctr error: " + last.getMessage()));
  }

  /**
   * The CRI plugin finishes its start (recovering state, event monitor, snapshot syncer) after the
   * socket serves (its log says so); a call before that may be refused. Waits until {@code
   * ImageStatus} answers, which in practice it does at once.
   */
  private void awaitCriReady() {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    try (CriClient cri = CriClient.connect(socket(), Duration.ofSeconds(5))) {
      while (true) {
        if (!daemon.isAlive()) {
          throw new IllegalStateException(daemon.describe("exited during CRI startup"));
        }
        try {
          cri.imageStatus("berth.invalid/cri-readiness:probe");
          return;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                daemon.describe("CRI did not answer within " + STARTUP_TIMEOUT), e);
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for CRI", e);
        }
      }
    }
  }

  private static String configToml(Path dir, @Nullable Path criHostsDir) {
    // These need kernel features or tools we lack.
    String disabled =
        "\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\","
            + " \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.zfs\"";
    return String.join(
        "\n",
        "version = 2",
        "root = \"" + dir.resolve("root") + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        // Without a hosts dir, CRI is off: it would want CNI and cgroups for nothing.
        "disabled_plugins = ["
            + (criHostsDir == null ? "\"io.containerd.grpc.v1.cri\", " : "")
            + disabled
            + "]",
        "",
        "[grpc]",
        "  address = \"" + dir.resolve("c.sock") + "\"",
        "",
        "[ttrpc]",
        "  address = \"" + dir.resolve("c.sock.ttrpc") + "\"",
        "",
        "[debug]",
        "  address = \"\"",
        "  level = \"info\"",
        "",
        "[metrics]",
        "  address = \"\"",
        "",
        // Without this the opt plugin creates /opt/containerd on the host.
        "[plugins.\"io.containerd.internal.v1.opt\"]",
        "  path = \"" + dir.resolve("opt") + "\"",
        "",
        criHostsDir == null ? "" : criToml(dir, criHostsDir));
  }

  /**
   * The CRI plugin's section: what containerd 1.6.20 needs to load it in a container without
   * systemd, as root, touching nothing outside {@code dir}.
   */
  private static String criToml(Path dir, Path hostsDir) {
    return String.join(
        "\n",
        "[plugins.\"io.containerd.grpc.v1.cri\"]",
        // No cgroup, AppArmor or OOM-score setup: none of it is needed to pull, all of it may be
        // unavailable in a CI container.
        "  disable_cgroup = true",
        "  disable_apparmor = true",
        "  restrict_oom_score_adj = true",
        // Pulled only when a pod sandbox starts, which never happens here; pinned so that the
        // config says so instead of relying on the default.
        "  sandbox_image = \"registry.k8s.io/pause:3.6\"",
        "",
        "[plugins.\"io.containerd.grpc.v1.cri\".containerd]",
        "  snapshotter = \"native\"",
        "",
        // Empty on purpose: CNI must not find (or write) the host's network configuration.
        "[plugins.\"io.containerd.grpc.v1.cri\".cni]",
        "  bin_dir = \"" + dir.resolve("cni-bin") + "\"",
        "  conf_dir = \"" + dir.resolve("cni-conf") + "\"",
        "",
        "[plugins.\"io.containerd.grpc.v1.cri\".registry]",
        "  config_path = \"" + hostsDir.toAbsolutePath() + "\"",
        "");
  }
}
