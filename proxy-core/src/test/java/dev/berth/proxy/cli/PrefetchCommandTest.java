package dev.berth.proxy.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.blackbox.StubImage;
import dev.berth.proxy.blackbox.StubIndex;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.server.BerthServer;
import dev.berth.storage.Digest;
import dev.berth.storage.Pin;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code berth prefetch} against a WireMock upstream: a multi-platform image with a platform filter
 * stores only the chosen child's blobs; pins, Kubernetes manifests, failures and the {@code
 * --server} mode.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PrefetchCommandTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private Path config;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private StubImage amd64;
  private StubImage arm64;
  private Digest index;

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    config =
        Files.writeString(
            dir.resolve("config.yaml"),
            "tenancy: open\nupstreams:\n  - name: upstream.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n    policy: if-not-present\n");
    StubIndex image = new StubIndex(upstream, "multi", "1", 30_000);
    amd64 = image.amd64;
    arm64 = image.arm64;
    index = image.digest;
  }

  @AfterEach
  void stop() {
    upstream.stop();
  }

  private int run(String... args) {
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private RocksStorage openData() {
    return RocksStorage.open(dir.resolve("data"), StorageOptions.defaults());
  }

  /**
   * A private image the node's credentials can read, with the default tenancy: prefetch sends no
   * credentials of its own and acts as the node (it reaches berth over loopback).
   */
  @Test
  void privateImage_defaultTenancy_prefetchReadsWithTheNodesCredentials() throws Exception {
    String alice =
        "Basic "
            + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8));
    for (var challenge : List.of(absent(), notMatching(Pattern.quote(alice)))) {
      upstream.stubFor(
          any(urlMatching("/v2/private/.*"))
              .withHeader("Authorization", challenge)
              .atPriority(1)
              .willReturn(
                  aResponse()
                      .withStatus(401)
                      .withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
    }
    upstream.stubFor(
        get(urlEqualTo("/v2/private/app/tags/list?n=1")).willReturn(ok("{\"tags\":[\"1\"]}")));
    StubImage secret = new StubImage("private/app", "1", 20_000, 5).stub(upstream);
    Path keys =
        Files.writeString(
            dir.resolve("config.json"),
            "{\"auths\":{\"upstream.test/private\":{\"username\":\"alice\",\"password\":\"alice-pw\"}}}");
    Path defaults =
        Files.writeString(
            dir.resolve("defaults.yaml"),
            "credentials:\n  docker-config: ["
                + keys
                + "]\nupstreams:\n  - name: upstream.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n");

    int exit =
        run(
            "prefetch",
            "--config",
            defaults.toString(),
            "--data",
            dir.resolve("data").toString(),
            "upstream.test/private/app:1");

    assertEquals(0, exit, out + "\n" + err);
    try (RocksStorage storage = openData()) {
      secret.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent(), b.toString()));
    }
  }

  @Test
  void platformFilter_storesOnlyTheChosenChild_andPins() {
    int exit =
        run(
            "prefetch",
            "--config",
            config.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--platform",
            "linux/amd64",
            "--pin",
            "upstream.test/multi:1");

    assertEquals(0, exit, out + "\n" + err);
    assertTrue(out.toString().contains("ok upstream.test/multi:1 " + index), out.toString());
    assertTrue(
        err.toString().contains("(linux/amd64/v1)") || err.toString().contains("linux/amd64"),
        err.toString());
    try (RocksStorage storage = openData()) {
      assertTrue(storage.manifests().get(index).isPresent());
      assertTrue(storage.manifests().get(amd64.manifestDigest).isPresent());
      amd64.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent(), b.toString()));
      assertFalse(storage.manifests().get(arm64.manifestDigest).isPresent());
      arm64.blobs().forEach(b -> assertFalse(storage.blobs().stat(b).isPresent(), b.toString()));
      assertEquals(List.of(new Pin("upstream.test", "multi", "1")), storage.pins().pins());
    }
  }

  @Test
  void allPlatformsByDefault_andAPlatformTheImageLacks_fails() {
    assertEquals(
        0,
        run(
            "prefetch",
            "--config",
            config.toString(),
            "--data",
            dir.resolve("data").toString(),
            "upstream.test/multi:1"),
        err.toString());
    try (RocksStorage storage = openData()) {
      arm64.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent()));
      amd64.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent()));
    }
    assertEquals(
        1,
        run(
            "prefetch",
            "--config",
            config.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--platform",
            "linux/s390x",
            "upstream.test/multi:1"));
    assertTrue(err.toString().contains("no platform matches linux/s390x"), err.toString());
  }

  @Test
  void kubernetesManifests_andAFailedImage_exit1NamingIt() throws Exception {
    StubImage web = new StubImage("web", "2", 10_000, 3).stub(upstream);
    Path manifests =
        Files.writeString(
            dir.resolve("app.yaml"),
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  initContainers:
                    - name: init
                      image: upstream.test/web:2
                  containers:
                    - name: app
                      image: upstream.test/missing:1
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            """);

    int exit =
        run(
            "prefetch",
            "--config",
            config.toString(),
            "--data",
            dir.resolve("data").toString(),
            "-k",
            manifests.toString());

    assertEquals(1, exit, out + "\n" + err);
    assertTrue(out.toString().contains("ok upstream.test/web:2"), out.toString());
    assertTrue(out.toString().contains("failed upstream.test/missing:1"), out.toString());
    assertTrue(err.toString().contains("prefetched 1 of 2 images"), err.toString());
    try (RocksStorage storage = openData()) {
      web.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent()));
    }
  }

  @Test
  void badInput_exit2NamingTheSource() throws Exception {
    Path list = Files.writeString(dir.resolve("list.txt"), "# images\nnginx:1.27\nNot/Valid\n");
    assertEquals(
        2,
        run(
            "prefetch",
            "--config",
            config.toString(),
            "--data",
            dir.toString(),
            "-f",
            list.toString()));
    assertTrue(err.toString().contains(list.toString()), err.toString());
    assertTrue(err.toString().contains("Not/Valid"), err.toString());
    assertEquals(2, run("prefetch", "--config", config.toString()));
    assertTrue(err.toString().contains("no images given"), err.toString());
  }

  @Test
  void throughARunningServer_withPinViaItsAdminPort() throws Exception {
    BerthConfig settings =
        ConfigLoader.load(
            Optional.of(config),
            new CommandLineOverrides(
                Optional.of("127.0.0.1:0"),
                Optional.of("127.0.0.1:0"),
                Optional.of(dir.resolve("served").toString()),
                List.of()));
    try (BerthServer server = BerthServer.start(settings)) {
      int exit =
          run(
              "prefetch",
              "--server",
              "http://127.0.0.1:" + server.registryPort(),
              "--admin",
              "http://127.0.0.1:" + server.adminPort(),
              "--data", // the server's, where its admin token is
              dir.resolve("served").toString(),
              "--pin",
              "--platform",
              "linux/arm64",
              "upstream.test/multi:1");
      assertEquals(0, exit, out + "\n" + err);
      // The data directory is the server's: prefetch ran through it, it did not open the store.
      assertFalse(Files.exists(dir.resolve("data")));
    }
    try (RocksStorage storage =
        RocksStorage.open(dir.resolve("served"), StorageOptions.defaults())) {
      arm64.blobs().forEach(b -> assertTrue(storage.blobs().stat(b).isPresent()));
      amd64.blobs().forEach(b -> assertFalse(storage.blobs().stat(b).isPresent()));
      assertEquals(List.of(new Pin("upstream.test", "multi", "1")), storage.pins().pins());
    }
  }

  /**
   * --pin against a running server needs its admin token: read before anything is pulled, from
   * --admin-token-file or the file the same --data gives; a wrong one fails the image.
   */
  @Test
  void throughARunningServer_pinNeedsTheServersAdminToken() throws Exception {
    BerthConfig settings =
        ConfigLoader.load(
            Optional.of(config),
            new CommandLineOverrides(
                Optional.of("127.0.0.1:0"),
                Optional.of("127.0.0.1:0"),
                Optional.of(dir.resolve("served").toString()),
                List.of()));
    Path elsewhere = dir.resolve("no-token-here");
    try (BerthServer server = BerthServer.start(settings)) {
      String[] pinThroughServer = {
        "prefetch",
        "--server",
        "http://127.0.0.1:" + server.registryPort(),
        "--admin",
        "http://127.0.0.1:" + server.adminPort(),
        "--pin",
        "--platform",
        "linux/arm64",
      };

      int noToken =
          run(concat(pinThroughServer, "--data", elsewhere.toString(), "upstream.test/multi:1"));

      assertEquals(2, noToken, err.toString());
      assertTrue(
          err.toString()
              .contains(
                  "berth: --pin needs the admin token of the server at http://127.0.0.1:"
                      + server.registryPort()
                      + ": no admin token file at "
                      + elsewhere.resolve("admin-token")),
          err.toString());
      assertTrue(err.toString().contains("--admin-token-file"), err.toString());
      assertEquals(
          0,
          upstream
              .findAll(
                  com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                      com.github.tomakehurst.wiremock.client.WireMock.anyUrl()))
              .size(),
          "nothing pulled before the token was found");

      Path wrong = Files.writeString(dir.resolve("wrong-token"), "not-the-servers\n");
      int refused =
          run(
              concat(
                  pinThroughServer,
                  "--admin-token-file",
                  wrong.toString(),
                  "upstream.test/multi:1"));

      assertEquals(1, refused, err.toString());
      assertTrue(err.toString().contains("refused the admin token"), err.toString());
      assertFalse(err.toString().contains("not-the-servers"), "the token is never printed");

      Path copy = Files.copy(settings.adminTokenPath(), dir.resolve("copied-token"));
      int pinned =
          run(
              concat(
                  pinThroughServer,
                  "--admin-token-file",
                  copy.toString(),
                  "upstream.test/multi:1"));

      assertEquals(0, pinned, err.toString());
    }
    try (RocksStorage storage =
        RocksStorage.open(dir.resolve("served"), StorageOptions.defaults())) {
      assertEquals(List.of(new Pin("upstream.test", "multi", "1")), storage.pins().pins());
    }
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  @Test
  void dataDirectoryInUse_pointsToServer() throws Exception {
    BerthConfig settings =
        ConfigLoader.load(
            Optional.of(config),
            new CommandLineOverrides(
                Optional.of("127.0.0.1:0"),
                Optional.of("127.0.0.1:0"),
                Optional.of(dir.resolve("data").toString()),
                List.of()));
    try (BerthServer server = BerthServer.start(settings)) {
      int exit =
          run(
              "prefetch",
              "--config",
              config.toString(),
              "--data",
              dir.resolve("data").toString(),
              "upstream.test/multi:1");
      assertEquals(1, exit);
      assertTrue(err.toString().contains("--server"), err.toString());
    }
  }
}
