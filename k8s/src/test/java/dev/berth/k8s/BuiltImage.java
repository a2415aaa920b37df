package dev.berth.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.layout.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the image tests share: the files the package phase built in {@code k8s/target} (the test
 * base, the test image), reading them with berth's own {@link TarReader}, and berth's metrics.
 */
final class BuiltImage {
  /** {@code k8s/target}, where the package phase wrote the test base and the test image. */
  static final Path TARGET = Path.of(System.getProperty("berth.image.dir", "target"));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private BuiltImage() {}

  /**
   * {@code TARGET/relative}, which the package phase builds unless {@code -Dberth.image.test.skip}
   * was given: then the test is skipped, or fails under {@code BERTH_E2E=required}.
   */
  static Path require(String relative) {
    Path file = TARGET.resolve(relative);
    if (!Files.exists(file)) {
      String why = "no " + file + " (built with -Dberth.image.test.skip?)";
      if (E2eTools.isRequired()) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    return file;
  }

  /** The image config of an OCI layout tar's first image: index, manifest, config. */
  static JsonNode imageConfig(Path tar) throws IOException {
    try (TarReader reader = TarReader.open(tar)) {
      JsonNode index = json(reader, "index.json");
      JsonNode manifest = json(reader, blobPath(index.path("manifests").get(0)));
      return json(reader, blobPath(manifest.path("config")));
    }
  }

  /** A JSON entry of a tar. */
  static JsonNode json(TarReader reader, String path) throws IOException {
    if (reader.entry(path).isEmpty()) {
      throw new AssertionError("no " + path + " in " + reader.file());
    }
    try (InputStream in = reader.open(path)) {
      return JSON.readTree(in);
    }
  }

  private static String blobPath(JsonNode descriptor) {
    return "blobs/" + descriptor.path("digest").asText().replace(':', '/');
  }

  /** The sum of a series' samples (all label sets) on berth's admin port. */
  static double metric(int adminPort, String name) throws IOException, InterruptedException {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
