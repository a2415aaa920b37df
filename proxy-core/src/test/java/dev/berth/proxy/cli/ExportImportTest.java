package dev.berth.proxy.cli;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.blackbox.StubImage;
import dev.berth.proxy.blackbox.StubIndex;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.layout.Descriptor;
import dev.berth.proxy.layout.OciLayoutWriter;
import dev.berth.proxy.server.BerthServer;
import dev.berth.storage.Pin;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The air-gapped round trip: prefetch one platform of a multi-platform image, export it, import it
 * into a fresh cache, and pull it from a berth whose upstream is unreachable, under policy {@code
 * never}: bytes identical, the other platform refused. Damaged and unnamed layouts fail clearly.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExportImportTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private StubIndex image;
  private Path onlineConfig;
  private Path offlineConfig;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    image = new StubIndex(upstream, "multi", "1", 200_000);
    onlineConfig =
        Files.writeString(
            dir.resolve("online.yaml"),
            "tenancy: open\nupstreams:\n  - name: upstream.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n    policy: if-not-present\n");
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort(); // closed again: nothing answers there
    }
    offlineConfig =
        Files.writeString(
            dir.resolve("offline.yaml"),
            // No upstream to check clients' credentials against: tenancy verify would refuse
            // (it fails closed), so an air-gapped node runs open.
            "tenancy: open\nupstreams:\n  - name: upstream.test\n    url: http://127.0.0.1:"
                + deadPort
                + "\n    default: true\n    policy: never\n");
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

  private String data(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void exportImportRoundTrip_thenPullUnderPolicyNever() throws Exception {
    assertEquals(
        0,
        run(
            "prefetch",
            "--config",
            onlineConfig.toString(),
            "--data",
            data("online"),
            "--platform",
            "linux/amd64",
            "upstream.test/multi:1"),
        err.toString());
    Path tar = dir.resolve("images.tar");
    assertEquals(
        0,
        run(
            "export",
            "--config",
            onlineConfig.toString(),
            "--data",
            data("online"),
            "-o",
            tar.toString(),
            "upstream.test/multi:1"),
        err.toString());
    assertTrue(out.toString().contains("not exported: linux/arm64/v8"), out.toString());

    assertEquals(
        0,
        run(
            "import",
            "--config",
            offlineConfig.toString(),
            "--data",
            data("offline"),
            "--pin",
            tar.toString()),
        err.toString());
    assertTrue(
        out.toString().contains("imported upstream.test/multi:1 " + image.digest), out.toString());
    try (RocksStorage storage =
        RocksStorage.open(Path.of(data("offline")), StorageOptions.defaults())) {
      assertEquals(List.of(new Pin("upstream.test", "multi", "1")), storage.pins().pins());
    }

    BerthConfig offline =
        ConfigLoader.load(
            Optional.of(offlineConfig),
            new CommandLineOverrides(
                Optional.of("127.0.0.1:0"),
                Optional.of("127.0.0.1:0"),
                Optional.of(data("offline")),
                List.of()));
    HttpClient http = HttpClient.newHttpClient();
    try (BerthServer server = BerthServer.start(offline)) {
      String base = "http://127.0.0.1:" + server.registryPort() + "/v2/multi/";
      assertArrayEquals(image.bytes, get(http, base + "manifests/1").body());
      assertArrayEquals(
          image.amd64.manifest, get(http, base + "manifests/" + image.amd64.manifestDigest).body());
      assertArrayEquals(
          image.amd64.layer, get(http, base + "blobs/" + image.amd64.layerDigest).body());
      assertArrayEquals(
          image.amd64.config, get(http, base + "blobs/" + image.amd64.configDigest).body());
      assertEquals(
          404,
          get(http, base + "manifests/" + image.arm64.manifestDigest).statusCode(),
          "not exported, not cached, policy never");
    }
  }

  @Test
  void exportOfAnUncachedImage_failsNamingIt() {
    assertEquals(
        1,
        run(
            "export",
            "--config",
            onlineConfig.toString(),
            "--data",
            data("empty"),
            "-o",
            dir.resolve("x").toString(),
            "upstream.test/multi:1"));
    assertTrue(
        err.toString().contains("no cache at") || err.toString().contains("not in the cache"),
        err.toString());
  }

  @Test
  void damagedLayout_isRefusedNamingTheBlob_andNothingDamagedIsStored() throws Exception {
    run(
        "prefetch",
        "--config",
        onlineConfig.toString(),
        "--data",
        data("online"),
        "upstream.test/multi:1");
    Path layout = dir.resolve("layout");
    assertEquals(
        0,
        run(
            "export",
            "--config",
            onlineConfig.toString(),
            "--data",
            data("online"),
            "-o",
            layout.toString(),
            "upstream.test/multi:1"),
        err.toString());
    Path layer = layout.resolve("blobs/sha256/" + image.arm64.layerDigest.hex());
    byte[] bytes = Files.readAllBytes(layer);
    bytes[1000] ^= 1;
    Files.write(layer, bytes);

    assertEquals(
        1,
        run(
            "import",
            "--config",
            offlineConfig.toString(),
            "--data",
            data("offline"),
            layout.toString()));
    assertTrue(err.toString().contains(image.arm64.layerDigest.toString()), err.toString());
    try (RocksStorage storage =
        RocksStorage.open(Path.of(data("offline")), StorageOptions.defaults())) {
      assertFalse(storage.blobs().stat(image.arm64.layerDigest).isPresent());
    }
  }

  @Test
  void bareTagRefName_needsName() throws Exception {
    Path layout = dir.resolve("skopeo-style");
    try (OciLayoutWriter writer = OciLayoutWriter.directory(layout)) {
      StubImage single = image.amd64;
      writer.blob(single.configDigest, single.config);
      writer.blob(single.layerDigest, single.layer);
      writer.blob(single.manifestDigest, single.manifest);
      writer.addToIndex(
          new Descriptor(
              StubImage.OCI_MANIFEST,
              single.manifestDigest,
              single.manifest.length,
              Map.of(Descriptor.REF_NAME, "v2"),
              null));
    }
    assertEquals(
        1,
        run(
            "import",
            "--config",
            offlineConfig.toString(),
            "--data",
            data("offline"),
            layout.toString()));
    assertTrue(err.toString().contains("pass --name"), err.toString());
    assertEquals(
        0,
        run(
            "import",
            "--config",
            offlineConfig.toString(),
            "--data",
            data("offline"),
            "--name",
            "upstream.test/single",
            layout.toString()),
        err.toString());
    assertTrue(out.toString().contains("imported upstream.test/single:v2"), out.toString());
    assertEquals(
        1,
        run(
            "import",
            "--config",
            offlineConfig.toString(),
            "--data",
            data("offline"),
            "--name",
            "elsewhere.example/single",
            layout.toString()));
    assertTrue(err.toString().contains("elsewhere.example"), err.toString());
  }

  private static HttpResponse<byte[]> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Accept", StubImage.OCI_INDEX + ", " + StubImage.OCI_MANIFEST)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
