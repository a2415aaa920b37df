package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real fat jar ({@code berth.jar}, built in {@code package}) as a child process. */
class ServeCommandIT {
  private static final Path JAR = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final Duration STOP = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void serve_untilSigterm_servesThenStopsCleanly() throws Exception {
    int registryPort = freePort();
    int adminPort = freePort();
    Path data = dir.resolve("data");
    Run run =
        start(
            "serve",
            "--listen",
            "127.0.0.1:" + registryPort,
            "--admin",
            "127.0.0.1:" + adminPort,
            "--data",
            data.toString());

    HttpResponse<String> anonymous =
        awaitUp(URI.create("http://127.0.0.1:" + registryPort + "/v2/"), run);
    // The default tenancy (verify) challenges clients without credentials, as an authenticating
    // registry does; with any credentials the version check answers {}.
    assertEquals(401, anonymous.statusCode());
    assertEquals(
        "Basic realm=\"berth\"", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));
    HttpResponse<String> version =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + registryPort + "/v2/"))
                    .header("Authorization", "Basic dXNlcjpwYXNz")
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, version.statusCode());
    assertEquals("{}", version.body());
    assertEquals(
        "registry/2.0", version.headers().firstValue("Docker-Distribution-API-Version").orElse(""));
    HttpResponse<String> healthz = get(URI.create("http://127.0.0.1:" + adminPort + "/healthz"));
    assertEquals(200, healthz.statusCode());
    assertEquals("ok", healthz.body());
    HttpResponse<String> metrics = get(URI.create("http://127.0.0.1:" + adminPort + "/metrics"));
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("berth_storage_bytes"), "storage gauge in the scrape");
    assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM meters in the scrape");
    // The admin API: closed without the token berth created in the data directory, open with it.
    URI pins = URI.create("http://127.0.0.1:" + adminPort + "/admin/pins");
    assertEquals(401, get(pins).statusCode());
    Path tokenFile = data.resolve("admin-token");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(tokenFile)));
    String token = Files.readString(tokenFile).strip();
    HttpResponse<String> withToken =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(pins)
                    .header("Authorization", "Bearer " + token)
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, withToken.statusCode(), withToken.body());

    run.process.destroy(); // SIGTERM

    assertTrue(run.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "exits within " + STOP);
    assertEquals(0, run.process.exitValue(), "a clean stop on SIGTERM is exit 0, not 143");
    String output = run.output();
    assertTrue(
        output.contains(
            "berth listening on registry http://127.0.0.1:"
                + registryPort
                + ", admin http://127.0.0.1:"
                + adminPort
                + ", data "
                + data),
        output);
    assertTrue(output.contains("berth stopped"), output);
    assertTrue(output.contains("created the admin token file " + data.resolve("admin-token")));
    assertFalse(output.contains(token), "the admin token is in the log");
    try (RocksStorage reopened = RocksStorage.open(data, StorageOptions.defaults())) {
      assertTrue(reopened.health().ready(), "a clean close released the RocksDB lock");
    }
  }

  @Test
  void serve_configWithUnknownKey_exits2NamingKey() throws Exception {
    Path config = Files.writeString(dir.resolve("config.yaml"), "listen: 127.0.0.1:0\nlistn: x\n");

    Run run = start("serve", "--config", config.toString());

    assertTrue(run.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS));
    assertEquals(2, run.process.exitValue());
    String stderr = run.stderr();
    assertTrue(
        stderr.contains("berth: " + config + ": unknown key 'listn' (known keys: listen,"), stderr);
    assertFalse(stderr.contains("\tat "), "no stack trace: " + stderr);
  }

  @Test
  void help_topLevelAndServe_exit0AndTeachUpstream() throws Exception {
    Run top = start("--help");
    assertTrue(top.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS));
    assertEquals(0, top.process.exitValue());
    assertTrue(top.stdout().contains("serve"), top.stdout());
    assertTrue(top.stdout().contains("--upstream"), top.stdout());

    Run serve = start("serve", "--help");
    assertTrue(serve.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS));
    assertEquals(0, serve.process.exitValue());
    assertTrue(serve.stdout().contains("--upstream"), serve.stdout());
  }

  @Test
  void version_fromJarManifest_isProjectVersion() throws Exception {
    Run run = start("--version");

    assertTrue(run.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS));
    assertEquals(0, run.process.exitValue());
    assertTrue(run.stdout().startsWith("berth 0."), run.stdout());
  }

  private Run start(String... args) throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " missing: run mvn package first");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    // The child writes to files, not pipes: the JDK closes a pipe under a reader thread when the
    // child exits, which can lose its last lines ("berth stopped" among them).
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    started.add(process);
    return new Run(process, out, err);
  }

  private HttpResponse<String> awaitUp(URI uri, Run run) throws Exception {
    Instant deadline = Instant.now().plus(STARTUP);
    while (true) {
      try {
        return get(uri);
      } catch (ConnectException e) {
        if (!run.process.isAlive() || Instant.now().isAfter(deadline)) {
          throw new AssertionError("berth did not come up:\n" + run.output(), e);
        }
        Thread.sleep(100);
      }
    }
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private record Run(Process process, Path out, Path err) {
    String stdout() throws IOException {
      return Files.readString(out);
    }

    String stderr() throws IOException {
      return Files.readString(err);
    }

    String output() throws IOException {
      return stdout() + stderr();
    }
  }
}
