package dev.berth.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerthServerTest {
  private static final String UNSUPPORTED =
      "{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"the requested operation is not"
          + " supported\",\"detail\":{}}]}";

  @TempDir Path data;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private BerthServer server;

  @BeforeEach
  void start() {
    server = BerthServer.start(config(data, "127.0.0.1:0"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void versionCheck_get_answersEmptyJsonWithApiVersion() throws Exception {
    for (String path : List.of("/v2/", "/v2")) {
      HttpResponse<String> response = send("GET", registry(path));

      assertEquals(200, response.statusCode(), path);
      assertEquals("{}", response.body(), path);
      assertEquals(
          Optional.of("registry/2.0"),
          response.headers().firstValue("Docker-Distribution-API-Version"),
          path);
      assertEquals(Optional.of("application/json"), response.headers().firstValue("Content-Type"));
    }
  }

  @Test
  void versionCheck_head_answersHeadersWithoutBody() throws Exception {
    HttpResponse<String> response = send("HEAD", registry("/v2/"));

    assertEquals(200, response.statusCode());
    assertEquals("", response.body());
    assertEquals(
        Optional.of("registry/2.0"),
        response.headers().firstValue("Docker-Distribution-API-Version"));
    assertEquals(Optional.of("2"), response.headers().firstValue("Content-Length"));
  }

  @Test
  void versionCheck_tenancyVerify_challengesClientsWithoutCredentials() throws Exception {
    server.close();
    server = BerthServer.start(config(data.resolve("verify"), "127.0.0.1:0", "verify"));

    HttpResponse<String> anonymous = send("GET", registry("/v2/"));
    assertEquals(401, anonymous.statusCode());
    assertEquals(
        Optional.of("Basic realm=\"berth\""), anonymous.headers().firstValue("WWW-Authenticate"));
    assertTrue(anonymous.body().contains("UNAUTHORIZED"), anonymous.body());

    HttpResponse<String> docker =
        http.send(
            java.net.http.HttpRequest.newBuilder(registry("/v2/"))
                .header("User-Agent", "docker/27.3.1 go/go1.22.7 git-commit/41ca978 os/linux")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, docker.statusCode(), "the Docker daemon is not challenged");
  }

  @Test
  void registryApi_unknownPath_answersOciUnsupported() throws Exception {
    for (String path : List.of("/v2/_catalog", "/", "/v3/", "/v2/library/alpine/unknown")) {
      HttpResponse<String> response = send("GET", registry(path));

      assertEquals(404, response.statusCode(), path);
      assertEquals(UNSUPPORTED, response.body(), path);
      assertEquals(Optional.of("application/json"), response.headers().firstValue("Content-Type"));
      assertEquals(
          Optional.of("registry/2.0"),
          response.headers().firstValue("Docker-Distribution-API-Version"));
    }
  }

  @Test
  void registryApi_pushToVersionPath_answersOciUnsupported() throws Exception {
    HttpResponse<String> response = send("POST", registry("/v2/"));

    assertEquals(404, response.statusCode());
    assertEquals(UNSUPPORTED, response.body());
  }

  @Test
  void healthz_running_answersOk() throws Exception {
    HttpResponse<String> response = send("GET", admin("/healthz"));

    assertEquals(200, response.statusCode());
    assertEquals("ok", response.body());
  }

  @Test
  void readyz_storageOpen_answersReady() throws Exception {
    HttpResponse<String> response = send("GET", admin("/readyz"));

    assertEquals(200, response.statusCode());
    assertTrue(response.body().startsWith("{\"ready\":true,\"storage\":\""), response.body());
    assertEquals(Optional.of("application/json"), response.headers().firstValue("Content-Type"));
  }

  @Test
  void readyz_storageClosed_answersUnavailable() throws Exception {
    server.closeStorage();

    HttpResponse<String> response = send("GET", admin("/readyz"));

    assertEquals(503, response.statusCode());
    assertEquals(
        "{\"ready\":false,\"storage\":\"storage closed\",\"cache_writes\":\"accepting\"}",
        response.body());
  }

  @Test
  void metrics_scrape_hasJvmProcessAndStorageMeters() throws Exception {
    HttpResponse<String> response = send("GET", admin("/metrics"));

    assertEquals(200, response.statusCode());
    assertEquals(
        Optional.of("text/plain; version=0.0.4; charset=utf-8"),
        response.headers().firstValue("Content-Type"));
    for (String meter :
        List.of(
            "jvm_memory_used_bytes",
            "process_cpu_usage",
            "process_uptime_seconds",
            "jvm_threads_live_threads",
            "berth_storage_bytes 0.0",
            "berth_storage_blobs 0.0")) {
      assertTrue(response.body().contains(meter), meter + " missing from the scrape");
    }
  }

  @Test
  void metrics_defaultConfig_maxSizeGaugeIsAQuarterOfTheDataFilesystem() throws Exception {
    long quarter = java.nio.file.Files.getFileStore(data).getTotalSpace() / 4;

    String body = send("GET", admin("/metrics")).body();

    java.util.regex.Matcher gauge =
        java.util.regex.Pattern.compile("(?m)^berth_storage_max_bytes (\\S+)$").matcher(body);
    assertTrue(gauge.find(), "berth_storage_max_bytes missing from the scrape");
    assertEquals((double) quarter, Double.parseDouble(gauge.group(1)));
    assertTrue(body.contains("berth_storage_writing_bytes 0.0"), "writing bytes gauge");
  }

  @Test
  void adminRoutes_registryPath_isNotServed() throws Exception {
    HttpRequest withToken =
        HttpRequest.newBuilder(admin("/v2/"))
            .header(
                "Authorization",
                dev.berth.proxy.admin.AdminTokenFile.read(data.resolve("admin-token"))
                    .authorizationHeader())
            .build();
    assertEquals(404, http.send(withToken, HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(401, send("GET", admin("/v2/")).statusCode(), "closed to callers without it");
    assertEquals(404, send("GET", registry("/metrics")).statusCode());
  }

  @Test
  void close_twice_isHarmlessAndReleasesPortsAndStorage() throws Exception {
    int port = server.registryPort();

    server.close();
    server.close();

    assertThrows(
        IOException.class, () -> send("GET", URI.create("http://127.0.0.1:" + port + "/v2/")));
    try (RocksStorage reopened = RocksStorage.open(data, StorageOptions.defaults())) {
      assertTrue(reopened.health().ready(), "the RocksDB lock was released");
    }
  }

  @Test
  void start_addressInUse_failsNamingAddressAndReleasesStorage(@TempDir Path other) {
    String taken = "127.0.0.1:" + server.registryPort();

    ServerStartException e =
        assertThrows(ServerStartException.class, () -> BerthServer.start(config(other, taken)));

    assertTrue(
        e.getMessage().startsWith("cannot listen on " + taken + " for the registry API: "),
        e.getMessage());
    try (RocksStorage reopened = RocksStorage.open(other, StorageOptions.defaults())) {
      assertTrue(reopened.health().ready(), "the failed start closed its storage");
    }
  }

  @Test
  void start_storageUnusable_failsNamingPath(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

    ServerStartException e =
        assertThrows(
            ServerStartException.class, () -> BerthServer.start(config(file, "127.0.0.1:0")));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  private static BerthConfig config(Path dataDir, String listen) {
    return config(dataDir, listen, "open");
  }

  private static BerthConfig config(Path dataDir, String listen, String tenancy) {
    Path file;
    try {
      file = java.nio.file.Files.createTempFile("berth-test-config", ".yaml");
      file.toFile().deleteOnExit();
      java.nio.file.Files.writeString(file, "tenancy: " + tenancy + "\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return ConfigLoader.load(
        Optional.of(file),
        new CommandLineOverrides(
            Optional.of(listen),
            Optional.of("127.0.0.1:0"),
            Optional.of(dataDir.toString()),
            List.of()));
  }

  private URI registry(String path) {
    return URI.create("http://127.0.0.1:" + server.registryPort() + path);
  }

  private URI admin(String path) {
    return URI.create("http://127.0.0.1:" + server.adminPort() + path);
  }

  private HttpResponse<String> send(String method, URI uri)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
