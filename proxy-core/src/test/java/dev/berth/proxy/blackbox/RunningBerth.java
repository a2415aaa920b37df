package dev.berth.proxy.blackbox;

import dev.berth.proxy.admin.AdminTokenFile;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.server.BerthServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An in-process berth on ephemeral loopback ports, configured from a YAML snippet, with a plain
 * {@code java.net.http} client: tests talk to it only over HTTP, as a registry client would.
 */
final class RunningBerth implements AutoCloseable {
  private final BerthServer server;
  private final BerthConfig config;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RunningBerth(BerthServer server, BerthConfig config) {
    this.server = server;
    this.config = config;
  }

  /** Starts berth with {@code yaml} as its config file (listen/admin/data are set here). */
  static RunningBerth start(Path dir, String yaml) throws IOException {
    return start(dir, dir.resolve("data"), yaml);
  }

  /** Starts berth with its data directory at {@code data} (the config file goes to {@code dir}). */
  static RunningBerth start(Path dir, Path data, String yaml) throws IOException {
    return start(dir, data, yaml, "127.0.0.1:0");
  }

  /** Starts berth reading time from {@code clock} (a MutableClock the test moves). */
  static RunningBerth start(Path dir, String yaml, java.time.Clock clock) throws IOException {
    return start(dir, dir.resolve("data"), yaml, "127.0.0.1:0", clock);
  }

  /** Starts berth with its registry API on {@code listen} (e.g. {@code 0.0.0.0:0}). */
  static RunningBerth start(Path dir, Path data, String yaml, String listen) throws IOException {
    return start(dir, data, yaml, listen, java.time.Clock.systemUTC());
  }

  private static RunningBerth start(
      Path dir, Path data, String yaml, String listen, java.time.Clock clock) throws IOException {
    Path file = Files.writeString(dir.resolve("config.yaml"), yaml);
    BerthConfig config =
        ConfigLoader.load(
            Optional.of(file),
            new CommandLineOverrides(
                Optional.of(listen),
                Optional.of("127.0.0.1:0"),
                Optional.of(data.toString()),
                List.of()));
    return new RunningBerth(BerthServer.start(config, clock), config);
  }

  /**
   * A config with one upstream named {@code name} at {@code url}, default, with {@code policy};
   * {@code tenancy: open} (tenancy tests set their own).
   */
  static String oneUpstream(String name, String url, String policy) {
    return "tenancy: open\nupstreams:\n"
        + "  - name: "
        + name
        + "\n"
        + "    url: "
        + url
        + "\n"
        + "    default: true\n"
        + "    policy: "
        + policy
        + "\n";
  }

  URI url(String path) {
    return url("127.0.0.1", path);
  }

  /** {@code path} on the registry listener, reached through {@code host}. */
  URI url(String host, String path) {
    return URI.create("http://" + host + ":" + server.registryPort() + path);
  }

  int registryPort() {
    return server.registryPort();
  }

  URI admin(String path) {
    return URI.create("http://127.0.0.1:" + server.adminPort() + path);
  }

  HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
    return sendVia("127.0.0.1", method, path, headers);
  }

  /** A request sent to {@code host}, so that berth sees it come from that address. */
  HttpResponse<byte[]> sendVia(String host, String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url(host, path))
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * Sends {@code requestLine} as typed (for targets {@code java.net.URI} refuses, such as a
   * malformed percent escape) over a plain socket, and returns the whole raw response.
   */
  String raw(String requestLine) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.registryPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              (requestLine + "\r\nHost: berth\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    return send("GET", path, headers);
  }

  HttpResponse<String> adminGet(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(admin(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The admin token file of this berth (it created the file as it started). */
  Path adminTokenFile() {
    return config.adminTokenPath();
  }

  /** {@code Authorization} for the admin API, read from the token file as an operator would. */
  String adminAuthorization() {
    return AdminTokenFile.read(adminTokenFile()).authorizationHeader();
  }

  /** A request on the admin listener with the admin token. */
  HttpResponse<String> adminSend(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(admin(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("Authorization", adminAuthorization())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String metrics() throws Exception {
    return http.send(
            HttpRequest.newBuilder(admin("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * Waits (at most 10 s) until {@code /metrics} shows {@code line}: a client's last byte of a blob
   * no longer waits for the blob's commit (issue 14), so the cache may lag the client a little.
   */
  void awaitMetric(String line) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!metrics().contains(line)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never saw '" + line + "' in /metrics:\n" + metrics());
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
