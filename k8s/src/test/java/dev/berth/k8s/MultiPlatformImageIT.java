package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.e2e.LocalRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
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
    Path base = Path.of(System.getProperty("berth.image.dir", "target")).resolve("test-base.tar");
    if (!Files.exists(base)) {
      String why = "no " + base + " (built with -Dberth.image.test.skip?)";
      if (E2eTools.isRequired()) {
        throw new AssertionError(why);
      }
      org.junit.jupiter.api.Assumptions.abort(why);
    }
    Path dir = Files.createTempDirectory("berth-multiplatform-");
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      Path layout = twoPlatformLayout(base, dir.resolve("base"));
      run(
          List.of(
              "skopeo",
              "copy",
              "--all",
              "--quiet",
              "--dest-tls-verify=false",
              "oci:" + layout + ":multi",
              "docker://" + registry.hostPort() + "/base:multi"),
          dir);

      String image = registry.hostPort() + "/berth:multi";
      run(
          List.of(
              "mvn",
              "-B",
              "-q",
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
          Manifests.K8S.resolve("..").toAbsolutePath().normalize());

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
        files.addAll(tarNames(blob(registry, layer)));
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
   * An OCI layout whose index names one image per platform, both from {@code test-base.tar} ({@code
   * docker save}: manifest.json, config.json, layer.tar); the arm64 config says arm64.
   */
  private static Path twoPlatformLayout(Path base, Path layout) throws IOException {
    Map<String, byte[]> parts = ImageE2eIT.TarEntries.read(base, n -> !n.equals("layer.tar"));
    Files.createDirectories(layout.resolve("blobs/sha256"));
    byte[] layer = extract(base, "layer.tar", layout);
    ObjectNode config = (ObjectNode) JSON.readTree(parts.get("config.json"));
    List<ObjectNode> manifests = new ArrayList<>();
    for (String arch : List.of("amd64", "arm64")) {
      config.put("architecture", arch);
      byte[] configBytes = JSON.writeValueAsBytes(config);
      ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2);
      manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
      manifest.set(
          "config",
          descriptor(
              "application/vnd.oci.image.config.v1+json",
              write(layout, configBytes),
              configBytes.length));
      manifest
          .putArray("layers")
          .add(descriptor("application/vnd.oci.image.layer.v1.tar", digest(layer), layer.length));
      byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
      ObjectNode entry =
          descriptor(
              manifest.path("mediaType").asText(),
              write(layout, manifestBytes),
              manifestBytes.length);
      entry.putObject("platform").put("architecture", arch).put("os", "linux");
      manifests.add(entry);
    }
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    index.putArray("manifests").addAll(manifests);
    byte[] indexBytes = JSON.writeValueAsBytes(index);
    ObjectNode top = JSON.createObjectNode().put("schemaVersion", 2);
    ObjectNode named =
        descriptor(index.path("mediaType").asText(), write(layout, indexBytes), indexBytes.length);
    named.putObject("annotations").put("org.opencontainers.image.ref.name", "multi");
    top.putArray("manifests").add(named);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(top));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    return layout;
  }

  /** Copies the tar entry into the layout's blobs and returns its bytes. */
  private static byte[] extract(Path tar, String name, Path layout) throws IOException {
    byte[] bytes = ImageE2eIT.TarEntries.readLarge(tar, name);
    write(layout, bytes);
    return bytes;
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    return JSON.createObjectNode()
        .put("mediaType", mediaType)
        .put("digest", digest)
        .put("size", size);
  }

  private static String write(Path layout, byte[] bytes) throws IOException {
    String digest = digest(bytes);
    Files.write(layout.resolve("blobs/sha256/" + digest.substring(7)), bytes);
    return digest;
  }

  private static String digest(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> layers(JsonNode manifest) {
    List<String> digests = new ArrayList<>();
    manifest.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
    return digests;
  }

  private static JsonNode get(LocalRegistry registry, String path, String accept)
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

  private static byte[] blob(LocalRegistry registry, String digest)
      throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(registry.url() + "/v2/berth/blobs/" + digest))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray())
        .body();
  }

  /** The entry names of a gzip'd layer. */
  private static List<String> tarNames(byte[] gzipped) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name = ImageE2eIT.TarEntries.field(header, 0, 100);
        long size = Long.parseLong(ImageE2eIT.TarEntries.field(header, 124, 12).trim(), 8);
        names.add(name.startsWith("/") ? name.substring(1) : name);
        in.skipNBytes((size + 511) / 512 * 512);
      }
    }
    return names;
  }

  private static void run(List<String> argv, Path workDir)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(500, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(argv + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
  }
}
