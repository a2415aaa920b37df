package dev.berth.proxy.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestReferencesTest {
  private static final String A = "sha256:" + "a".repeat(64);
  private static final String B = "sha256:" + "b".repeat(64);
  private static final String C = "sha256:" + "c".repeat(64);

  @Test
  void of_imageManifest_configAndLayers() {
    String json =
        "{\"schemaVersion\":2,\"config\":{\"digest\":\""
            + A
            + "\"},\"layers\":[{\"digest\":\""
            + B
            + "\"},{\"digest\":\""
            + C
            + "\"}],\"subject\":{\"digest\":\""
            + A
            + "\"}}";
    assertEquals(
        List.of(A, A, B, C),
        ManifestReferences.of(json.getBytes(StandardCharsets.UTF_8)).stream()
            .map(Object::toString)
            .toList());
  }

  @Test
  void of_index_children() {
    String json =
        "{\"manifests\":[{\"digest\":\""
            + A
            + "\",\"platform\":{\"os\":\"linux\"}},{\"digest\":\"bad\"}]}";
    assertEquals(
        List.of(A),
        ManifestReferences.of(json.getBytes(StandardCharsets.UTF_8)).stream()
            .map(Object::toString)
            .toList());
  }

  @Test
  void of_garbage_empty() {
    assertEquals(List.of(), ManifestReferences.of("not json".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of(), ManifestReferences.of("[1,2]".getBytes(StandardCharsets.UTF_8)));
  }
}
