package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The reference registry ({@code docker-registry serve}, distribution 2.8) on a free loopback port,
 * with filesystem storage and an access log that tests can count.
 *
 * <p>Why: berth's upstream in e2e tests must be a real registry, not a stub, and tests must be able
 * to prove "served from cache" by counting upstream requests and by stopping the upstream. The port
 * and storage survive {@link #stop()}/{@link #start()}, so a restarted registry is the same
 * upstream with the same images. In {@linkplain #startNewProxyOf proxy mode} it is distribution's
 * own pull-through cache, the peer berth is benchmarked against.
 *
 * <p>The process's stdout and stderr are appended to {@code access.log} in the temporary directory;
 * the access lines there are Apache combined format (see {@link AccessLogEntry}). {@link #close()}
 * stops the process and deletes the directory.
 *
 * <p>{@linkplain #startNewWithHtpasswd With htpasswd} every request needs Basic credentials (the
 * 401 says {@code WWW-Authenticate: Basic realm="basic-realm"}); {@link TokenAuthRegistry} runs one
 * in token mode. The access log records every request, 401s included, and in these modes the log
 * level is {@code info}, so {@link #logFile()} also says why a request was refused (for example
 * {@code token from untrusted issuer}).
 *
 * <pre>{@code
 * try (LocalRegistry upstream = LocalRegistry.startNew()) {
 *   PushedImage image = TestImages.pushingTo(upstream).smallImage("e2e/small", "1");
 *   // ... pull through berth ...
 *   assertEquals(1, upstream.countRequests("GET", "/v2/e2e/small/blobs/sha256:.*"));
 * }
 * }</pre>
 */
public final class LocalRegistry implements AutoCloseable {
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
  private static final String SYNC_PARAM = "berth-e2e-sync";
  private static final AtomicLong SYNC_COUNTER = new AtomicLong();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /** The realm of the htpasswd mode's Basic challenge. */
  public static final String BASIC_REALM = "basic-realm";

  /** Cost of the htpasswd entries: Go's minimum, since the registry re-hashes on every request. */
  private static final int HTPASSWD_COST = Bcrypt.MIN_COST;

  private final Path dir;
  private final int port;
  private final @Nullable String remoteUrl;
  private final @Nullable String authYaml;
  private @Nullable Daemon daemon;
  private boolean closed;

  private LocalRegistry(Path dir, int port, @Nullable String remoteUrl, @Nullable String authYaml) {
    this.dir = dir;
    this.port = port;
    this.remoteUrl = remoteUrl;
    this.authYaml = authYaml;
  }

  /**
   * Starts an empty registry that accepts pushes.
   *
   * @return a running registry; close it
   */
  public static LocalRegistry startNew() {
    return startNew(null, registryDir -> null);
  }

  /**
   * Starts a registry that requires HTTP Basic authentication ({@code auth.htpasswd} with {@code
   * realm: basic-realm}): without valid credentials every request, {@code GET /v2/} included, gets
   * 401 with {@code WWW-Authenticate: Basic realm="basic-realm"}. Any listed user may pull and push
   * anything. Push to it with {@code TestImages.pushingTo(registry).withCredentials(...)}.
   *
   * @param userToPassword at least one user; names must not contain {@code ':'}
   * @return a running registry; close it
   */
  public static LocalRegistry startNewWithHtpasswd(Map<String, String> userToPassword) {
    if (userToPassword.isEmpty()) {
      throw new IllegalArgumentException("htpasswd mode needs at least one user");
    }
    return startNew(
        null,
        registryDir -> {
          Path file = registryDir.resolve("htpasswd");
          write(file, htpasswd(userToPassword));
          return "auth:\n"
              + "  htpasswd:\n"
              + "    realm: "
              + BASIC_REALM
              + "\n"
              + "    path: "
              + file
              + "\n";
        });
  }

  /**
   * Starts a registry in token mode ({@code auth.token}) that trusts {@code tokens}: requests need
   * {@code Authorization: Bearer <JWT>} signed by the token server's key (its certificate is the
   * {@code rootcertbundle}), with its issuer and service; the 401 is {@code Bearer
   * realm="<tokens.realm()>",service="...",scope="repository:<repo>:pull"}. {@link
   * TokenAuthRegistry} bundles the two.
   *
   * @return a running registry; close it
   */
  public static LocalRegistry startNewWithTokenAuth(TokenServer tokens) {
    return startNew(
        null,
        registryDir -> {
          Path bundle = registryDir.resolve("token-root.pem");
          write(bundle, tokens.rootCertificatePem());
          return "auth:\n"
              + "  token:\n"
              + "    realm: \""
              + tokens.realm()
              + "\"\n"
              + "    service: \""
              + tokens.service()
              + "\"\n"
              + "    issuer: \""
              + tokens.issuer()
              + "\"\n"
              + "    rootcertbundle: "
              + bundle
              + "\n";
        });
  }

  /**
   * Starts distribution's pull-through cache in front of {@code remoteUrl} ({@code proxy.remoteurl}
   * in the config). Such a registry refuses pushes.
   *
   * @param remoteUrl for example {@code upstream.url()}
   * @return a running registry; close it
   */
  public static LocalRegistry startNewProxyOf(String remoteUrl) {
    return startNew(remoteUrl, registryDir -> null);
  }

  /**
   * @param auth writes what the auth config needs into the registry's directory and returns the
   *     {@code auth:} section, or null for none
   */
  private static LocalRegistry startNew(
      @Nullable String remoteUrl, Function<Path, @Nullable String> auth) {
    E2eTools.require("docker-registry");
    Path dir;
    String authYaml;
    try {
      dir = Files.createTempDirectory("berth-registry-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      authYaml = auth.apply(dir);
    } catch (RuntimeException | Error e) {
      Files2.deleteRecursively(dir);
      throw e;
    }
    LocalRegistry registry = new LocalRegistry(dir, FreePorts.next(), remoteUrl, authYaml);
    try {
      registry.start();
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
    return registry;
  }

  /**
   * Starts the registry process, on the same port and storage as before if it ran already, and
   * waits until {@code GET /v2/} answers. Does nothing when it is running.
   *
   * @throws IllegalStateException when it does not answer within 20 s, with its log
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("registry on port " + port + " is closed");
    }
    if (daemon != null && daemon.isAlive()) {
      return;
    }
    try {
      Files.writeString(dir.resolve("config.yml"), configYaml(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Daemon started =
        Daemon.start(
            "docker-registry",
            List.of("docker-registry", "serve", dir.resolve("config.yml").toString()),
            Map.of(),
            logFile());
    daemon = started;
    try {
      awaitReady(started);
    } catch (RuntimeException | Error e) {
      started.stop();
      throw e;
    }
  }

  /**
   * Stops the process by its PID (SIGTERM, SIGKILL after 5 s). Storage, port and log stay, so
   * {@link #start()} brings the same registry back. Idempotent.
   */
  public synchronized void stop() {
    Daemon running = daemon;
    if (running != null) {
      running.stop();
    }
  }

  /** Stops the process and deletes its storage and log. Idempotent. */
  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      if (!closed) {
        closed = true;
        Files2.deleteRecursively(dir);
      }
    }
  }

  /** True while the process runs. */
  public synchronized boolean isRunning() {
    return daemon != null && daemon.isAlive();
  }

  /** The loopback port; stable across restarts. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}, the registry part of an image reference. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return "http://" + hostPort();
  }

  /** True when requests need credentials (htpasswd or token mode). */
  public boolean requiresAuth() {
    return authYaml != null;
  }

  /** The upstream this registry proxies, or empty for a plain registry. */
  public Optional<String> remoteUrl() {
    return Optional.ofNullable(remoteUrl);
  }

  /**
   * Replaces the users of an htpasswd registry, as an operator rotating a password does, and
   * restarts it so the new file is read (distribution 2.8 reads it at start only).
   */
  public synchronized void setPasswords(Map<String, String> userToPassword) {
    Path file = dir.resolve("htpasswd");
    if (!Files.exists(file)) {
      throw new IllegalStateException("not an htpasswd registry");
    }
    write(file, htpasswd(userToPassword));
    stop();
    start();
  }

  private static String htpasswd(Map<String, String> userToPassword) {
    StringBuilder htpasswd = new StringBuilder();
    userToPassword.forEach(
        (user, password) ->
            htpasswd
                .append(new Credentials(user, password).username())
                .append(':')
                .append(Bcrypt.hash(password, HTPASSWD_COST))
                .append('\n'));
    return htpasswd.toString();
  }

  /** Where blobs and manifests are stored on disk. */
  public Path storageDir() {
    return dir.resolve("storage");
  }

  /** The process's combined stdout and stderr: access lines plus logrus warnings and errors. */
  public Path logFile() {
    return dir.resolve("access.log");
  }

  /**
   * The access-log lines written so far (across restarts), without the fixture's own sync probes.
   * Call {@link #countRequests} or {@link #requests()} when the last requests must be included:
   * those synchronize first.
   */
  public List<String> accessLog() {
    return readLog().stream()
        .filter(line -> AccessLogEntry.parse(line).isPresent())
        .filter(line -> !line.contains(SYNC_PARAM))
        .collect(Collectors.toList());
  }

  /**
   * Every request logged so far, after making sure requests that already got their response are in
   * the log (the registry writes the line just after the response, so a client can be faster).
   */
  public List<AccessLogEntry> requests() {
    synchronizeLog();
    return accessLog().stream()
        .map(line -> AccessLogEntry.parse(line).orElseThrow())
        .collect(Collectors.toList());
  }

  /**
   * Counts logged requests with this method whose path (query excluded) fully matches {@code
   * pathRegex}.
   *
   * @param method for example {@code "GET"}; compared case-insensitively
   * @param pathRegex for example {@code "/v2/e2e/small/blobs/sha256:[0-9a-f]{64}"}
   */
  public long countRequests(String method, String pathRegex) {
    Pattern path = Pattern.compile(pathRegex);
    return requests().stream()
        .filter(e -> e.method().equalsIgnoreCase(method) && path.matcher(e.path()).matches())
        .count();
  }

  /**
   * Waits until at least {@code atLeast} matching requests are logged, for requests a proxy makes
   * in the background.
   *
   * @return the count reached
   * @throws AssertionError when the count stays below {@code atLeast} for {@code timeout}
   */
  public long awaitRequests(String method, String pathRegex, long atLeast, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long count = countRequests(method, pathRegex);
      if (count >= atLeast || System.nanoTime() > deadline) {
        if (count < atLeast) {
          throw new AssertionError(
              "expected >= "
                  + atLeast
                  + " "
                  + method
                  + " "
                  + pathRegex
                  + " on "
                  + hostPort()
                  + " within "
                  + timeout
                  + ", saw "
                  + count);
        }
        return count;
      }
      sleep(50);
    }
  }

  /** Empties the log so that later counts start from zero. */
  public synchronized void clearAccessLog() {
    synchronizeLog();
    try {
      // The child opened the file with O_APPEND, so it keeps writing at the new end.
      Files.write(logFile(), new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String configYaml() {
    StringBuilder yaml = new StringBuilder();
    yaml.append("version: 0.1\n")
        .append("log:\n")
        // In the auth modes, info is the level at which the registry says why it refused a
        // token or a password ("token intended for another audience", ...).
        .append("  level: ")
        .append(authYaml == null ? "warn" : "info")
        .append('\n')
        .append("  formatter: text\n")
        .append("  accesslog:\n")
        .append("    disabled: false\n")
        .append("storage:\n")
        .append("  filesystem:\n")
        .append("    rootdirectory: ")
        .append(storageDir())
        .append('\n')
        .append("  delete:\n")
        .append("    enabled: true\n")
        .append("  maintenance:\n")
        .append("    uploadpurging:\n")
        .append("      enabled: false\n")
        .append("http:\n")
        .append("  addr: ")
        .append(hostPort())
        .append('\n')
        // A fixed secret silences the "No HTTP secret provided" warning on every start.
        .append("  secret: berth-e2e-")
        .append(UUID.nameUUIDFromBytes(dir.toString().getBytes(StandardCharsets.UTF_8)))
        .append('\n')
        .append("health:\n")
        .append("  storagedriver:\n")
        .append("    enabled: false\n");
    if (remoteUrl != null) {
      yaml.append("proxy:\n").append("  remoteurl: ").append(remoteUrl).append('\n');
    }
    if (authYaml != null) {
      yaml.append(authYaml);
    }
    return yaml.toString();
  }

  private void awaitReady(Daemon started) {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    HttpRequest ping =
        HttpRequest.newBuilder(URI.create(url() + "/v2/")).timeout(Duration.ofSeconds(2)).build();
    while (true) {
      if (!started.isAlive()) {
        throw new IllegalStateException(started.describe("exited during startup"));
      }
      try {
        int status = HTTP.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (ConnectException | HttpTimeoutException e) {
        // not listening yet
      } catch (IOException e) {
        // connection reset while starting up; retry
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the registry", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            started.describe("did not answer GET /v2/ within " + STARTUP_TIMEOUT));
      }
      sleep(50);
    }
  }

  /**
   * Sends a marked {@code GET /v2/} and waits until its line is in the log. Requests answered
   * before the marker was sent are logged by then.
   */
  private void synchronizeLog() {
    if (!isRunning()) {
      return; // a stopped process has written everything it will write
    }
    String marker = SYNC_PARAM + "=" + SYNC_COUNTER.incrementAndGet();
    try {
      HTTP.send(
          HttpRequest.newBuilder(URI.create(url() + "/v2/?" + marker))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      return; // stopped meanwhile
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : readLog()) {
        if (line.contains(marker + " ")) {
          return;
        }
      }
      sleep(10);
    }
    throw new IllegalStateException("access log of " + hostPort() + " never showed " + marker);
  }

  private List<String> readLog() {
    try {
      return Files.exists(logFile())
          ? Files.readAllLines(logFile(), StandardCharsets.UTF_8)
          : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
