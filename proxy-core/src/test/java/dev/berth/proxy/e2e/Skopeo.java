package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code skopeo} (1.9) against loopback registries over plain HTTP, isolated from the host's
 * container configuration.
 *
 * <p>Why: skopeo is the one real client that pushes OCI layouts and copies whole multi-arch images
 * without a daemon. Each instance gets a private home: {@code HOME}, {@code XDG_RUNTIME_DIR},
 * {@code XDG_CONFIG_HOME}, {@code REGISTRY_AUTH_FILE} (an empty auth file), {@code
 * CONTAINERS_REGISTRIES_CONF} (no mirrors, no search registries), {@code --policy} (accept
 * anything) and {@code --tmpdir}, so no host credentials, mirrors or signature policies leak in.
 * Every call has a timeout, and a failure throws with skopeo's full stderr.
 *
 * <p>Credentials are never read from an auth file: a runner made by {@link #withCredentials} passes
 * them on the command line ({@code --src-creds} for copies from a registry, {@code --dest-creds}
 * for pushes, {@code --creds} for inspect), and skopeo answers Basic and Bearer challenges with
 * them itself (for Bearer it fetches the token from the challenge's realm with Basic auth).
 *
 * <pre>{@code
 * Skopeo skopeo = Skopeo.create();
 * String digest = skopeo.inspectDigest(proxy.hostPort() + "/e2e/small:1");
 * Descriptor copied = skopeo.copyToOciDir(proxy.hostPort() + "/e2e/multi:1", dir, true);
 * skopeo.withCredentials(alice).copyToOciDir(upstream.hostPort() + "/team-a/app:1", dir, true);
 * }</pre>
 */
public final class Skopeo {
  private static final Duration DEFAULT_COPY_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration INSPECT_TIMEOUT = Duration.ofSeconds(60);

  private final Path home;
  private final Duration copyTimeout;
  private final @Nullable Credentials credentials;

  private Skopeo(Path home, Duration copyTimeout, @Nullable Credentials credentials) {
    this.home = home;
    this.copyTimeout = copyTimeout;
    this.credentials = credentials;
  }

  /**
   * Creates a skopeo runner with a private home under the temp directory (deleted at JVM exit).
   * Skips or fails the test as {@link E2eTools} decides when skopeo is missing.
   */
  public static Skopeo create() {
    E2eTools.require("skopeo");
    try {
      Path home = Files.createTempDirectory("berth-skopeo-");
      Files.createDirectories(home.resolve("run/containers"));
      Files.createDirectories(home.resolve("config"));
      Files.createDirectories(home.resolve("tmp"));
      Files.writeString(home.resolve("auth.json"), "{\"auths\":{}}");
      Files.writeString(home.resolve("registries.conf"), "unqualified-search-registries = []\n");
      Files.writeString(
          home.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> Files2.deleteRecursively(home), "berth-skopeo-home"));
      return new Skopeo(home, DEFAULT_COPY_TIMEOUT, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same runner with another timeout for copies (default 5 minutes). */
  public Skopeo withCopyTimeout(Duration timeout) {
    return new Skopeo(home, timeout, credentials);
  }

  /**
   * The same runner authenticating as {@code credentials} to the registry of every call (source of
   * a copy, destination of a push, the inspected registry).
   */
  public Skopeo withCredentials(Credentials credentials) {
    return new Skopeo(home, copyTimeout, credentials);
  }

  /** The same runner without credentials (anonymous, as {@link #create()}). */
  public Skopeo anonymous() {
    return new Skopeo(home, copyTimeout, null);
  }

  /** The credentials this runner sends, or empty when it is anonymous. */
  public Optional<Credentials> credentials() {
    return Optional.ofNullable(credentials);
  }

  /**
   * Copies an image from a plain-HTTP registry into an OCI layout, tagged {@value
   * OciLayoutWriter#REF_NAME}.
   *
   * @param sourceDockerRef {@code host:port/repo:tag} or {@code host:port/repo@sha256:...}, without
   *     {@code docker://}
   * @param dest the layout directory (created when missing)
   * @param allPlatforms copy every image of an index ({@code --all}); otherwise skopeo picks the
   *     host's platform and writes only that image
   * @return the top-level descriptor the layout's {@code index.json} records
   */
  public Descriptor copyToOciDir(String sourceDockerRef, Path dest, boolean allPlatforms) {
    List<String> args =
        new ArrayList<>(List.of("copy", "--src-tls-verify=false", "--retry-times", "0"));
    if (allPlatforms) {
      args.add("--all");
    }
    addCredentials(args, "--src-creds");
    args.add("docker://" + sourceDockerRef);
    args.add("oci:" + dest + ":" + OciLayoutWriter.REF_NAME);
    run(copyTimeout, args);
    return ImageLayout.read(dest, OciLayoutWriter.REF_NAME).manifest();
  }

  /**
   * Pushes an OCI layout to a plain-HTTP registry without changing any digest ({@code
   * --preserve-digests}: skopeo fails rather than rewrite a manifest).
   *
   * @param layoutDir a layout whose {@code index.json} has {@code refName}
   * @param destDockerRef {@code host:port/repo:tag}, without {@code docker://}
   * @param allPlatforms push every image of an index ({@code --multi-arch all})
   */
  public void pushOciLayout(
      Path layoutDir, String refName, String destDockerRef, boolean allPlatforms) {
    List<String> args =
        new ArrayList<>(
            List.of("copy", "--dest-tls-verify=false", "--preserve-digests", "--retry-times", "0"));
    if (allPlatforms) {
      args.add("--multi-arch");
      args.add("all");
    }
    addCredentials(args, "--dest-creds");
    args.add("oci:" + layoutDir + ":" + refName);
    args.add("docker://" + destDockerRef);
    run(copyTimeout, args);
  }

  /**
   * The raw top-level manifest as the registry serves it ({@code skopeo inspect --raw}).
   *
   * @param dockerRef {@code host:port/repo:tag}, without {@code docker://}
   */
  public byte[] inspectRaw(String dockerRef) {
    List<String> args =
        new ArrayList<>(List.of("inspect", "--raw", "--tls-verify=false", "--retry-times", "0"));
    addCredentials(args, "--creds");
    args.add("docker://" + dockerRef);
    return run(INSPECT_TIMEOUT, args).stdoutBytes();
  }

  /**
   * The digest of the top-level manifest: SHA-256 of the raw bytes skopeo received, which for an
   * index is the index digest (not a platform's).
   *
   * @param dockerRef {@code host:port/repo:tag}, without {@code docker://}
   */
  public String inspectDigest(String dockerRef) {
    return HashingOutputStream.sha256(inspectRaw(dockerRef));
  }

  /**
   * Runs any skopeo subcommand with the private environment; global flags are added first.
   *
   * @throws CommandFailedException on a non-zero exit or timeout, with the full stderr
   */
  Command.Result run(Duration timeout, List<String> args) {
    List<String> argv = new ArrayList<>();
    argv.add("skopeo");
    argv.add("--policy");
    argv.add(home.resolve("policy.json").toString());
    argv.add("--tmpdir");
    argv.add(home.resolve("tmp").toString());
    argv.add("--command-timeout");
    argv.add(timeout.toSeconds() + "s");
    argv.addAll(args);
    return Command.run(argv, environment(), timeout.plusSeconds(10));
  }

  private void addCredentials(List<String> args, String flag) {
    if (credentials != null) {
      args.add(flag);
      args.add(credentials.colonSeparated());
    }
  }

  private Map<String, String> environment() {
    return Map.of(
        "HOME", home.toString(),
        "XDG_RUNTIME_DIR", home.resolve("run").toString(),
        "XDG_CONFIG_HOME", home.resolve("config").toString(),
        "REGISTRY_AUTH_FILE", home.resolve("auth.json").toString(),
        "CONTAINERS_REGISTRIES_CONF", home.resolve("registries.conf").toString(),
        "TMPDIR", home.resolve("tmp").toString());
  }
}
