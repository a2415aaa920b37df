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
 * parameter, falling back from mirror to {@code server}, the Accept list; protocol.md §7.1), and
 * only the real resolver proves it. The daemon runs as root with everything under one short
 * directory {@code /tmp/ct-XXXX} (unix socket paths are limited to 108 bytes): {@code root}, {@code
 * state}, the gRPC and ttrpc sockets, the {@code opt} plugin path. The CRI plugin and the
 * snapshotters that need kernel features are disabled, and pulls unpack with the {@code native}
 * snapshotter, which needs no overlayfs. {@link #close()} stops it by PID and deletes the
 * directory.
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

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration CTR_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final Daemon daemon;
  private Duration pullTimeout = DEFAULT_PULL_TIMEOUT;
  private boolean closed;

  private Containerd(Path dir, Daemon daemon) {
    this.dir = dir;
    this.daemon = daemon;
  }

  /**
   * Starts a private containerd and waits until {@code ctr version} reaches it. Skips or fails the
   * test as {@link E2eTools} decides when containerd, ctr or root is missing.
   *
   * @return a running daemon; close it
   */
  public static Containerd start() {
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
      Files.writeString(dir.resolve("config.toml"), configToml(dir), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Daemon daemon =
        Daemon.start(
            "containerd",
            List.of("containerd", "--config", dir.resolve("config.toml").toString()),
            Map.of(),
            dir.resolve("containerd.log"));
    Containerd containerd = new Containerd(dir, daemon);
    try {
      containerd.awaitReady();
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

  /** The gRPC socket, for {@code ctr --address}. */
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

  private Command.Result ctr(List<String> args) {
    return run(args, CTR_TIMEOUT);
  }

  private Command.Result run(List<String> args, Duration timeout) {
    List<String> argv = new ArrayList<>();
    argv.add("ctr");
    argv.add("--address");
    argv.add(socket().toString());
    argv.add("--namespace");
    argv.add(NAMESPACE);
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

  private static String configToml(Path dir) {
    return String.join(
        "\n",
        "version = 2",
        "root = \"" + dir.resolve("root") + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        // CRI would want CNI and cgroups; the others need kernel features or tools we lack.
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\","
            + " \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\","
            + " \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.zfs\"]",
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
        "");
  }
}
