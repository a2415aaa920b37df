package dev.berth.proxy.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The digests a manifest points to: an image manifest's config and layers, an index's child
 * manifests, and a {@code subject}. Read leniently (unknown fields and media types are fine, as the
 * image spec requires); malformed descriptors are skipped, never fatal: this only decides which
 * repository content belongs to.
 */
public final class ManifestReferences {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestReferences() {}

  public static List<Digest> of(byte[] manifest) {
    List<Digest> digests = new ArrayList<>();
    JsonNode root;
    try {
      root = JSON.readTree(manifest);
    } catch (IOException e) {
      return digests;
    }
    if (root == null || !root.isObject()) {
      return digests;
    }
    add(digests, root.get("config"));
    add(digests, root.get("subject"));
    for (String list : new String[] {"layers", "manifests", "blobs"}) {
      JsonNode items = root.get(list);
      if (items != null && items.isArray()) {
        items.forEach(item -> add(digests, item));
      }
    }
    return digests;
  }

  /**
   * The blob descriptors of an image manifest, config first, then the layers in order: what a pull
   * (or a copy of the image) must fetch besides the manifest. Empty for an index.
   */
  public static List<JsonNode> blobDescriptors(JsonNode manifest) {
    List<JsonNode> descriptors = new ArrayList<>();
    if (manifest.has("config")) {
      descriptors.add(manifest.get("config"));
    }
    manifest.path("layers").forEach(descriptors::add);
    return descriptors;
  }

  private static void add(List<Digest> digests, JsonNode descriptor) {
    if (descriptor == null || !descriptor.isObject()) {
      return;
    }
    JsonNode digest = descriptor.get("digest");
    if (digest != null && digest.isTextual()) {
      try {
        digests.add(Digest.parse(digest.asText()));
      } catch (InvalidDigestException e) {
        // not a digest berth can address; nothing to link
      }
    }
  }
}
