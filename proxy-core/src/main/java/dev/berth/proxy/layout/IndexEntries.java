package dev.berth.proxy.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code index.json} a writer builds. Existing entries are kept as JSON trees, not as {@link
 * Descriptor}s, so that fields berth does not model ({@code urls}, {@code artifactType}, the
 * index's own annotations) survive a merge untouched.
 */
final class IndexEntries {
  private final ObjectNode index;
  private final List<JsonNode> manifests = new ArrayList<>();

  /**
   * @param index a checked index tree ({@link LayoutFormat#manifests}); copied
   */
  IndexEntries(ObjectNode index) {
    this.index = index.deepCopy();
    ArrayNode existing = (ArrayNode) this.index.get("manifests");
    existing.forEach(manifests::add);
  }

  void add(Descriptor descriptor) {
    Optional<String> refName = descriptor.refName();
    String digest = descriptor.digest().toString();
    manifests.removeIf(
        entry ->
            refName.isPresent()
                ? refName.get().equals(refName(entry))
                : refName(entry) == null && digest.equals(entry.path("digest").asText()));
    manifests.add(LayoutFormat.toJson(descriptor));
  }

  byte[] render() {
    ObjectNode result = index.deepCopy();
    ArrayNode array = result.putArray("manifests");
    manifests.forEach(array::add);
    return LayoutFormat.render(result);
  }

  private static @Nullable String refName(JsonNode entry) {
    JsonNode name = entry.path("annotations").get(Descriptor.REF_NAME);
    return name != null && name.isTextual() ? name.asText() : null;
  }
}
