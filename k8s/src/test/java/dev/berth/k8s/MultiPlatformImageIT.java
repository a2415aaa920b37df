package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.e2e.Command;
import dev.berth.proxy.e2e.Descriptor;
import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.e2e.LocalRegistry;
import dev.berth.proxy.e2e.OciLayoutWriter;
import dev.berth.proxy.e2e.Skopeo;
import dev.berth.proxy.layout.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The published build, as published: {@code jib:build} with the pom's own configuration (both
 * platforms, the entrypoint, the labels), pushed to a real {@code docker-registry}. Only the base
 * differs: a two-platform index pushed there first. Its arm64 entry is a stand-in, this machine's
 * files under an arm64 config (no arm64 Java runs here): the test checks how the build assembles
 * the multi-platform image, that both platforms carry the same application layers, and that those
 * hold the native libraries an arm64 node needs (Netty's aarch64 epoll). It does not run arm64.
 *
 * <p>The build is a nested {@code mvn -pl k8s -am package jib:build}: Jib pushes to registries
 * only, and only from its Maven goal. It found that Jib 3.5.2 builds no OCI image index, so the
 * published format is Docker's manifest list.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class MultiPlatformImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  private static final String MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

  @Test
  void jibBuild_pushesAmd64AndArm64_withTheSameApplicationLayers() throws Exception {
    E2eTools.require("docker-registry", "skopeo", "mvn");
    Path base = BuiltImage.require("test-base.tar");
    Path dir = Files.createTempDirectory("berth-multiplatform-");
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      Skopeo.create()
          .pushOciLayout(
              twoPlatformLayout(base, dir.resolve("base")),
              OciLayoutWriter.REF_NAME,
              registry.hostPort() + "/base:multi",
              true);

      String image = registry.hostPort() + "/berth:multi";
      Command.run(
          List.of(
              "mvn",
              "-B",
              "-q",
              "-f",
              Manifests.K8S.resolve("../pom.xml").toAbsolutePath().normalize().toString(),
              "-pl",
              "k8s",
              "-am",
              "package",
              "com.google.cloud.tools:jib-maven-plugin:"
                  + System.getProperty("jib.version")
                  + ":build",
              "-Dmaven.test.skip=true",
              "-Dspotless.check.skip=true",
              "-Dberth.image.test.skip=true",
              "-Djib.skip=true",
              "-Djib.allowInsecureRegistries=true",
              "-Djib.from.image=" + registry.hostPort() + "/base:multi",
              "-Dberth.image=" + image),
          Map.of(),
          Duration.ofMinutes(8));

      JsonNode list = get(registry, "/v2/berth/manifests/multi", LIST);
      assertEquals(LIST, list.path("mediaType").asText());
      Map<String, JsonNode> byArch = new TreeMap<>();
      for (JsonNode entry : list.path("manifests")) {
        assertEquals("linux", entry.path("platform").path("os").asText());
        byArch.put(
            entry.path("platform").path("architecture").asText(),
            get(registry, "/v2/berth/manifests/" + entry.path("digest").asText(), MANIFEST));
      }
      assertEquals(List.of("amd64", "arm64"), List.copyOf(byArch.keySet()));

      List<String> amd64 = layers(byArch.get("amd64"));
      List<String> arm64 = layers(byArch.get("arm64"));
      assertEquals(amd64.size(), arm64.size());
      // Layer 0 is the base's own; every layer after it is berth's, the same bytes on both.
      assertEquals(amd64.subList(1, amd64.size()), arm64.subList(1, arm64.size()));
      for (String arch : byArch.keySet()) {
        JsonNode config =
            get(
                registry,
                "/v2/berth/blobs/" + byArch.get(arch).path("config").path("digest").asText(),
                null);
        assertEquals(arch, config.path("architecture").asText());
        assertEquals("65532:65532", config.path("config").path("User").asText());
      }
      List<String> files = new ArrayList<>();
      for (String layer : arm64.subList(1, arm64.size())) {
        files.addAll(layerFiles(registry, layer, dir));
      }
      assertTrue(
          files.stream()
              .anyMatch(
                  f -> f.matches("app/libs/netty-transport-native-epoll-.*-linux-aarch_64\\.jar")),
          "the arm64 image has Netty's aarch64 epoll: " + files);
      assertTrue(
          files.stream().anyMatch(f -> f.matches("app/libs/rocksdbjni-.*\\.jar")),
          "RocksDB's JNI jar (natives for x86-64 and aarch64)");
      assertTrue(files.contains("opt/berth/entrypoint"), files.toString());
    }
  }

  /**
   * An OCI layout whose index names one image per platform, each with {@code test-base.tar}'s root
   * filesystem ({@code docker save}: its {@code layer.tar}) as the one layer.
   */
  private static Path twoPlatformLayout(Path base, Path layout) throws IOException {
    OciLayoutWriter writer = OciLayoutWriter.create(layout);
    OciLayoutWriter.Layer rootfs;
    try (TarReader tar = TarReader.open(base);
        InputStream layer = tar.open("layer.tar")) {
      rootfs = writer.writeTarLayer(layer);
    }
    Map<OciLayoutWriter.PlatformSpec, Descriptor> images = new LinkedHashMap<>();
    for (OciLayoutWriter.PlatformSpec platform :
        List.of(
            OciLayoutWriter.PlatformSpec.LINUX_AMD64, OciLayoutWriter.PlatformSpec.LINUX_ARM64)) {
      images.put(platform, writer.writeImage(platform, List.of(rootfs), Map.of()));
    }
    writer.tag(writer.writeIndex(images));
    return layout;
  }

  private static List<String> layers(JsonNode manifest) {
    List<String> digests = new ArrayList<>();
    manifest.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
    return digests;
  }

  private static JsonNode get(LocalRegistry registry, String path, @Nullable String accept)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url() + path));
    if (accept != null) {
      request.header("Accept", accept);
    }
    HttpResponse<byte[]> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(
        200,
        response.statusCode(),
        path + ": " + new String(response.body(), StandardCharsets.UTF_8));
    return JSON.readTree(response.body());
  }

  /**
   * The files of a gzip'd layer blob, downloaded and unpacked to {@code dir}, read by TarReader.
   */
  private static Set<String> layerFiles(LocalRegistry registry, String digest, Path dir)
      throws IOException, InterruptedException {
    Path gzipped =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/v2/berth/blobs/" + digest))
                    .build(),
                HttpResponse.BodyHandlers.ofFile(dir.resolve("layer.tar.gz")))
            .body();
    Path tar = dir.resolve("layer.tar");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gzipped))) {
      Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    try (TarReader reader = TarReader.open(tar)) {
      return reader.entries().keySet();
    }
  }
}
